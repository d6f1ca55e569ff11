//! Numbers as people type them: case, blanks, widths, dashes, colons, joint documents
//! cited under one body, and the property that normalising twice changes nothing.

use super::tests::{n, raws as found};
use super::*;
use crate::garbage_tests::Rng;

#[test]
fn national_numbers_in_every_spelling() {
    use Kind::*;
    let want = ("GB/T 19001-2016".to_string(), NationalRecommended);
    for s in [
        "GB/T 19001-2016",
        "gb/t19001—2016",
        "gb/t 19001-2016",
        "Gb/t 19001-2016",
        "gB/T19001-2016",
        "GB/t 19001–2016",
        "GB/T19001‐2016",
        "GB/T 19001－2016",
        "GB/T 19001 - 2016",
        "GB /T 19001-2016",
        "GB / T 19001-2016",
        "GB/ T 19001-2016",
        "GBT 19001-2016",
        "gbt19001-2016",
        "GB T 19001-2016",
        "GB-T 19001-2016",
        "GB_T 19001-2016",
        "ＧＢ／Ｔ　１９００１－２０１６",
        "ＧＢ／Ｔ１９００１—２０１６",
        "ｇｂ／ｔ　１９００１－２０１６",
        "GB/T 19001:2016",
        "GB/T 19001：2016",
        "  GB/T 19001-2016  ",
        "《GB/T 19001-2016》",
    ] {
        assert_eq!(n(s), want, "{s:?}");
    }
    assert_eq!(
        n("gb 8898-2011"),
        ("GB 8898-2011".into(), NationalMandatory)
    );
    assert_eq!(n("GB8898-2011"), ("GB 8898-2011".into(), NationalMandatory));
    assert_eq!(
        n("gb/z 41305—2022"),
        ("GB/Z 41305-2022".into(), NationalGuidance)
    );
    assert_eq!(
        n("GB Z 41305-2022"),
        ("GB/Z 41305-2022".into(), NationalGuidance)
    );
    assert_eq!(
        n("GB/T 19001-2016/ISO 9001:2015"),
        ("GB/T 19001-2016".into(), NationalRecommended)
    );
    assert_eq!(
        n("gb/t 4754—2017/xg1-2019"),
        ("GB/T 4754-2017/XG1-2019".into(), NationalRecommended)
    );
}

#[test]
fn industry_local_and_group_numbers_in_every_spelling() {
    use Kind::*;
    for (s, want, kind) in [
        ("HG/T 2006-2006", "HG/T 2006-2006", Industry),
        ("hg/t2006—2006", "HG/T 2006-2006", Industry),
        ("HGT 2006-2006", "HG/T 2006-2006", Industry),
        ("HG T 2006-2006", "HG/T 2006-2006", Industry),
        ("QB/T 1234-2010", "QB/T 1234-2010", Industry),
        ("qb/t 1234－2010", "QB/T 1234-2010", Industry),
        ("ＱＢ／Ｔ　１２３４－２０１０", "QB/T 1234-2010", Industry),
        ("JB/T 13368–2018", "JB/T 13368-2018", Industry),
        ("SJ/Z 11362-2006", "SJ/Z 11362-2006", Industry),
        ("YY 0505—2012", "YY 0505-2012", Industry),
        ("JGJ/T 3-2010", "JGJ/T 3-2010", Industry),
        ("DB44/T 1234-2013", "DB44/T 1234-2013", Local),
        ("db44/t 1234—2013", "DB44/T 1234-2013", Local),
        ("DB44/T1234-2013", "DB44/T 1234-2013", Local),
        ("DB 44/T 1234-2013", "DB44/T 1234-2013", Local),
        ("DB44 / T 1234-2013", "DB44/T 1234-2013", Local),
        (
            "ＤＢ４４／Ｔ　１２３４－２０１３",
            "DB44/T 1234-2013",
            Local,
        ),
        ("DB4401/T 10-2018", "DB4401/T 10-2018", Local),
        ("T/CECS 10001-2019", "T/CECS 10001-2019", Group),
        ("t/cecs 10001—2019", "T/CECS 10001-2019", Group),
        ("T/ CECS 10001-2019", "T/CECS 10001-2019", Group),
        (
            "Ｔ／ＣＥＣＳ　１０００１－２０１９",
            "T/CECS 10001-2019",
            Group,
        ),
        ("T/GZAEPI 001-2018", "T/GZAEPI 001-2018", Group),
    ] {
        assert_eq!(n(s), (want.to_string(), kind), "{s:?}");
    }
    let p = parse("HG T 2006-2006").unwrap();
    assert!(p.has_flag(Flag::MissingSlash));
}

