#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(sym) = stdnum::wto::parse_symbol(s) {
        let text = sym.to_string();
        assert_eq!(stdnum::wto::parse_symbol(&text).as_ref(), Ok(&sym));
        let _ = sym.parent();
        let _ = sym.root();
    }
    let _ = stdnum::wto::find_symbols(s);
});
