//! The stored form of a report's items: every distinct text once (numbers, titles, inputs
//! and outcomes repeat a lot), each item a row of small integers pointing at them, the whole
//! compressed. A report of 10,000 items takes tens of kilobytes instead of megabytes of
//! JSON objects repeating their field names.

use super::super::check::CheckItem;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Write};

/// Format of [`Packed`]; a reader refuses others rather than misread them.
const VERSION: u8 = 1;

/// Fields of an item stored as text references, in row order after the line number.
const TEXT_FIELDS: usize = 9;

#[derive(Serialize, Deserialize)]
struct Packed {
    v: u8,
    /// The distinct texts; a reference `k` stands for `s[k - 1]`, `0` for none.
    s: Vec<String>,
    /// One row per item: the line, then references to input, recognised, number, title_zh,
    /// title_en, status, current, current_title and outcome, then one per step of the chain.
    i: Vec<Vec<u32>>,
}

/// Compresses items for storage.
pub fn pack(items: &[CheckItem]) -> anyhow::Result<Vec<u8>> {
    let mut texts: Vec<String> = Vec::new();
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut rows = Vec::with_capacity(items.len());
    for it in items {
        let fields: [Option<&str>; TEXT_FIELDS] = [
            Some(&it.input),
            it.recognised.as_deref(),
            it.number.as_deref(),
            it.title_zh.as_deref(),
            it.title_en.as_deref(),
            it.status.as_deref(),
            it.current.as_deref(),
            it.current_title.as_deref(),
            Some(&it.outcome),
        ];
        let mut row = Vec::with_capacity(1 + TEXT_FIELDS + it.chain.len());
        row.push(u32::try_from(it.line)?);
        for f in fields.into_iter().chain(it.chain.iter().map(|c| Some(c.as_str()))) {
            row.push(match f {
                None => 0,
                Some(t) => *index.entry(t).or_insert_with(|| {
                    texts.push(t.to_string());
                    texts.len() as u32
                }),
            });
        }
        rows.push(row);
    }
    let json = serde_json::to_vec(&Packed { v: VERSION, s: texts, i: rows })?;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&json)?;
    Ok(z.finish()?)
}

/// The items of a stored report.
pub fn unpack(bytes: &[u8]) -> anyhow::Result<Vec<CheckItem>> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(bytes).read_to_end(&mut json)?;
    let p: Packed = serde_json::from_slice(&json)?;
    anyhow::ensure!(p.v == VERSION, "stored report of format {} (this server reads {VERSION})", p.v);
    let text = |k: u32| -> anyhow::Result<Option<String>> {
        if k == 0 {
            return Ok(None);
        }
        p.s.get(k as usize - 1).cloned().map(Some).ok_or_else(|| anyhow::anyhow!("stored report refers to text {k} of {}", p.s.len()))
    };
    p.i.iter()
        .map(|row| {
            anyhow::ensure!(row.len() > TEXT_FIELDS, "stored report row of {} fields", row.len());
            let f = |n: usize| text(row[1 + n]);
            Ok(CheckItem {
                line: row[0] as usize,
                input: f(0)?.unwrap_or_default(),
                recognised: f(1)?,
                number: f(2)?,
                title_zh: f(3)?,
                title_en: f(4)?,
                status: f(5)?,
                current: f(6)?,
                current_title: f(7)?,
                outcome: f(8)?.unwrap_or_default(),
                chain: row[1 + TEXT_FIELDS..].iter().map(|&k| text(k).map(Option::unwrap_or_default)).collect::<anyhow::Result<_>>()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(line: usize, input: &str, number: Option<&str>, chain: &[&str]) -> CheckItem {
        CheckItem {
            line,
            input: input.into(),
            recognised: number.map(Into::into),
            number: number.map(Into::into),
            title_zh: number.map(|_| "质量管理体系 要求".into()),
            title_en: number.map(|_| String::new()),
            status: number.map(|_| "replaced".into()),
            current: chain.last().map(|c| c.to_string()),
            current_title: None,
            chain: chain.iter().map(|c| c.to_string()).collect(),
            outcome: if number.is_some() { "replaced" } else { "unrecognised" }.into(),
        }
    }

    #[test]
    fn items_come_back_as_they_went_in() {
        let items = vec![
            item(1, "GB/T 19001-2008", Some("GB/T 19001-2008"), &["GB/T 19001-2016"]),
            item(2, "合同 2024-118", None, &[]),
            item(2, "GB/T 1.1-2000", Some("GB/T 1.1-2000"), &["GB/T 1.1-2009", "GB/T 1.1-2020"]),
        ];
        let back = unpack(&pack(&items).unwrap()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&items).unwrap());
        assert!(unpack(&pack(&[]).unwrap()).unwrap().is_empty());
        assert!(unpack(b"not a report").is_err());
    }

    #[test]
    fn repeated_items_take_little_room() {
        let items: Vec<CheckItem> = (1..=10_000).map(|l| item(l, "ISO 1", Some("ISO 1:2022"), &["ISO 1:2022"])).collect();
        let json = serde_json::to_vec(&items).unwrap().len();
        let packed = pack(&items).unwrap().len();
        assert!(packed * 20 < json && packed < 64 * 1024, "{packed} bytes packed, {json} as JSON");
    }
}