#[test]
fn international_numbers_in_every_spelling() {
    use Kind::*;
    for (s, want, kind) in [
        ("iso14001", "ISO 14001", Iso),
        ("ISO14001:2015", "ISO 14001:2015", Iso),
        ("Iso 14001 : 2015", "ISO 14001:2015", Iso),
        ("ISO 9001：2015", "ISO 9001:2015", Iso),
        ("ＩＳＯ　９００１：２０１５", "ISO 9001:2015", Iso),
        ("ISO 9001—2015", "ISO 9001:2015", Iso),
        ("ISO 9001 - 2015", "ISO 9001:2015", Iso),
        ("iso/iec27001", "ISO/IEC 27001", IsoIec),
        ("ISO/IEC27001:2022", "ISO/IEC 27001:2022", IsoIec),
        ("ISO / IEC 27001:2022", "ISO/IEC 27001:2022", IsoIec),
        ("ISO IEC 27001:2022", "ISO/IEC 27001:2022", IsoIec),
        ("ISO/IEC/IEEE 42010:2022", "ISO/IEC/IEEE 42010:2022", IsoIec),
        ("iso/iec/ieee 42010", "ISO/IEC/IEEE 42010", IsoIec),
        (
            "IEC/IEEE 60255-118-1:2018",
            "IEC/IEEE 60255-118-1:2018",
            Iec,
        ),
        ("ISO/ASTM 52900:2021", "ISO/ASTM 52900:2021", Iso),
        ("ISO/ASTM DIS 52900", "ISO/ASTM DIS 52900", Iso),
        (
            "ISO/IEEE 11073-10101:2019",
            "ISO/IEEE 11073-10101:2019",
            Iso,
        ),
        ("ISO/CIE 11664-1:2019", "ISO/CIE 11664-1:2019", Iso),
        ("ISO/HL7 27931:2009", "ISO/HL7 27931:2009", Iso),
        ("ISO/SAE 21434:2021", "ISO/SAE 21434:2021", Iso),
        ("IEC/ISO 31010:2019", "IEC/ISO 31010:2019", IsoIec),
        ("ISO/IEC TR 27019:2017", "ISO/IEC TR 27019:2017", IsoIec),
        ("ISO/R 1234:1970", "ISO/R 1234:1970", Iso),
        // Found by fuzzing: `IS` after two bodies once came back with a blank.
        ("ISO/IEC/IS 9", "ISO/IEC/IS 9", IsoIec),
        (
            "IEC 60335-2-6:2014+AMD1:2018",
            "IEC 60335-2-6:2014+AMD1:2018",
            Iec,
        ),
        (
            "iec 60335-2-6：2014/amd1：2018",
            "IEC 60335-2-6:2014+AMD1:2018",
            Iec,
        ),
        ("EN ISO 13849-1", "EN ISO 13849-1", Foreign),
        ("EN ISO 13849-1:2015", "EN ISO 13849-1:2015", Foreign),
        ("itu-t x.509", "ITU-T X.509", Itu),
    ] {
        assert_eq!(n(s), (want.to_string(), kind), "{s:?}");
    }
    let p = parse("ISO 9001").unwrap();
    assert!(p.year.is_none() && p.has_flag(Flag::NoYear));
}

