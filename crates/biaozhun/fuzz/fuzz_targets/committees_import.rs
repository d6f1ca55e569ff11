//! Committees import (committees::import::parse): any bytes (ISO list, national/city CSV/TSV, XLSX).
//! The property is `biaozhun::fuzzing::committees_import` (no panic; problems with 1-based lines and a
//! message; kept rows fit to store), also run on stable over the seeds by its unit test.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = biaozhun::fuzzing::committees_import(data);
});
