#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(n) = stdnum::standard::parse(s) {
        let canonical = n.normalized();
        // The canonical form must always read back.
        let again = stdnum::standard::parse(&canonical).expect("canonical form re-parses");
        assert_eq!(again.base(), n.base());
    }
    let _ = stdnum::standard::parse_adoption(s);
});
