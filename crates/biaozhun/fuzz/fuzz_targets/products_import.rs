//! Product import (registry, `registry::import::parse`): any bytes must parse into kept rows
//! and row problems, or a whole-file refusal, and never panic. The property is
//! `biaozhun::fuzzing::products_import`: problems with 1-based lines and a message, kept rows
//! in file order, a kept GTIN passes its check digit again, and the GTIN and credit-code
//! parsers answer for every kept cell and the whole input; also run on stable over the seeds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = biaozhun::fuzzing::products_import(data);
});