#[test]
fn joint_documents_share_a_key_with_their_first_body() {
    let key = |s: &str| parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).base_key();
    for (a, b) in [
        ("ISO/IEC 27002:2022", "ISO 27002:2022"),
        ("ISO/IEC 27002:2022", "iso 27002"),
        ("ISO/IEC/IEEE 42010:2022", "ISO 42010"),
        ("ISO/IEC/IEEE 42010:2022", "ISO/IEC 42010"),
        ("IEC/IEEE 60255-118-1:2018", "IEC 60255-118-1"),
        ("ISO/ASTM 52900:2021", "ISO 52900"),
        ("ISO/IEC TR 27019:2017", "ISO/TR 27019"),
        ("ISO/IEC Guide 98-3:2008", "ISO Guide 98-3"),
        ("ISO/HL7 27931:2009", "ISO 27931"),
    ] {
        assert_eq!(key(a), key(b), "{a} ~ {b}");
    }
    for (a, b) in [
        ("ISO/IEC 27002", "IEC 27002"),
        ("ISO/TS 9001", "ISO 9001"),
        ("ISO 9001", "ISO 9002"),
        ("GB/T 19001", "GB 19001"),
        ("IEC 60335-1", "IEC 60335-2"),
    ] {
        assert_ne!(key(a), key(b), "{a} !~ {b}");
    }
    assert_eq!(key("ISO/IEC 27002:2022"), "ISO 27002");
    assert_eq!(key("GB/T 19001-2016"), "GB/T 19001");
    let p = parse("ISO/IEC/IEEE 42010:2022").unwrap();
    assert_eq!(p.co_publishers(), ["IEC", "IEEE"]);
    assert!(parse("ISO 9001").unwrap().co_publishers().is_empty());
    assert_eq!(base_key("ISO/IEC", Kind::IsoIec, "27002"), key("ISO 27002"));
}

#[test]
fn lines_as_pasted_into_the_check() {
    for (line, want) in [
        ("gb/t19001—2016", vec!["GB/T 19001-2016"]),
        ("gb 8898-2011", vec!["GB 8898-2011"]),
        ("iso14001", vec!["ISO 14001"]),
        ("ISO 27002:2022", vec!["ISO 27002:2022"]),
        ("ＧＢ／Ｔ　１９００１－２０１６", vec!["GB/T 19001-2016"]),
        ("1. hg/t 2006—2006 热固性粉末涂料", vec!["HG/T 2006-2006"]),
        ("db44/t 1234-2013", vec!["DB44/T 1234-2013"]),
        ("t/cecs 10001-2019", vec!["T/CECS 10001-2019"]),
        ("iso/iec27001:2022 信息安全", vec!["ISO/IEC 27001:2022"]),
        (
            "GB/T 19001-2016/ISO 9001:2015",
            vec!["GB/T 19001-2016", "ISO 9001:2015"],
        ),
        ("ISO 9001：2015", vec!["ISO 9001:2015"]),
        (
            "IEC 60335-2-6:2014+AMD1:2018",
            vec!["IEC 60335-2-6:2014+AMD1:2018"],
        ),
        ("EN ISO 13849-1", vec!["EN ISO 13849-1"]),
        ("GB T 19001-2016 质量管理体系.pdf", vec!["GB/T 19001-2016"]),
        ("按照Gb/T 1.1-2020起草", vec!["GB/T 1.1-2020"]),
    ] {
        assert_eq!(found(line), want, "{line:?}");
    }
}

#[test]
fn lower_case_words_are_not_taken_for_numbers() {
    for t in [
        "as 1234 people said",
        "can 2 be",
        "en 2019 nous",
        "ul 94",
        "din 5",
        "so 2020-2021 was",
        "t 2019",
        "isolation 2020",
        "the db 12 table",
        "hg 2006",
        "abc 123-2010",
        "q/abc 001-2020",
    ] {
        assert!(find_all(t).is_empty(), "{t}: {:?}", find_all(t));
    }
}

