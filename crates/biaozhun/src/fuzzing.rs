//! The properties the fuzz targets of the newer rooms' parsers check
//! (`crates/biaozhun/fuzz/fuzz_targets/*.rs`, docs/reliability/fuzzing.md). Each function
//! feeds any bytes to one room's public parse function, exactly as the room's import reads a
//! file, and panics when the answer breaks the property: whatever the input, the parser
//! answers (no panic), every problem has a 1-based line and a message in words, and what it
//! keeps is what the room may store. The fuzz targets call these functions; since the
//! fuzzer needs a nightly toolchain, the unit tests below run them on stable over the
//! committed seeds (`fuzz/seeds/<target>/`) and over damaged copies of each seed.
//!
//! Each function answers what it read, (rows kept, problems) or whether the file was
//! accepted, so that the tests also pin down what the valid seeds give.

use crate::config::ImportLimits;
use crate::imports::Problem;
use std::collections::HashSet;

/// Every problem has a 1-based line and says what is wrong in words (not a bare key).
fn check_problems(problems: &[Problem]) {
    for p in problems {
        assert!(p.line >= 1, "problem lines are 1-based: {p:?}");
        assert!(!p.message.trim().is_empty(), "a problem says what is wrong: {p:?}");
        assert!(!p.message.starts_with("problem."), "a problem is worded, not only a key: {p:?}");
    }
}

/// Kept rows come in the order of the file, each from one line.
fn check_lines(lines: impl Iterator<Item = usize>) {
    let mut last = 0;
    for l in lines {
        assert!(l > last, "kept rows have 1-based lines in file order (line {l} after {last})");
        last = l;
    }
}

/// The signs register import (`signs::import::parse`): a kept sign has its code, degrees
/// that are numbers, and the headings its problems would name.
pub fn signs_import(data: &[u8]) -> Option<(usize, usize)> {
    let p = crate::signs::import::parse(data, &ImportLimits::default()).ok()?;
    check_problems(&p.problems);
    check_lines(p.entries.iter().map(|e| e.line));
    for e in &p.entries {
        assert!(e.sign.code.as_deref().is_some_and(|c| !c.is_empty() && c.trim() == c), "a kept sign has its code");
        assert!(!e.headings.is_empty(), "a kept sign knows its headings");
        // The room's own check (done before storing) answers for any kept row.
        let _ = e.sign.check(crate::web::Lang::Zh);
    }
    Some((p.entries.len(), p.problems.len()))
}

/// The experts pool import (`experts::import::parse`): a kept profile has its name, a valid
/// credit code or none, and a key (e-mail address or identity number) no other kept row has.
pub fn experts_import(data: &[u8]) -> Option<(usize, usize)> {
    let (rows, problems) = crate::experts::import::parse(data, &ImportLimits::default()).ok()?;
    check_problems(&problems);
    check_lines(rows.iter().map(|r| r.line));
    let mut keys = HashSet::new();
    for r in &rows {
        let p = &r.profile;
        assert!(!p.name.is_empty() && p.name.trim() == p.name, "a kept expert has a name: {:?}", p.name);
        assert!(p.org_uscc.is_empty() || stdnum::uscc::is_valid(&p.org_uscc), "a kept credit code is valid: {:?}", p.org_uscc);
        let key = if p.email_key.is_empty() { format!("i:{}", p.id_number) } else { format!("e:{}", p.email_key) };
        assert!(key.len() > 2, "a kept expert has an address or an identity number");
        assert!(keys.insert(key), "two kept rows of the same expert");
    }
    Some((rows.len(), problems.len()))
}

