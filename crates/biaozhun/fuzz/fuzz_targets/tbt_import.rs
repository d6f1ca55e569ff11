//! TBT import: any bytes (CSV, XLSX, JSON Lines, gzip of those) must parse into records,
//! errors and warnings, or a whole-file error, and never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((records, errors, warnings)) = biaozhun::tbt::import::parse(data, &biaozhun::config::ImportLimits::default()) {
        for (line, _) in &records {
            assert!(*line >= 1, "record line numbers are 1-based");
        }
        for p in errors.iter().chain(&warnings) {
            assert!(!p.message.is_empty(), "a problem says what is wrong");
        }
    }
});
