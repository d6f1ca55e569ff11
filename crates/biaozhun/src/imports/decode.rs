//! Decoders that stop at the bounds: gzip streams and ZIP archives (the members of XLSX and
//! DOCX files). Output is counted as it is produced, so a bomb costs at most the bound, never
//! what it would expand to.

use super::limits::{Budget, MAX_MEMBERS, Refusal};
use std::io::{Cursor, Read};

const CHUNK: usize = 64 * 1024;

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK")
}

/// Reads `r` to its end, counting every byte against the budget; keeps the bytes only when
/// `keep` (a member read only to be measured is dropped as it goes).
fn pump(mut r: impl Read, budget: &mut Budget, what: &str, keep: bool) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Refusal::Damaged(format!("{what}: {e}"))),
        };
        budget.expand(n as u64)?;
        if keep {
            out.extend_from_slice(&buf[..n]);
        }
    }
}

/// The content of a gzip file (several members one after another are read as one stream).
pub fn gunzip(bytes: &[u8], budget: &mut Budget) -> Result<Vec<u8>, Refusal> {
    pump(flate2::read::MultiGzDecoder::new(bytes), budget, "gzip", true)
}

/// A ZIP archive whose declared sizes are within the bounds.
pub struct Archive<'b> {
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
}

impl<'b> Archive<'b> {
    /// Opens an archive, refusing one with too many members or whose members declare more
    /// than the bounds allow, before anything is decompressed.
    pub fn open(bytes: &'b [u8], budget: &Budget) -> Result<Archive<'b>, Refusal> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Refusal::Damaged(format!("ZIP: {e}")))?;
        if zip.len() > MAX_MEMBERS {
            return Err(Refusal::Members(MAX_MEMBERS));
        }
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_data(i).map_err(|e| Refusal::Damaged(format!("ZIP: {e}")))?;
            declared = declared.saturating_add(entry.size());
        }
        budget.check_more(declared)?;
        Ok(Archive { zip })
    }

    pub fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Whether any member's name starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.zip.file_names().any(|n| n.is_ok_and(|n| n.starts_with(prefix)))
    }

    /// One member's content, counted against the budget as it is decompressed.
    pub fn read(&mut self, name: &str, budget: &mut Budget) -> Result<Vec<u8>, Refusal> {
        let f = self.zip.by_name(name).map_err(|e| Refusal::Damaged(format!("{name}: {e}")))?;
        pump(f, budget, name, true)
    }

    /// Decompresses every member once, counting the bytes without keeping them: what a reader
    /// handed the archive afterwards (calamine opens it itself) will read is then known to be
    /// within the bounds, whatever the members declared.
    pub fn measure_all(&mut self, budget: &mut Budget) -> Result<(), Refusal> {
        for i in 0..self.zip.len() {
            let f = self.zip.by_index(i).map_err(|e| Refusal::Damaged(format!("ZIP: {e}")))?;
            if f.is_dir() {
                continue;
            }
            let name: String = f.name().map(|n| n.chars().filter(|c| !c.is_control()).collect()).unwrap_or_default();
            pump(f, budget, &name, false)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ImportLimits;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_stops_at_the_bound() {
        let limits = ImportLimits { max_expanded_bytes: 4 * 1024 * 1024, ..Default::default() };
        let member = gz(&vec![0u8; 1024 * 1024]);
        let ok = member.repeat(3);
        assert_eq!(gunzip(&ok, &mut Budget::new(&limits, 10_000_000)).unwrap().len(), 3 * 1024 * 1024);
        // Members one after another: 8 MiB from a few kilobytes.
        let bomb = member.repeat(8);
        assert_eq!(gunzip(&bomb, &mut Budget::new(&limits, 10_000_000)), Err(Refusal::Expanded(4 * 1024 * 1024)));
        assert_eq!(gunzip(&bomb, &mut Budget::new(&limits, bomb.len())), Err(Refusal::Ratio(100)));
        assert!(matches!(gunzip(&member[..member.len() / 2], &mut Budget::new(&limits, 100)), Err(Refusal::Damaged(_))));
    }

    #[test]
    fn zip_members_are_bounded_by_declaration_and_by_content() {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file("big.xml", zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(&vec![b'a'; 3 * 1024 * 1024]).unwrap();
            z.finish().unwrap();
        }
        let bytes = buf.into_inner();
        let small = ImportLimits { max_expanded_bytes: 2 * 1024 * 1024, max_ratio: 1_000_000, ..Default::default() };
        assert_eq!(Archive::open(&bytes, &Budget::new(&small, bytes.len())).err(), Some(Refusal::Expanded(2 * 1024 * 1024)));
        let roomy = ImportLimits { max_ratio: 1_000_000, ..Default::default() };
        let mut budget = Budget::new(&roomy, bytes.len());
        let mut a = Archive::open(&bytes, &budget).unwrap();
        a.measure_all(&mut budget).unwrap();
        assert_eq!(a.read("big.xml", &mut budget).unwrap().len(), 3 * 1024 * 1024);
    }
}
