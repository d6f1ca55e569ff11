//! Standards import: any bytes (CSV/TSV, XLSX, JSON Lines, gzip of those) must parse into
//! rows and row errors, or a whole-file error, and never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["upload.csv", "upload.jsonl.gz"] {
        if let Ok((rows, errors)) = biaozhun::standards::import::parse(name, data, &biaozhun::config::ImportLimits::default()) {
            for r in &rows {
                assert!(r.line >= 1, "row line numbers are 1-based");
            }
            for e in &errors {
                assert!(!e.message.is_empty(), "a row error says what is wrong");
            }
        }
    }
});
