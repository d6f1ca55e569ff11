use super::*;

/// parse → (normalized, kind)
pub(super) fn n(s: &str) -> (String, Kind) {
    let p = parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
    (p.normalized(), p.kind)
}

#[test]
fn chinese_national() {
    use Kind::*;
    let cases = [
        ("GB/T 19001-2016", "GB/T 19001-2016", NationalRecommended),
        ("GB/T19001-2016", "GB/T 19001-2016", NationalRecommended),
        ("gb/t 19001-2016", "GB/T 19001-2016", NationalRecommended),
        ("GB/T 19001—2016", "GB/T 19001-2016", NationalRecommended),
        ("GB/T 19001–2016", "GB/T 19001-2016", NationalRecommended),
        ("GB/T 19001－2016", "GB/T 19001-2016", NationalRecommended),
        ("GB/T 19001 — 2016", "GB/T 19001-2016", NationalRecommended),
        (
            "ＧＢ／Ｔ　１９００１－２０１６",
            "GB/T 19001-2016",
            NationalRecommended,
        ),
        ("GB 4943.1-2022", "GB 4943.1-2022", NationalMandatory),
        ("GB/T 5606.1-2004", "GB/T 5606.1-2004", NationalRecommended),
        ("GB/T 1.1-2020", "GB/T 1.1-2020", NationalRecommended),
        ("GB/T 20223-2006", "GB/T 20223-2006", NationalRecommended),
        ("GB/Z 41305-2022", "GB/Z 41305-2022", NationalGuidance),
        ("GB 8898-85", "GB 8898-1985", NationalMandatory),
        ("GB 50016-2014", "GB 50016-2014", NationalMandatory),
        ("GBZ 2.1-2019", "GBZ 2.1-2019", NationalMandatory),
        (
            "  GB/T 19001-2016。",
            "GB/T 19001-2016",
            NationalRecommended,
        ),
    ];
    for (input, want, kind) in cases {
        assert_eq!(n(input), (want.to_string(), kind), "{input}");
    }
    let p = parse("GB/T 19001").unwrap();
    assert_eq!(p.year, None);
    assert!(p.has_flag(Flag::NoYear));
    assert_eq!(p.normalized(), "GB/T 19001");
    let p = parse("GB 8898-85").unwrap();
    assert_eq!(p.year, Some(1985));
    assert!(p.has_flag(Flag::TwoDigitYear));
    assert_eq!(parse("GB 1-05").unwrap().year, Some(2005));
    let p = parse("GB/T 1.1-2020").unwrap();
    assert_eq!(
        (p.prefix.as_str(), p.number.as_str(), p.year),
        ("GB/T", "1.1", Some(2020))
    );
    assert_eq!(p.base(), "GB/T 1.1");
}

#[test]
fn chinese_other_levels() {
    use Kind::*;
    let cases = [
        ("DB4401/T 10-2018", "DB4401/T 10-2018", Local),
        ("DB44/T 1234—2013", "DB44/T 1234-2013", Local),
        ("DB44 123-2010", "DB44 123-2010", Local),
        ("T/GZAEPI 001—2018", "T/GZAEPI 001-2018", Group),
        ("T/CECS 10001-2019", "T/CECS 10001-2019", Group),
        ("Q/ABC 001-2020", "Q/ABC 001-2020", Enterprise),
        ("JB/T 13368-2018", "JB/T 13368-2018", Industry),
        ("HG/T 2006-2006", "HG/T 2006-2006", Industry),
        ("YY 0505-2012", "YY 0505-2012", Industry),
        ("YY/T 0287-2017", "YY/T 0287-2017", Industry),
        ("SJ/Z 11362-2006", "SJ/Z 11362-2006", Industry),
        ("JGJ 3-2010", "JGJ 3-2010", Industry),
        ("DB/T 15-2009", "DB/T 15-2009", Industry),
    ];
    for (input, want, kind) in cases {
        assert_eq!(n(input), (want.to_string(), kind), "{input}");
    }
    let p = parse("DB4401/T 10-2018").unwrap();
    assert_eq!(p.prefix, "DB4401/T");
    assert_eq!(p.number, "10");
    let p = parse("T/GZAEPI 001—2018").unwrap();
    assert_eq!((p.prefix.as_str(), p.number.as_str()), ("T/GZAEPI", "001"));
}

