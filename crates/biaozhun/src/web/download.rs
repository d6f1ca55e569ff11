//! The download kit every export and file download uses: a CSV writer that neutralises
//! spreadsheet formulas, an XLSX writer, and the response that carries a file with a safe
//! `Content-Disposition`.
//!
//! Formula neutralising: a spreadsheet program opening a CSV file evaluates a cell that
//! starts with `=`, `+`, `-` or `@` (and, after its own trimming, one that starts with a tab
//! or carriage return) as a formula, so a title such as `=HYPERLINK("http://evil.example",
//! "Click")` planted in the catalogue would run on the machine of whoever opens the export.
//! Such cells get a leading apostrophe, which the program shows as text. The full-width
//! forms (`＝`, `＋`, `－`, `＠`), which Chinese input methods type and some spreadsheet
//! programs accept as formula starters, are treated alike. XLSX cells are written as text,
//! never as formulas, so they need no such care.

use super::error::{AppError, AppResult};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Characters that make a spreadsheet program read a cell as a formula.
const FORMULA_START: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// The cell as a spreadsheet program should show it: text that would start a formula gets
/// a leading apostrophe.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_START) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

/// A CSV file in memory: UTF-8 with a byte-order mark (so that spreadsheet programs on
/// Chinese systems do not read it as GBK), CRLF line ends, every cell neutralised.
pub struct Csv {
    w: csv::Writer<Vec<u8>>,
}

impl Csv {
    /// A file with this header row.
    pub fn new<S: AsRef<str>>(head: &[S]) -> AppResult<Csv> {
        let w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(vec![0xEF, 0xBB, 0xBF]);
        let mut out = Csv { w };
        out.row(head)?;
        Ok(out)
    }

    pub fn row<I, S>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let record: Vec<String> = cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()).collect();
        self.w.write_record(&record).map_err(internal)
    }

    pub fn finish(self) -> AppResult<Vec<u8>> {
        self.w.into_inner().map_err(|e| internal(anyhow::anyhow!("{e}")))
    }
}

/// An XLSX workbook of one sheet: a bold header row, then the rows, every cell as text.
pub fn xlsx<S: AsRef<str>>(head: &[S], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    xlsx_with_notes(head, rows, &[])
}

/// Like [`xlsx`], with lines of text (such as a report's number and verification code)
/// under the table, one blank row below its last row.
pub fn xlsx_with_notes<S: AsRef<str>>(head: &[S], rows: &[Vec<String>], notes: &[String]) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h.as_ref(), &bold).map_err(internal)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).map_err(internal)?;
        }
    }
    let first_note = rows.len() as u32 + 2;
    for (i, note) in notes.iter().enumerate() {
        ws.write_string(first_note + i as u32, 0, note).map_err(internal)?;
    }
    wb.save_to_buffer().map_err(internal)
}

/// A spreadsheet that reads as a document: a title, labelled facts (number, date, summary …)
/// one to a row, a blank row, then the table with its header frozen, then notes.
pub fn xlsx_document<S: AsRef<str>>(title: &str, facts: &[(String, String)], head: &[S], rows: &[Vec<String>], notes: &[String]) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let big = rust_xlsxwriter::Format::new().set_bold().set_font_size(16);
    ws.write_string_with_format(0, 0, title, &big).map_err(internal)?;
    for (i, (label, value)) in facts.iter().enumerate() {
        ws.write_string_with_format(i as u32 + 1, 0, label, &bold).map_err(internal)?;
        ws.write_string(i as u32 + 1, 1, value).map_err(internal)?;
    }
    let top = facts.len() as u32 + 2;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, h.as_ref(), &bold).map_err(internal)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(top + 1 + r as u32, c as u16, v).map_err(internal)?;
        }
    }
    ws.set_freeze_panes(top + 1, 0).map_err(internal)?;
    for c in 0..head.len() as u16 {
        ws.set_column_width(c, if c == 0 { 14 } else { 24 }).map_err(internal)?;
    }
    let first_note = top + rows.len() as u32 + 2;
    for (i, note) in notes.iter().enumerate() {
        ws.write_string(first_note + i as u32, 0, note).map_err(internal)?;
    }
    wb.save_to_buffer().map_err(internal)
}

/// The name as a plain-ASCII fallback for old clients: letters, digits, `.`, `-` and `_`
/// kept, anything else `_`, no leading dot; "download" when nothing is left.
fn ascii_name(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let s = s.trim_start_matches('.');
    if s.trim_matches(['_', '.']).is_empty() { "download".to_string() } else { s.to_string() }
}

/// A file download: the content type as given, `attachment` with the name both as an
/// ASCII fallback and percent-encoded UTF-8 (RFC 6266), so no name (quotes, line breaks,
/// path separators, Chinese) can break the header or choose a folder.
pub fn attachment(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let encoded = percent_encoding::utf8_percent_encode(base, percent_encoding::NON_ALPHANUMERIC);
    let value = format!("attachment; filename=\"{}\"; filename*=UTF-8''{encoded}", ascii_name(base));
    // Only ASCII letters, digits, punctuation of our own and %XX: always a valid header.
    if let Ok(v) = HeaderValue::from_str(&value) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

pub fn csv_file(bytes: Vec<u8>, name: &str) -> Response {
    attachment(bytes, CSV_TYPE, name)
}

pub fn xlsx_file(bytes: Vec<u8>, name: &str) -> Response {
    attachment(bytes, XLSX_TYPE, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for s in ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1", "＝1+1", "＠A"] {
            assert_eq!(neutralise(s), format!("'{s}"), "{s:?}");
        }
        for s in ["GB/T 19001-2016", "质量管理", "", "1.5", " =x", "'quoted"] {
            assert_eq!(neutralise(s), s, "{s:?}");
        }
    }

    #[test]
    fn csv_has_bom_crlf_quotes_and_no_formulas() {
        let mut c = Csv::new(&["a", "b"]).unwrap();
        c.row(["=1+1", "x,\"y\"\nz"]).unwrap();
        let bytes = c.finish().unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "a,b\r\n'=1+1,\"x,\"\"y\"\"\nz\"\r\n");
    }

    #[test]
    fn download_names_are_safe() {
        assert_eq!(ascii_name("standards.csv"), "standards.csv");
        assert_eq!(ascii_name("查新报告.xlsx"), "____.xlsx");
        assert_eq!(ascii_name("..."), "download");
        assert_eq!(ascii_name("a\"b\r\nc"), "a_b__c");
        let r = attachment(vec![], CSV_TYPE, "../../etc/\"报告\"\r\n.csv");
        let cd = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
        assert_eq!(cd, "attachment; filename=\"______.csv\"; filename*=UTF-8''%22%E6%8A%A5%E5%91%8A%22%0D%0A%2Ecsv");
        assert!(!cd.contains('/') && !cd.contains('\r'), "{cd}");
    }
}
