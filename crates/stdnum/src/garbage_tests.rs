//! Throws a few thousand pseudo-random strings at every public parser to
//! show that none of them panics (a cheap stand-in for the cargo-fuzz
//! targets in `fuzz/`).

/// xorshift64*: tiny, deterministic, good enough for test data.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

/// Fragments that steer the generator towards the interesting paths.
const PIECES: &[&str] = &[
    "GB",
    "GB/T",
    "/T",
    "/Z",
    "ISO",
    "IEC",
    "ISO/IEC",
    "DB44",
    "DB4401/T",
    "T/",
    "Q/",
    "ITU-T",
    "ASTM",
    "JIS",
    "BS EN",
    "DIN EN ISO",
    "IEEE Std",
    "+AMD",
    "/Amd",
    "+A",
    "/XG",
    "COR",
    "G/TBT/N/",
    "USA",
    "EU",
    "/Add.",
    "/Corr.",
    "/Rev.",
    "Notif.",
    "G/TBT/Notif.97.",
    "IDT",
    "MOD",
    "neq",
    "等同",
    "非等效",
    "年",
    "月",
    "日",
    "天",
    "days",
    "T",
    "Z",
    ":",
    "-",
    "—",
    "－",
    "～",
    ".",
    "..",
    "/",
    "//",
    " ",
    "\u{3000}",
    "\u{00A0}",
    "\u{200B}",
    "，",
    "；",
    "、",
    ";",
    ",",
    "\n",
    "\r\n",
    "ＧＢ／Ｔ",
    "１９００１",
    "２０１６",
    "é",
    "𝔘",
    "🙂",
    "\u{0301}",
    "\u{FFFF}",
    "\u{10FFFF}",
    "\u{FEFF}",
    "\0",
    "0",
    "1",
    "9",
    "19001",
    "2016",
    "85",
    "42156",
    "42156.0",
    "20150601",
    "9131",
    "MA1K3BTP2B",
    "X",
    "I",
    "O",
    "97.200.50",
    "8415.10",
    "HS",
    "ICS",
];

fn garbage(rng: &mut Rng) -> String {
    let mut s = String::new();
    let parts = rng.below(12);
    for _ in 0..parts {
        match rng.below(10) {
            0 => {
                let n = rng.below(200);
                s.extend(std::iter::repeat_n('9', n));
            }
            1 => {
                let n = rng.below(100);
                s.extend(std::iter::repeat_n('/', n));
            }
            2 => {
                // Any Unicode scalar value.
                let c = char::from_u32((rng.next() % 0x11_0000) as u32).unwrap_or('\u{FFFD}');
                s.push(c);
            }
            3 => {
                let c = char::from_u32(32 + rng.below(95) as u32).unwrap_or('?');
                s.push(c);
            }
            4 => {
                // Full-width block and dashes.
                let c = char::from_u32(0xFF01 + rng.below(0x5E) as u32).unwrap_or('?');
                s.push(c);
            }
            _ => s.push_str(PIECES[rng.below(PIECES.len())]),
        }
    }
    s
}

fn exercise(s: &str) {
    if let Ok(n) = crate::standard::parse(s) {
        // A canonical spelling must read back as the same standard, spelt the same.
        let again = crate::standard::parse(&n.normalized());
        assert!(
            again.is_ok(),
            "{s:?} → {} does not re-parse",
            n.normalized()
        );
        if let Ok(again) = again {
            assert_eq!(again.normalized(), n.normalized(), "{s:?}");
            assert_eq!(again.base_key(), n.base_key(), "{s:?}");
        }
    }
    for f in crate::standard::find_all(s) {
        assert!(
            s.is_char_boundary(f.start) && s.is_char_boundary(f.end),
            "{s:?}"
        );
        assert!(f.start < f.end && f.end <= s.len());
        assert_eq!(&s[f.start..f.end], f.raw);
    }
    let _ = crate::standard::parse_adoption(s);
    if let Ok(sym) = crate::wto::parse_symbol(s) {
        let text = sym.to_string();
        assert_eq!(
            crate::wto::parse_symbol(&text).as_ref(),
            Ok(&sym),
            "{s:?} → {text}"
        );
        let _ = sym.parent();
        let _ = sym.root();
    }
    let _ = crate::wto::find_symbols(s);
    let _ = crate::uscc::validate(s);
    let _ = crate::orgcode::validate(s);
    let _ = crate::gtin::validate(s);
    let _ = crate::date::parse_date(s);
    let _ = crate::date::parse_relative_days(s);
    let _ = crate::cell::split_multi(s);
    let _ = crate::cell::classify_code(s);
    let _ = crate::cell::classify_codes(s);
    let _ = crate::text::normalize(s);
    let _ = crate::text::collapse_whitespace(s);
}

#[test]
fn no_parser_panics_on_garbage() {
    // STDNUM_GARBAGE_ITERS raises the count for a longer local soak.
    let iters = std::env::var("STDNUM_GARBAGE_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000usize);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..iters {
        let s = garbage(&mut rng);
        exercise(&s);
    }
}

#[test]
fn no_parser_panics_on_edge_cases() {
    let long_digits = "1".repeat(10_000);
    let long_slashes = "/".repeat(10_000);
    let cases = [
        "",
        " ",
        "\u{3000}",
        "GB/T 1-9999999999999999999999",
        "ISO 1:99999",
        "G/TBT/N/USA/99999999999999999999",
        "G/TBT/Notif.",
        "G/TBT/N/USA/1/Add.99999999999",
        "9999999999-99-99",
        "99999",
        "2958466",
        "4294967295 days",
        "99999999999 days",
        "DB4401/T",
        "T/",
        "Q/",
        "ITU-",
        "ISO/IEC/IEEE/TS/TR",
        "GB/T 1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1",
        &long_digits,
        &long_slashes,
    ];
    for s in cases {
        exercise(s);
        exercise(&format!("GB/T {s}"));
        exercise(&format!("G/TBT/N/USA/{s}"));
    }
}
