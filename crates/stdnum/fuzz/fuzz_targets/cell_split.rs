#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    for piece in stdnum::cell::split_multi(s) {
        assert!(!piece.is_empty());
        let _ = stdnum::cell::classify_code(&piece);
    }
});
