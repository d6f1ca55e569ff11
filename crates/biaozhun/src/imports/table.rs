//! The table reader: a file of rows (CSV or TSV in UTF-8, UTF-16 or GBK/GB18030, the first
//! sheet of an XLSX workbook) or of JSON lines, any of them gzip-compressed. The kind is told
//! by the bytes, not the name. Every step runs within the file's [`Budget`].

use super::Problem;
use super::decode;
use super::limits::{Budget, Refusal};
use super::sheet::{self, Render};
use crate::config::ImportLimits;

/// What the reader accepts, for the refusal of anything else.
const ACCEPTED: &str = "CSV, TSV, XLSX, JSON Lines";

/// One row with its 1-based line (CSV record's first line, sheet row).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

#[derive(Debug)]
pub enum Table {
    /// CSV/TSV records or the rows of the first sheet that hold something, in order; the
    /// header is among them (usually first), for the importer to find.
    Rows(Vec<Row>),
    /// JSON Lines: the decoded text, parsed line by line by the importer.
    Lines(String),
}

#[derive(Debug)]
pub struct Read {
    pub table: Table,
    /// CSV records that could not be read, with their line.
    pub problems: Vec<Problem>,
    /// The file was gzip-compressed (its name then ends in `.gz`, which the importer may drop).
    pub gzipped: bool,
}

/// Reads a file into a table; cells of a workbook become text through `render`.
pub fn read(bytes: &[u8], limits: &ImportLimits, render: Render) -> Result<Read, Refusal> {
    let mut budget = Budget::new(limits, bytes.len());
    let gzipped = decode::is_gzip(bytes);
    let plain;
    let bytes = if gzipped {
        plain = decode::gunzip(bytes, &mut budget)?;
        &plain[..]
    } else {
        bytes
    };
    if decode::is_zip(bytes) {
        let sheet = sheet::read(bytes, &mut budget, render, true)?.pop().unwrap_or_default();
        return Ok(Read { table: Table::Rows(sheet.rows), problems: Vec::new(), gzipped });
    }
    let text = crate::util::decode_text(bytes).ok_or(Refusal::NotText { accepted: ACCEPTED })?;
    if text.trim_start().starts_with('{') {
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        budget.shape(lines, 0)?;
        return Ok(Read { table: Table::Lines(text), problems: Vec::new(), gzipped });
    }
    let (rows, problems) = read_csv(&text, &mut budget)?;
    Ok(Read { table: Table::Rows(rows), problems, gzipped })
}

/// Whether a file can be read at all (its kind, and every bound), without keeping it: the
/// staff upload answers at once rather than from the job.
pub fn check(bytes: &[u8], limits: &ImportLimits) -> Result<(), Refusal> {
    read(bytes, limits, |_| String::new()).map(|_| ())
}

/// The delimiter most frequent in the first line: tab, comma or semicolon (comma if none).
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let counts = [(b'\t', first.matches('\t').count()), (b',', first.matches(',').count()), (b';', first.matches(';').count())];
    counts.iter().max_by_key(|c| c.1).filter(|c| c.1 > 0).map(|c| c.0).unwrap_or(b',')
}

fn read_csv(text: &str, budget: &mut Budget) -> Result<(Vec<Row>, Vec<Problem>), Refusal> {
    let mut rd = csv::ReaderBuilder::new().delimiter(sniff_delimiter(text)).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, r) in rd.records().enumerate() {
        budget.shape(i + 1, 0)?;
        match r {
            Ok(r) => {
                budget.shape(0, r.len())?;
                budget.cells(r.len())?;
                let line = r.position().map(|p| p.line() as usize).unwrap_or(i + 1);
                rows.push(Row { line, cells: r.iter().map(str::to_string).collect() });
            }
            // Without the header nothing can be read.
            Err(e) if i == 0 => return Err(Refusal::Damaged(e.to_string())),
            Err(e) => problems.push(Problem::new(i + 1, "", "unreadable_line").arg("detail", e)),
        }
    }
    Ok((rows, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn text(d: &calamine::Data) -> String {
        d.to_string()
    }

    fn rows(r: Read) -> Vec<Row> {
        match r.table {
            Table::Rows(rows) => rows,
            Table::Lines(_) => panic!("lines"),
        }
    }

    #[test]
    fn csv_tsv_and_gbk_with_lines() {
        let limits = ImportLimits::default();
        let r = rows(read("a,b\n1,\"x\ny\"\n2,z\n".as_bytes(), &limits, text).unwrap());
        assert_eq!(r.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 2, 4]);
        assert_eq!(r[1].cells, vec!["1", "x\ny"]);
        let r = rows(read("a\tb\tc;d\n1\t2\t3;4\n".as_bytes(), &limits, text).unwrap());
        assert_eq!(r[0].cells, vec!["a", "b", "c;d"]);
        let (gbk, _, _) = encoding_rs::GBK.encode("标准号,名称\nGB 1,甲\n");
        assert_eq!(rows(read(&gbk, &limits, text).unwrap())[1].cells, vec!["GB 1", "甲"]);
        assert_eq!(read(b"\x00\x01\x02", &limits, text).err(), Some(Refusal::NotText { accepted: ACCEPTED }));
    }

    #[test]
    fn json_lines_plain_or_gzipped() {
        let limits = ImportLimits::default();
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"{\"a\":1}\n\n{\"a\":2}\n").unwrap();
        let r = read(&e.finish().unwrap(), &limits, text).unwrap();
        assert!(r.gzipped);
        assert!(matches!(r.table, Table::Lines(ref t) if t.lines().count() == 3));
        let one = ImportLimits { max_rows: 1, ..Default::default() };
        assert_eq!(read(b"{\"a\":1}\n{\"a\":2}\n", &one, text).err(), Some(Refusal::Rows(1)));
    }

    #[test]
    fn csv_bounds() {
        let narrow = ImportLimits { max_columns: 2, ..Default::default() };
        assert_eq!(read(b"a,b\n1,2,3\n", &narrow, text).err(), Some(Refusal::Columns(2)));
        let short = ImportLimits { max_rows: 2, ..Default::default() };
        assert_eq!(read(b"a\n1\n2\n", &short, text).err(), Some(Refusal::Rows(2)));
        let few = ImportLimits { max_cells: 3, ..Default::default() };
        assert_eq!(read(b"a,b\n1,2\n", &few, text).err(), Some(Refusal::Cells(3)));
    }
}
