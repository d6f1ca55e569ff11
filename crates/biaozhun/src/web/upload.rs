//! The upload kit: reading a multipart form, file names safe to store and send back, and the
//! type of a file told by its first bytes.

use super::{AppError, AppResult};
use axum::extract::Multipart;

/// A file as it came: the name the browser sent (untrusted; see [`clean_filename`]).
#[derive(Debug)]
pub struct Upload {
    /// The form field it came in (`file` for [`read`]).
    pub field: String,
    pub name: String,
    pub data: Vec<u8>,
}

/// The parts of a multipart form: the files of the `file` field, in order (empty ones too),
/// and the text fields asked for.
#[derive(Debug, Default)]
pub struct Parts {
    pub files: Vec<Upload>,
    pub texts: Vec<(String, String)>,
}

impl Parts {
    /// The field's text (the last, if it came more than once).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the form: every `file` part, and the text of the fields named in `texts` (other
/// fields are skipped unread). A broken body is a 422 on `field`; a file past the body limit
/// a 413.
pub async fn read(mp: &mut Multipart, field: &str, texts: &[&str]) -> AppResult<Parts> {
    let mut parts = Parts::default();
    while let Some(part) = mp.next_field().await.map_err(|e| AppError::invalid(field, e.to_string()))? {
        let name = part.name().unwrap_or("").to_string();
        if name == "file" {
            let filename = part.file_name().unwrap_or("").to_string();
            let data = part.bytes().await.map_err(|_| AppError::TooLarge)?;
            parts.files.push(Upload { field: name, name: filename, data: data.to_vec() });
        } else if texts.contains(&name.as_str()) {
            let v = part.text().await.map_err(|e| AppError::invalid(name.clone(), e.to_string()))?;
            parts.texts.push((name, v));
        }
    }
    Ok(parts)
}

/// Reads a whole form whose fields are not known in advance (a form built from data): every
/// part sent as a file (it has a file name, possibly empty) is a file under its field's name,
/// every other part a text field. A broken body is a 422 on `field`; a body past the limit
/// a 413.
pub async fn read_all(mp: &mut Multipart, field: &str) -> AppResult<Parts> {
    let mut parts = Parts::default();
    while let Some(part) = mp.next_field().await.map_err(|e| AppError::invalid(field, e.to_string()))? {
        let name = part.name().unwrap_or("").to_string();
        match part.file_name().map(str::to_string) {
            Some(filename) => {
                let data = part.bytes().await.map_err(|_| AppError::TooLarge)?;
                parts.files.push(Upload { field: name, name: filename, data: data.to_vec() });
            }
            None => {
                let v = part.text().await.map_err(|e| AppError::invalid(name.clone(), e.to_string()))?;
                parts.texts.push((name, v));
            }
        }
    }
    Ok(parts)
}

/// Why [`accept`] refused a file; the caller words it in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No bytes.
    Empty,
    /// Nothing left of the name once cleaned.
    Name,
    /// A type the platform does not take, or an extension its bytes contradict.
    Type,
}

/// A file that passed the checks every stored attachment passes, ready for its row: the
/// cleaned name, the type told by its bytes, its size and SHA-256 (hex).
#[derive(Debug)]
pub struct Accepted {
    pub name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: String,
    pub data: Vec<u8>,
}

/// The checks before a file is stored in the database (training materials, article
/// attachments, programme attachments): not empty, a clean name ([`clean_filename`]), at most
/// `max_bytes` (413), a type its first bytes confirm ([`sniff`]). A refusal is a 422 on
/// `field` with the caller's words for it.
pub fn accept(file: Upload, max_bytes: usize, field: &str, words: impl Fn(Refusal) -> String) -> AppResult<Accepted> {
    use sha2::Digest;
    if file.data.is_empty() {
        return Err(AppError::invalid(field, words(Refusal::Empty)));
    }
    let name = clean_filename(&file.name).ok_or_else(|| AppError::invalid(field, words(Refusal::Name)))?;
    if file.data.len() > max_bytes {
        return Err(AppError::TooLarge);
    }
    let content_type = sniff(&name, &file.data).ok_or_else(|| AppError::invalid(field, words(Refusal::Type)))?;
    let sha256 = hex::encode(sha2::Sha256::digest(&file.data));
    Ok(Accepted { name, content_type, size: file.data.len() as i64, sha256, data: file.data })
}

