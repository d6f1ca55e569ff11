#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok((y, m, d)) = stdnum::date::parse_date(s) {
        assert!(stdnum::date::is_valid_ymd(y, m, d));
        let iso = stdnum::date::to_iso(y, m, d);
        assert_eq!(stdnum::date::parse_date(&iso), Ok((y, m, d)));
    }
    let _ = stdnum::date::parse_relative_days(s);
});
