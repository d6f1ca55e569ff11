//! Strategy outline (strategy::model::Outline::parse, `biaozhun import outline`): TOML or JSON text.
//! The property is `biaozhun::fuzzing::strategy_outline` (no panic; problems with 1-based lines and a
//! message; kept rows fit to store), also run on stable over the seeds by its unit test.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = biaozhun::fuzzing::strategy_outline(data);
});
