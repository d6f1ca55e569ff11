//! People import (training::people_import::parse): any bytes (CSV/TSV, XLSX; UTF-8, UTF-16, GBK).
//! The property is `biaozhun::fuzzing::people_import` (no panic; problems with 1-based lines and a
//! message; kept rows fit to store), also run on stable over the seeds by its unit test.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = biaozhun::fuzzing::people_import(data);
});