#[test]
fn every_industry_code_in_three_forms() {
    let codes = "AQ BB CB CH CJ CY DA DB DL DZ EJ FZ GA GH GM GY HB HG HJ HS HY JB JC JG JR JT \
                 JY LB LD LS LY MH MT MZ NB NY QB QC QJ QX SB SC SH SJ SL SN SY TB TD TY WB WH \
                 WJ WM WS WW XB YB YC YD YS YY YZ ZY";
    for code in codes.split_whitespace() {
        for suffix in ["", "/T", "/Z"] {
            let s = format!("{code}{suffix} 123.4-2019");
            let p = parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.kind, Kind::Industry, "{s}");
            assert_eq!(p.normalized(), s);
            assert!(p.flags.is_empty(), "{s}: {:?}", p.flags);
        }
    }
}

#[test]
fn international() {
    use Kind::*;
    let cases = [
        ("ISO 9001:2015", "ISO 9001:2015", Iso),
        ("ISO9001:2015", "ISO 9001:2015", Iso),
        ("iso 9001 : 2015", "ISO 9001:2015", Iso),
        ("ISO/IEC 27001:2022", "ISO/IEC 27001:2022", IsoIec),
        ("ISO/IEC 27001", "ISO/IEC 27001", IsoIec),
        (
            "IEC 60335-1:2020+AMD1:2023",
            "IEC 60335-1:2020+AMD1:2023",
            Iec,
        ),
        (
            "IEC 60335-1:2020/AMD1:2023",
            "IEC 60335-1:2020+AMD1:2023",
            Iec,
        ),
        (
            "IEC 60335-1:2010/Amd 1:2013/COR1:2014",
            "IEC 60335-1:2010+AMD1:2013+COR1:2014",
            Iec,
        ),
        ("ISO 3308:1991", "ISO 3308:1991", Iso),
        ("ISO/TS 16949:2009", "ISO/TS 16949:2009", Iso),
        ("ISO TS 16949:2009", "ISO/TS 16949:2009", Iso),
        ("ISO/TR 10013:2001", "ISO/TR 10013:2001", Iso),
        ("ISO/DIS 1234", "ISO/DIS 1234", Iso),
        ("ISO/CD 1234", "ISO/CD 1234", Iso),
        ("ISO/IEC TR 27019:2017", "ISO/IEC TR 27019:2017", IsoIec),
        ("ISO/IEC/IEEE 42010:2011", "ISO/IEC/IEEE 42010:2011", IsoIec),
        ("ISO Guide 73:2009", "ISO Guide 73:2009", Iso),
        ("IEC 62325-351:2016", "IEC 62325-351:2016", Iec),
        ("IEC TS 62443-1-1:2009", "IEC TS 62443-1-1:2009", Iec),
        ("IEC/TS 62443-1-1:2009", "IEC TS 62443-1-1:2009", Iec),
        ("CISPR 32:2015", "CISPR 32:2015", Iec),
        ("ITU-T X.509", "ITU-T X.509", Itu),
        ("ITU-T G.652", "ITU-T G.652", Itu),
        ("ISO 9001-2015", "ISO 9001:2015", Iso),
    ];
    for (input, want, kind) in cases {
        assert_eq!(n(input), (want.to_string(), kind), "{input}");
    }
    let p = parse("IEC 60335-1:2020+AMD1:2023").unwrap();
    assert_eq!(p.number, "60335-1");
    assert_eq!(p.year, Some(2020));
    assert_eq!(p.amendments, vec!["AMD1:2023".to_string()]);
    assert_eq!(p.base(), "IEC 60335-1");
    let p = parse("ISO/TS 16949:2009").unwrap();
    assert_eq!(p.prefix, "ISO/TS");
    assert!(
        parse("ISO 9001-2015")
            .unwrap()
            .has_flag(Flag::NonStandardSeparator)
    );
    assert_eq!(parse("ITU-T X.509").unwrap().number, "X.509");
    assert_eq!(parse("IEC TS 62443-1-1:2009").unwrap().prefix, "IEC TS");
    // Parts are not mistaken for years.
    assert_eq!(parse("IEC 61000-4-2").unwrap().number, "61000-4-2");
}

