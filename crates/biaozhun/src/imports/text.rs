//! The text of an uploaded list, for finding numbers in it: TXT or CSV as text, the cells of
//! every sheet of an XLSX workbook row by row, the paragraphs of a DOCX document.

use super::decode::{self, Archive};
use super::limits::{Budget, Refusal};
use super::sheet;
use crate::config::ImportLimits;

const ACCEPTED: &str = "TXT, CSV, XLSX, DOCX";

/// The file's text, read within the bounds. A sheet's rows are lines (empty rows too, so
/// line numbers follow the sheet), cells separated by tabs.
pub fn file_text(bytes: &[u8], limits: &ImportLimits) -> Result<String, Refusal> {
    let mut budget = Budget::new(limits, bytes.len());
    if decode::is_zip(bytes) {
        let mut archive = Archive::open(bytes, &budget)?;
        if archive.has("word/document.xml") {
            let xml = archive.read("word/document.xml", &mut budget)?;
            let xml = String::from_utf8(xml).map_err(|e| Refusal::Damaged(format!("word/document.xml: {e}")))?;
            return Ok(docx_text(&xml));
        }
        drop(archive);
        let mut out = String::new();
        for s in sheet::read(bytes, &mut budget, |c| c.to_string(), false)? {
            let mut rows = s.rows.iter().peekable();
            for line in s.first_line..=s.last_line {
                if line == 0 {
                    break;
                }
                if let Some(row) = rows.next_if(|r| r.line == line) {
                    out.push_str(&row.cells.join("\t"));
                }
                out.push('\n');
            }
        }
        return Ok(out);
    }
    crate::util::decode_text(bytes).ok_or(Refusal::NotText { accepted: ACCEPTED })
}

/// The `<w:t>` runs of a Word document, one line per paragraph, entities decoded.
pub fn docx_text(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(p) = rest.find('<') {
        let Some(e) = rest[p..].find('>') else { break };
        let tag = &rest[p + 1..p + e];
        rest = &rest[p + e + 1..];
        if tag == "/w:p" || tag.starts_with("w:br") {
            out.push('\n');
        } else if tag == "w:tab/" {
            out.push('\t');
        } else if tag == "w:t" || tag.starts_with("w:t ") {
            let end = rest.find("</w:t>").unwrap_or(rest.len());
            out.push_str(&unescape_xml(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sheets_become_lines_and_documents_paragraphs() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "GB/T 1.1-2020").unwrap();
        ws.write_string(2, 1, "GB 8898-2011").unwrap();
        wb.add_worksheet().write_number(0, 0, 3.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        assert_eq!(file_text(&bytes, &ImportLimits::default()).unwrap(), "GB/T 1.1-2020\t\n\n\tGB 8898-2011\n3\n");

        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(b"<w:p><w:r><w:t>GB 1 &amp; 2</w:t></w:r></w:p><w:p><w:t xml:space=\"preserve\">x</w:t></w:p>").unwrap();
            z.finish().unwrap();
        }
        assert_eq!(file_text(&buf.into_inner(), &ImportLimits::default()).unwrap(), "GB 1 & 2\nx\n");
        assert_eq!(file_text(b"\x00\x01", &ImportLimits::default()).err(), Some(Refusal::NotText { accepted: ACCEPTED }));
    }
}
