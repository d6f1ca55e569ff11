#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    for f in stdnum::standard::find_all(s) {
        assert!(f.start < f.end && f.end <= s.len());
        assert_eq!(&s[f.start..f.end], f.raw);
    }
});