/// The committees import (`committees::import::parse`): a kept committee has a number in
/// its canonical spelling (normalising it again changes nothing) and a level; the count of
/// rows read covers the kept ones.
pub fn committees_import(data: &[u8]) -> Option<(usize, usize)> {
    let (rows, problems, count) = crate::committees::import::parse(data, &ImportLimits::default()).ok()?;
    check_problems(&problems);
    check_lines(rows.iter().map(|(l, _)| *l));
    assert!(rows.len() <= count, "{} kept of {count} rows read", rows.len());
    for (_, c) in &rows {
        assert_eq!(crate::committees::model::normalize_number(&c.number).as_deref(), Ok(c.number.as_str()), "a kept number is canonical");
        assert!(crate::committees::model::Level::parse(&c.level).is_some(), "a kept level is a level: {:?}", c.level);
        assert!(c.secretariat_uscc.is_empty() || stdnum::uscc::is_valid(&c.secretariat_uscc), "a kept credit code is valid");
    }
    Some((rows.len(), problems.len()))
}

/// The people import (`training::people_import::parse`): a kept person has a name of at
/// most 100 characters, an address the account rules accept, and a valid credit code or none.
pub fn people_import(data: &[u8]) -> Option<(usize, usize)> {
    let p = crate::training::people_import::parse(data, &ImportLimits::default()).ok()?;
    check_problems(&p.problems);
    check_lines(p.people.iter().map(|r| r.line));
    for r in &p.people {
        assert!(!r.name.is_empty() && r.name.chars().count() <= 100, "a kept person has a name: {:?}", r.name);
        assert!(crate::auth::store::check_email(&r.email).is_ok(), "a kept address is valid: {:?}", r.email);
        assert!(r.uscc.as_deref().is_none_or(stdnum::uscc::is_valid), "a kept credit code is valid: {:?}", r.uscc);
    }
    Some((p.people.len(), p.problems.len()))
}

/// The registry's product import (`registry::import::parse`): a kept GTIN passes its check
/// digit; the GTIN and credit-code parsers answer for every kept cell and for the whole input.
pub fn products_import(data: &[u8]) -> Option<(usize, usize)> {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = stdnum::uscc::validate(s);
        let _ = stdnum::gtin::validate(s);
    }
    let p = crate::registry::import::parse(data, &ImportLimits::default()).ok()?;
    check_problems(&p.problems);
    check_lines(p.lines.iter().map(|l| l.line));
    for l in &p.lines {
        assert!(l.values.gtin.is_empty() || stdnum::gtin::is_valid(&l.values.gtin), "a kept GTIN is valid: {:?}", l.values.gtin);
        let _ = stdnum::uscc::validate(&l.values.name);
        let _ = stdnum::uscc::validate(&l.values.model);
    }
    Some((p.lines.len(), p.problems.len()))
}

/// The strategy outline (`strategy::model::Outline::parse`, as `biaozhun import outline`
/// reads a file: bytes that are not UTF-8 are refused before parsing, as there): an
/// accepted outline has no `*` left among its districts and reads back the same from the
/// JSON it is kept as; a refused one names where (`line N` 1-based, or the entry and field)
/// and what.
pub fn strategy_outline(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let districts = crate::strategy::store::district_codes();
    match crate::strategy::model::Outline::parse(text, &districts) {
        Ok(o) => {
            assert!(o.tasks.iter().all(|t| t.districts.iter().all(|d| d != "*")), "* stands for the districts");
            let kept = serde_json::to_string(&o).expect("an outline serialises");
            let again = crate::strategy::model::Outline::parse(&kept, &districts).unwrap_or_else(|e| panic!("the kept outline reads back: {e}"));
            assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&o).unwrap(), "the kept outline reads back the same");
            true
        }
        Err(e) => {
            assert!(!e.at.is_empty() && !e.message.trim().is_empty(), "an error names where and what: {e:?}");
            if let Some(n) = e.at.strip_prefix("line ") {
                let n: usize = n.parse().unwrap_or_else(|_| panic!("a line number: {e:?}"));
                assert!(n >= 1 && n <= text.lines().count().max(1), "line {n} is in the file: {e:?}");
            }
            false
        }
    }
}