#[test]
fn foreign() {
    use Kind::*;
    let cases = [
        ("EN 60335-1:2012", "EN 60335-1:2012", Foreign),
        (
            "EN 60335-1:2012+A11:2014",
            "EN 60335-1:2012+A11:2014",
            Foreign,
        ),
        ("BS EN 1234:2010", "BS EN 1234:2010", Foreign),
        ("DIN EN ISO 9001:2015", "DIN EN ISO 9001:2015", Foreign),
        ("ASTM D1234-20", "ASTM D1234-20", Foreign),
        ("ASTM E84-21a", "ASTM E84-21", Foreign),
        ("UL 94", "UL 94", Foreign),
        ("ANSI/UL 94", "ANSI/UL 94", Foreign),
        ("IEEE Std 802.11-2020", "IEEE 802.11-2020", Foreign),
        ("IEEE 802.3-2018", "IEEE 802.3-2018", Foreign),
        ("JIS C 8201-1:2007", "JIS C 8201-1:2007", Foreign),
        ("AS/NZS 3112:2017", "AS/NZS 3112:2017", Foreign),
        ("SAE J1939", "SAE J1939", Foreign),
    ];
    for (input, want, kind) in cases {
        assert_eq!(n(input), (want.to_string(), kind), "{input}");
    }
    let p = parse("ASTM D1234-20").unwrap();
    assert_eq!((p.number.as_str(), p.year), ("D1234", Some(2020)));
    assert_eq!(
        parse("DIN EN ISO 9001:2015").unwrap().base(),
        "DIN EN ISO 9001"
    );
}

#[test]
fn unknown_prefix_is_kept() {
    let p = parse("ABC 123-2010").unwrap();
    assert_eq!(p.kind, Kind::Unknown);
    assert!(p.has_flag(Flag::UnknownPrefix));
    assert_eq!(p.normalized(), "ABC 123-2010");
    let p = parse("XYZ/T 12-2019").unwrap();
    assert_eq!((p.prefix.as_str(), p.kind), ("XYZ/T", Kind::Unknown));
}

#[test]
fn errors_are_plain() {
    assert_eq!(parse(""), Err(ParseError::Empty));
    assert_eq!(parse(" \u{3000} "), Err(ParseError::Empty));
    assert!(matches!(parse("2020年"), Err(ParseError::NoPrefix(_))));
    assert_eq!(parse("ISO"), Err(ParseError::NoNumber("ISO".into())));
    assert_eq!(parse("GB/T"), Err(ParseError::NoNumber("GB/T".into())));
    let e = parse("GB/T 19001-2016 质量管理体系").unwrap_err();
    assert!(matches!(e, ParseError::TrailingText { .. }));
    assert!(e.to_string().contains("质量管理体系"), "{e}");
    assert!(
        parse("ISO")
            .unwrap_err()
            .to_string()
            .contains("not followed by a number")
    );
}

#[test]
fn kind_codes_round_trip() {
    for k in Kind::ALL {
        assert_eq!(Kind::from_code(k.as_str()), Some(k));
        assert!(!k.label_zh().is_empty() && !k.label_en().is_empty());
    }
    assert_eq!(Kind::NationalMandatory.as_str(), "national_mandatory");
    assert_eq!(Kind::NationalRecommended.as_str(), "national_recommended");
    assert_eq!(Kind::from_code("nope"), None);
}