/// The first non-empty file of the form, or 422 on `file` with `missing`.
pub async fn one_file(mp: &mut Multipart, missing: &str) -> AppResult<Upload> {
    read(mp, "file", &[]).await?.files.into_iter().find(|f| !f.data.is_empty()).ok_or_else(|| AppError::invalid("file", missing))
}

/// Characters that reorder the text around them (U+200E/F marks, U+061C, the U+202A–202E
/// embeddings and overrides, the U+2066–2069 isolates): in a file name they make
/// `invoice<U+202E>fdp.exe` read as `invoiceexe.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A file name safe to store and to send back: no folders, no control or bidirectional
/// control characters, none of `"<>:|?*`, at most 120 characters (the end kept, with the
/// extension).
pub fn clean_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !is_bidi_control(*c) && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() || cleaned == ".." {
        return None;
    }
    Some(cleaned.chars().rev().take(120).collect::<Vec<_>>().into_iter().rev().collect())
}

/// The content type of an accepted attachment: the extension must agree with the file's first
/// bytes; `None` for anything else.
pub fn sniff(filename: &str, data: &[u8]) -> Option<&'static str> {
    let ext = filename.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let zip = data.starts_with(b"PK\x03\x04");
    let ole = data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    match ext.as_str() {
        "pdf" if data.starts_with(b"%PDF-") => Some("application/pdf"),
        "png" if data.starts_with(b"\x89PNG\r\n\x1a\n") => Some("image/png"),
        "jpg" | "jpeg" if data.starts_with(&[0xFF, 0xD8, 0xFF]) => Some("image/jpeg"),
        "gif" if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") => Some("image/gif"),
        "docx" if zip => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "xlsx" if zip => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "pptx" if zip => Some("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        "doc" if ole => Some("application/msword"),
        "xls" if ole => Some("application/vnd.ms-excel"),
        "zip" if zip => Some("application/zip"),
        "txt" | "csv" if !data.contains(&0) && std::str::from_utf8(data).is_ok() => {
            Some(if ext == "csv" { "text/csv; charset=utf-8" } else { "text/plain; charset=utf-8" })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_and_controls() {
        assert_eq!(clean_filename("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(clean_filename("C:\\x\\报告.pdf").as_deref(), Some("报告.pdf"));
        assert_eq!(clean_filename(".."), None);
        assert_eq!(clean_filename("a\r\nb.txt").as_deref(), Some("ab.txt"));
        assert_eq!(clean_filename("invoice\u{202E}fdp.exe").as_deref(), Some("invoicefdp.exe"));
        assert_eq!(clean_filename("\u{2066}a\u{2069}\u{200E}\u{200F}\u{061C}.pdf").as_deref(), Some("a.pdf"));
        assert_eq!(clean_filename("\u{202E}\u{202A}"), None);
    }

    #[test]
    fn accepted_files_are_named_typed_and_hashed() {
        let up = |name: &str, data: &[u8]| Upload { field: "file".into(), name: name.into(), data: data.to_vec() };
        let words = |r: Refusal| format!("{r:?}");
        let a = accept(up("../x/报告.pdf", b"%PDF-1.4 x"), 100, "f", words).unwrap();
        assert_eq!((a.name.as_str(), a.content_type, a.size), ("报告.pdf", "application/pdf", 10));
        assert_eq!(a.sha256.len(), 64);
        let refused = |name: &str, data: &[u8], max: usize| match accept(up(name, data), max, "f", words) {
            Err(AppError::Invalid { field, message }) => (field.unwrap_or_default(), message),
            Err(AppError::TooLarge) => ("413".into(), String::new()),
            other => panic!("{other:?}"),
        };
        assert_eq!(refused("a.pdf", b"", 100), ("f".into(), "Empty".into()));
        assert_eq!(refused("..", b"%PDF-", 100), ("f".into(), "Name".into()));
        assert_eq!(refused("a.pdf", b"<html>", 100), ("f".into(), "Type".into()));
        assert_eq!(refused("a.pdf", b"%PDF-1.4 x", 5).0, "413");
    }

    #[test]
    fn types_are_sniffed() {
        assert_eq!(sniff("a.pdf", b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff("a.pdf", b"<html>"), None);
        assert_eq!(sniff("a.exe", b"MZ"), None);
        assert_eq!(sniff("a.txt", b"hello"), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff("a.txt", b"he\0llo"), None);
    }
}
