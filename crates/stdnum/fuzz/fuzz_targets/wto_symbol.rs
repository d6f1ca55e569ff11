#![no_main]
use libfuzzer_sys::fuzz_target;

// TBT and SPS symbols: whatever parses prints back to itself, keeps its agreement through
// parent() and root(), and is found again in running text.
// Seeds: crates/stdnum/fuzz/seeds/wto_symbol (`cargo +nightly fuzz run wto_symbol seeds/wto_symbol`).
fuzz_target!(|s: &str| {
    if let Ok(sym) = stdnum::wto::parse_symbol(s) {
        let text = sym.to_string();
        assert_eq!(stdnum::wto::parse_symbol(&text).as_ref(), Ok(&sym));
        if let Some(p) = sym.parent() {
            assert_eq!(p.agreement, sym.agreement);
            assert_eq!(p.suffixes.len() + 1, sym.suffixes.len());
        }
        let root = sym.root();
        assert_eq!((root.agreement, root.number, &root.member), (sym.agreement, sym.number, &sym.member));
        assert!(root.suffixes.is_empty());
        let found = stdnum::wto::find_symbols(&format!("see {text}."));
        assert_eq!(found.first(), Some(&sym), "{text}");
    }
    let _ = stdnum::wto::find_symbols(s);
});
