#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(n) = stdnum::standard::parse(s) {
        let canonical = n.normalized();
        // Normalising twice gives the same number: the canonical form reads back as the
        // same standard, spelt the same, with the same base and lookup key.
        let again = stdnum::standard::parse(&canonical).expect("canonical form re-parses");
        assert_eq!(again.normalized(), canonical);
        assert_eq!(again.base(), n.base());
        assert_eq!(again.base_key(), n.base_key());
        assert_eq!(again.kind, n.kind);
    }
    for f in stdnum::standard::find_all(s) {
        let canonical = f.number.normalized();
        let again = stdnum::standard::parse(&canonical).expect("a found number re-parses");
        assert_eq!(again.normalized(), canonical);
    }
    let _ = stdnum::standard::parse_adoption(s);
});
