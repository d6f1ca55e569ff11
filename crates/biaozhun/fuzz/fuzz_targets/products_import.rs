//! Product import (registry): any bytes must parse into kept rows and row problems, or a
//! whole-file refusal, and never panic. The GTIN and credit-code parsers run on every cell
//! of every row: a kept row's GTIN passes its check digit again, a kept cell read as a
//! credit code answers without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = biaozhun::config::ImportLimits::default();
    if let Ok(p) = biaozhun::registry::import::parse(data, &limits) {
        for l in &p.lines {
            assert!(l.line >= 1, "row line numbers are 1-based");
            assert!(l.values.gtin.is_empty() || stdnum::gtin::is_valid(&l.values.gtin), "a kept GTIN is valid");
            let _ = stdnum::uscc::validate(&l.values.name);
            let _ = stdnum::uscc::validate(&l.values.model);
        }
        for e in &p.problems {
            assert!(!e.message.is_empty(), "a problem says what is wrong");
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = stdnum::uscc::validate(s);
        let _ = stdnum::gtin::validate(s);
    }
});
