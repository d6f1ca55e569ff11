//! Programme configuration (programmes::model::Config::parse, TOML) and grading table (Thresholds::parse, CSV).
//! The property is `biaozhun::fuzzing::programme_config` (no panic; problems with 1-based lines and a
//! message; kept rows fit to store), also run on stable over the seeds by its unit test.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = biaozhun::fuzzing::programme_config(data);
});