/// A number as someone might type it: a prefix in some case and width, blanks or
/// none, a number with parts, a year after some dash or colon, amendments.
fn typed(rng: &mut Rng) -> String {
    const PREFIXES: &[&str] = &[
        "GB",
        "GB/T",
        "gb/t",
        "GBT",
        "GB T",
        "GB /T",
        "GB/Z",
        "ＧＢ／Ｔ",
        "HG/T",
        "qb/t",
        "JB",
        "YY",
        "DB44/T",
        "db4401/t",
        "DB 44/T",
        "T/CECS",
        "t/gzaepi",
        "Q/ABC",
        "ISO",
        "iso",
        "ISO/IEC",
        "iso/iec",
        "ISO/IEC/IEEE",
        "IEC",
        "IEC/IEEE",
        "ISO/ASTM",
        "ISO/TS",
        "ISO TR",
        "ISO/IEC TR",
        "IEC TS",
        "ISO Guide",
        "CISPR",
        "ITU-T",
        "EN",
        "EN ISO",
        "BS EN",
        "DIN EN ISO",
        "ASTM",
        "IEEE Std",
        "JIS",
        "ANSI/UL",
        "AS/NZS",
        "ABC",
        "ＩＳＯ",
    ];
    const BLANKS: &[&str] = &["", " ", "  ", "\u{3000}", "\u{00A0}"];
    const NUMBERS: &[&str] = &[
        "19001",
        "1.1",
        "8898",
        "4943.1",
        "60335-1",
        "60335-2-6",
        "27001",
        "X.509",
        "D1234",
        "C 8201",
        "1234",
        "001",
        "13849-1",
        "１９００１",
        "62443-1-1",
        "90.1",
    ];
    const DASHES: &[&str] = &["-", "—", "–", "－", "‐", " - ", ":", "：", " : "];
    const YEARS: &[&str] = &["2016", "2015", "1985", "85", "20", "２０１６", ""];
    const AMENDMENTS: &[&str] = &[
        "",
        "",
        "",
        "+AMD1:2023",
        "/Amd 1:2013",
        "+A11:2014",
        "/XG1-2015",
        "/COR1",
        "+amd1：2018",
    ];
    const TAILS: &[&str] = &[
        "",
        "",
        "。",
        ")",
        "/ISO 9001:2015",
        "(E)",
        "/IEC 60068-2-1:2007",
    ];
    let mut s = String::new();
    s.push_str(rng.pick(PREFIXES));
    s.push_str(rng.pick(BLANKS));
    s.push_str(rng.pick(NUMBERS));
    let year = rng.pick(YEARS);
    if !year.is_empty() {
        s.push_str(rng.pick(DASHES));
        s.push_str(year);
    }
    s.push_str(rng.pick(AMENDMENTS));
    s.push_str(rng.pick(TAILS));
    s
}

/// Normalising twice gives the same number: the canonical spelling reads back as the
/// same standard, with the same base and key.
fn assert_idempotent(s: &str) {
    let Ok(first) = parse(s) else { return };
    let canonical = first.normalized();
    let again = parse(&canonical).unwrap_or_else(|e| panic!("{s:?} → {canonical:?}: {e}"));
    assert_eq!(again.normalized(), canonical, "{s:?}");
    assert_eq!(again.base(), first.base(), "{s:?}");
    assert_eq!(again.base_key(), first.base_key(), "{s:?}");
    assert_eq!(again.kind, first.kind, "{s:?}");
    for f in find_all(s) {
        let c = f.number.normalized();
        let again = parse(&c).unwrap_or_else(|e| panic!("found in {s:?}: {c:?}: {e}"));
        assert_eq!(again.normalized(), c, "found in {s:?}");
    }
}

#[test]
fn normalising_twice_changes_nothing() {
    // STDNUM_TYPED_ITERS raises the count for a longer local soak.
    let iters = std::env::var("STDNUM_TYPED_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000usize);
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let mut parsed = 0;
    for _ in 0..iters {
        let s = typed(&mut rng);
        match parse(&s) {
            Ok(_) => parsed += 1,
            Err(e) if std::env::var("STDNUM_SHOW").is_ok() => eprintln!("{s:?}: {e}"),
            Err(_) => {}
        }
        assert_idempotent(&s);
    }
    // The generator makes mostly readable numbers; if it stopped, the test would prove
    // nothing.
    // (Some combinations are not numbers at all, such as `ABC 19001(E)`.)
    assert!(parsed * 10 > iters * 6, "{parsed} of {iters} parsed");
}