#[test]
fn display_and_from_str() {
    let p: StdNumber = "ISO/IEC 27001:2022".parse().unwrap();
    assert_eq!(p.to_string(), "ISO/IEC 27001:2022");
}

/// The canonical spellings of the numbers found in a text.
pub(super) fn raws(text: &str) -> Vec<String> {
    find_all(text)
        .into_iter()
        .map(|f| f.number.normalized())
        .collect()
}

#[test]
fn find_in_running_text() {
    assert_eq!(raws("按照GB/T 1.1-2020的规定起草。"), ["GB/T 1.1-2020"]);
    assert_eq!(
        raws("1. GB/T 19001—2016 质量管理体系 要求"),
        ["GB/T 19001-2016"]
    );
    assert_eq!(
        raws("GB/T 19001-2016；GB/T 24001-2016、GB/T 45001-2020，ISO 9001:2015"),
        [
            "GB/T 19001-2016",
            "GB/T 24001-2016",
            "GB/T 45001-2020",
            "ISO 9001:2015"
        ]
    );
    assert_eq!(
        raws("GB/T 19001-2016/ISO 9001:2015 质量管理体系"),
        ["GB/T 19001-2016", "ISO 9001:2015"]
    );
    assert_eq!(
        raws("IEC 60335-1:2020+AMD1:2023 and EN 60335-1"),
        ["IEC 60335-1:2020+AMD1:2023", "EN 60335-1"]
    );
    assert_eq!(raws("DB4401/T 10—2018《广州市…》"), ["DB4401/T 10-2018"]);
}

#[test]
fn find_avoids_false_positives() {
    for t in [
        "2020年第3部分",
        "ISO",
        "通过ISO认证",
        "HS 8415.10 空调",
        "PM2.5 浓度",
        "COVID-19 疫情",
        "Windows 10",
        "WTO 2020-2021",
        "G/TBT/N/USA/1436",
        "see TOP 10 list",
    ] {
        assert!(find_all(t).is_empty(), "{t}: {:?}", find_all(t));
    }
}

#[test]
fn found_offsets_point_into_original() {
    let text = "依据ＧＢ／Ｔ　１９００１－２０１６和ISO 9001:2015。";
    let found = find_all(text);
    assert_eq!(found.len(), 2);
    for f in &found {
        assert_eq!(&text[f.start..f.end], f.raw);
    }
    assert_eq!(found[0].raw, "ＧＢ／Ｔ　１９００１－２０１６");
    assert_eq!(found[1].raw, "ISO 9001:2015");
}

#[test]
fn adoption_cells() {
    let d = |s: &str| -> Vec<(String, Option<Degree>)> {
        parse_adoption(s)
            .into_iter()
            .map(|(n, d)| (n.normalized(), d))
            .collect()
    };
    use Degree::*;
    assert_eq!(
        d("IEC 62368-1:2018 MOD"),
        [("IEC 62368-1:2018".into(), Some(Mod))]
    );
    assert_eq!(
        d("ISO 9001:2015，IDT"),
        [("ISO 9001:2015".into(), Some(Idt))]
    );
    assert_eq!(
        d("MOD IEC 62368-1:2018"),
        [("IEC 62368-1:2018".into(), Some(Mod))]
    );
    assert_eq!(
        d("ISO 9001:2015(IDT)"),
        [("ISO 9001:2015".into(), Some(Idt))]
    );
    assert_eq!(
        d("idt ISO 9001:2015"),
        [("ISO 9001:2015".into(), Some(Idt))]
    );
    assert_eq!(d("ISO 9001:2015"), [("ISO 9001:2015".into(), None)]);
    assert_eq!(
        d("ISO 9001:2015 IDT; IEC 60335-1:2010 MOD；ISO 14001:2015，NEQ"),
        [
            ("ISO 9001:2015".into(), Some(Idt)),
            ("IEC 60335-1:2010".into(), Some(Mod)),
            ("ISO 14001:2015".into(), Some(Neq)),
        ]
    );
    assert_eq!(
        d("idt ISO 9001:2015; mod IEC 60335-1"),
        [
            ("ISO 9001:2015".into(), Some(Idt)),
            ("IEC 60335-1".into(), Some(Mod))
        ]
    );
    assert_eq!(
        d("ISO 1234:2000; MOD IEC 5678:2001"),
        [
            ("ISO 1234:2000".into(), None),
            ("IEC 5678:2001".into(), Some(Mod))
        ]
    );
    assert_eq!(
        d("等同采用ISO 9001:2015"),
        [("ISO 9001:2015".into(), Some(Idt))]
    );
    assert_eq!(
        d("iso 9001:2015 eqv"),
        [("ISO 9001:2015".into(), Some(Mod))]
    );
    assert!(d("MOD").is_empty());
}