/// The programme configuration (`programmes::model::Config::parse`, TOML) and its grading
/// table (`Thresholds::parse`, CSV), each fed the same bytes as text: an accepted
/// configuration passes its checks again after a round trip through TOML; a refusal names
/// the file; an accepted table ranks every grade its rules name, and a refused one says why.
pub fn programme_config(data: &[u8]) -> (bool, bool) {
    use crate::programmes::model::{Config, Thresholds};
    let text = String::from_utf8_lossy(data);
    let config = match Config::parse("fuzz.toml", &text) {
        Ok(c) => {
            assert!(crate::workflow::is_sql_name(&c.code), "a kept code is a SQL name: {:?}", c.code);
            let written = toml::to_string(&c).unwrap_or_else(|e| panic!("a configuration writes as TOML: {e}"));
            let again = Config::parse("fuzz.toml", &written).unwrap_or_else(|e| panic!("the written configuration reads back: {e}\n{written}"));
            assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&c).unwrap(), "the round trip keeps the configuration");
            true
        }
        Err(e) => {
            assert!(e.starts_with("seed/programmes/fuzz.toml: ") && e.len() > "seed/programmes/fuzz.toml: ".len(), "a refusal names the file and why: {e}");
            false
        }
    };
    let table = match Thresholds::parse("fuzz.csv", &text) {
        Ok(t) => {
            assert!(t.rules.iter().all(|r| t.grades.contains(&r.grade)), "every rule's grade is ranked");
            let _ = t.grade(i64::MAX, i64::MIN);
            true
        }
        Err(e) => {
            assert!(e.starts_with("fuzz.csv: ") && e.len() > "fuzz.csv: ".len(), "a refusal names the table and why: {e}");
            false
        }
    };
    (config, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds of a target, by name.
    fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        out.sort();
        assert!(out.len() >= 5, "{target}: a valid file and a few broken ones");
        out
    }

    /// Damaged copies of a seed: cut at every 97th byte, and with a byte flipped there (XOR
    /// 0x5a, and set to 0xff, which is no UTF-8 and no GBK lead byte of a valid pair).
    fn damaged(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
        (0..bytes.len()).step_by(97).flat_map(move |at| {
            let cut = bytes[..at].to_vec();
            let mut flipped = bytes.to_vec();
            flipped[at] ^= 0x5a;
            let mut high = bytes.to_vec();
            high[at] = 0xff;
            [cut, flipped, high]
        })
    }

    /// Runs `check` on every seed of `target` and every damaged copy; answers the seeds'
    /// results by name.
    fn run<T>(target: &str, check: impl Fn(&[u8]) -> T) -> std::collections::BTreeMap<String, T> {
        let mut out = std::collections::BTreeMap::new();
        for (name, bytes) in seeds(target) {
            for d in damaged(&bytes) {
                let _ = check(&d);
            }
            out.insert(name, check(&bytes));
        }
        out
    }

    #[test]
    fn signs_import_seeds_keep_the_property() {
        let got = run("signs_import", signs_import);
        for valid in ["valid.csv", "valid.tsv", "valid.xlsx", "valid_gbk.csv", "valid_utf16.csv"] {
            assert_eq!(got[valid], Some((2, 0)), "{valid}");
        }
        assert_eq!(got["wrong_header.csv"], Some((0, 1)), "no header is one problem");
        // No code, latitude "north", longitude "东经113": three refused rows, one kept.
        assert_eq!(got["bad_cells.csv"], Some((1, 3)));
        assert_eq!(got["bad_cells.xlsx"], got["bad_cells.csv"]);
        assert_eq!(got["truncated.xlsx"], None, "a cut workbook is refused whole");
    }

    #[test]
    fn experts_import_seeds_keep_the_property() {
        let got = run("experts_import", experts_import);
        for valid in ["valid.csv", "valid.tsv", "valid.xlsx", "valid_gbk.csv", "valid_utf16.csv"] {
            assert_eq!(got[valid], Some((2, 0)), "{valid}");
        }
        assert_eq!(got["wrong_header.csv"], Some((0, 1)));
        // No name, bad credit code, bad ICS, unknown tier, no key, bad address, the same
        // address twice: seven refused, one kept.
        assert_eq!(got["bad_cells.csv"], Some((1, 7)));
        assert_eq!(got["bad_cells.xlsx"], got["bad_cells.csv"]);
        assert_eq!(got["truncated.xlsx"], None);
    }

    #[test]
    fn committees_import_seeds_keep_the_property() {
        let got = run("committees_import", committees_import);
        for valid in ["valid.csv", "valid.tsv", "valid.xlsx", "valid_gbk.csv", "valid_utf16.csv"] {
            assert_eq!(got[valid], Some((2, 0)), "{valid}");
        }
        assert_eq!(got["iso.csv"], Some((2, 0)));
        assert_eq!(got["wrong_header.csv"], None, "no number column: the file is refused");
        assert_eq!(got["bad_cells.csv"].map(|(kept, _)| kept), Some(1), "{:?}", got["bad_cells.csv"]);
        assert!(got["bad_cells.csv"].is_some_and(|(_, problems)| problems >= 4), "{:?}", got["bad_cells.csv"]);
        assert_eq!(got["bad_cells.xlsx"], got["bad_cells.csv"]);
        assert_eq!(got["truncated.xlsx"], None);
    }

    #[test]
    fn people_import_seeds_keep_the_property() {
        let got = run("people_import", people_import);
        for valid in ["valid.csv", "valid.tsv", "valid.xlsx", "valid_gbk.csv", "valid_utf16.csv"] {
            assert_eq!(got[valid], Some((2, 0)), "{valid}");
        }
        assert_eq!(got["wrong_header.csv"], Some((0, 1)));
        // No name, bad address, bad credit code, a name of 101 characters.
        assert_eq!(got["bad_cells.csv"], Some((0, 4)));
        assert_eq!(got["bad_cells.xlsx"], got["bad_cells.csv"]);
        assert_eq!(got["truncated.xlsx"], None);
    }

    #[test]
    fn products_import_seeds_keep_the_property() {
        let got = run("products_import", products_import);
        for valid in ["valid.xlsx", "valid_gbk.csv", "codes.csv"] {
            assert_eq!(got[valid], Some((1, 0)), "{valid}");
        }
        assert_eq!(got["en.tsv"], Some((2, 0)));
        assert_eq!(got["zh.csv"], Some((1, 1)), "the second GTIN's check digit is wrong");
        assert_eq!(got["wrong_header.csv"], Some((0, 1)));
        // No name, a GTIN with a wrong check digit, an HS code that is no code.
        assert_eq!(got["bad_cells.csv"], Some((0, 3)));
        assert_eq!(got["truncated.xlsx"], None);
    }

    #[test]
    fn strategy_outline_seeds_keep_the_property() {
        let got = run("strategy_outline", strategy_outline);
        assert!(got["guangzhou.toml"] && got["small.json"], "{got:?}");
        for broken in ["bad_lead.toml", "bad_deadline.toml", "truncated.toml", "gbk.toml", "backwards.toml", "bad_syntax.toml"] {
            assert!(!got[broken], "{broken}");
        }
    }

    #[test]
    fn programme_config_seeds_keep_the_property() {
        let got = run("programme_config", programme_config);
        for valid in ["demonstration.toml", "good_behaviour.toml", "subsidy.toml"] {
            assert_eq!(got[valid], (true, false), "{valid}");
        }
        for broken in ["bad_code.toml", "bad_field_type.toml", "truncated.toml", "bad_grading.csv"] {
            assert_eq!(got[broken], (false, false), "{broken}");
        }
        assert_eq!(got["grading.csv"], (false, true), "the shipped grading table reads");
    }
}
