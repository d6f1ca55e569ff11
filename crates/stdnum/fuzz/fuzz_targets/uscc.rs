#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(code) = stdnum::uscc::validate(s) {
        assert_eq!(code.len(), 18);
        assert_eq!(stdnum::uscc::validate(&code).as_ref(), Ok(&code));
    }
    let _ = stdnum::orgcode::validate(s);
    let _ = stdnum::gtin::validate(s);
});