#[test]
fn find_all_is_fast() {
    let line = "1. GB/T 19001—2016 质量管理体系 要求；参照ISO 9001:2015，IEC 60335-1:2020+AMD1:2023 and some English words here 2020年\n";
    let text = line.repeat(10_000);
    let t = std::time::Instant::now();
    let found = find_all(&text);
    let took = t.elapsed();
    eprintln!("find_all over {} bytes: {took:?}", text.len());
    assert_eq!(found.len(), 30_000);
    // Generous bound for unoptimised debug builds on a busy machine.
    assert!(took.as_millis() < 2_000, "took {took:?}");
}

#[test]
fn sloppy_real_world_spellings() {
    let p = parse("GB/T 2423.1-2008/IEC 60068-2-1:2007").unwrap();
    assert_eq!(p.normalized(), "GB/T 2423.1-2008");
    assert!(p.has_flag(Flag::DualNumber));
    assert_eq!(n("ISO 9001:2015(E)").0, "ISO 9001:2015");
    assert_eq!(
        n("DB 44/T 123-2019"),
        ("DB44/T 123-2019".into(), Kind::Local)
    );
    let p = parse("GBT19001-2016").unwrap();
    assert_eq!(p.normalized(), "GB/T 19001-2016");
    assert!(p.has_flag(Flag::MissingSlash));
    assert_eq!(
        n("jbt 1234-2010"),
        ("JB/T 1234-2010".into(), Kind::Industry)
    );
    assert_eq!(n("prEN 1234").0, "prEN 1234");
    assert_eq!(n("(GB/T 19001-2016)").0, "GB/T 19001-2016");
    assert_eq!(n("《GB 4943.1-2022》").0, "GB 4943.1-2022");
    assert_eq!(n("GB/T 1234-2010/XG1-2015").0, "GB/T 1234-2010/XG1-2015");
    assert_eq!(
        n("IEC 60335-1:2010+A1:2013+A2:2016").0,
        "IEC 60335-1:2010+A1:2013+A2:2016"
    );
    assert_eq!(n("ISO/IEC Guide 98-3:2008").0, "ISO/IEC Guide 98-3:2008");
    assert_eq!(n("ANSI/ASHRAE 90.1-2019").0, "ANSI/ASHRAE 90.1-2019");
    assert_eq!(n("ITU-R BT.709-6"), ("ITU-R BT.709-6".into(), Kind::Itu));
    assert!(parse("DB 44 123").is_err());
}

#[test]
fn editions_share_a_base() {
    let a = parse("GB/T 19001-2008").unwrap();
    let b = parse("GB/T19001—2016").unwrap();
    let c = parse("ＧＢ／Ｔ　１９００１").unwrap();
    assert_eq!(a.base(), b.base());
    assert_eq!(b.base(), c.base());
    assert_ne!(a.normalized(), b.normalized());
}
