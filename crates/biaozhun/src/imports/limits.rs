//! What reading one file may cost, and the refusal that names the bound it passed.

use crate::config::ImportLimits;
use crate::web::Lang;
use crate::web::i18n;

/// Expanded bytes below which the ratio is not looked at: a small file that compresses well
/// is no threat, and a ratio over a few bytes means nothing.
pub const RATIO_FLOOR: u64 = 1024 * 1024;

/// Files an archive (XLSX, DOCX) may hold; real ones hold a few dozen.
pub const MAX_MEMBERS: usize = 10_000;

/// Why a file is not read. Each bound names its setting, so the person refused knows what
/// was passed and the operator knows what to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Decompressed output past `imports.max_expanded_bytes`.
    Expanded(u64),
    /// Decompressed output past `imports.max_ratio` times the file's size.
    Ratio(u64),
    Rows(usize),
    Columns(usize),
    Cells(usize),
    /// An archive with more members than [`MAX_MEMBERS`].
    Members(usize),
    /// Neither text in a known encoding nor a file of the kinds listed.
    NotText { accepted: &'static str },
    /// A ZIP file that is not an XLSX workbook.
    NotWorkbook,
    NoSheet,
    /// Damaged or inconsistent data (a gzip stream that breaks off, a ZIP member larger than
    /// it declares); the detail is the decoder's own wording.
    Damaged(String),
}

impl Refusal {
    /// The refusal in `lang`, for a person.
    pub fn message(&self, lang: Lang) -> String {
        let n = |v: usize| crate::util::grouped(v as u64);
        match self {
            Refusal::Expanded(limit) => i18n::tf(lang, "imports.err_expanded", &[("limit", &bytes(*limit))]),
            Refusal::Ratio(limit) => i18n::tf(lang, "imports.err_ratio", &[("limit", &crate::util::grouped(*limit))]),
            Refusal::Rows(limit) => i18n::tf(lang, "imports.err_rows", &[("limit", &n(*limit))]),
            Refusal::Columns(limit) => i18n::tf(lang, "imports.err_columns", &[("limit", &n(*limit))]),
            Refusal::Cells(limit) => i18n::tf(lang, "imports.err_cells", &[("limit", &n(*limit))]),
            Refusal::Members(limit) => i18n::tf(lang, "imports.err_members", &[("limit", &n(*limit))]),
            Refusal::NotText { accepted } => i18n::tf(lang, "imports.err_not_text", &[("accepted", accepted)]),
            Refusal::NotWorkbook => i18n::t(lang, "imports.err_not_workbook"),
            Refusal::NoSheet => i18n::t(lang, "imports.err_no_sheet"),
            Refusal::Damaged(detail) => i18n::tf(lang, "imports.err_damaged", &[("detail", detail)]),
        }
    }

    /// The setting that bounds this refusal, if a setting does.
    pub fn setting(&self) -> Option<&'static str> {
        Some(match self {
            Refusal::Expanded(_) => "imports.max_expanded_bytes",
            Refusal::Ratio(_) => "imports.max_ratio",
            Refusal::Rows(_) => "imports.max_rows",
            Refusal::Columns(_) => "imports.max_columns",
            Refusal::Cells(_) => "imports.max_cells",
            _ => return None,
        })
    }

    /// A 422 on the upload's `file` field, worded for the visitor.
    pub fn to_app_error(&self, lang: Lang) -> crate::web::AppError {
        crate::web::AppError::invalid("file", self.message(lang))
    }
}

/// English, for logs, job results and the command line.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Refusal {}

/// `64 MiB`, or the exact count of bytes when it is not a whole number of MiB.
fn bytes(v: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if v >= MIB && v % MIB == 0 { format!("{} MiB", crate::util::grouped(v / MIB)) } else { format!("{} bytes", crate::util::grouped(v)) }
}


/// The running cost of reading one file: bytes produced by decompression (against the size
/// and ratio bounds) and cells of tables (against the cell bound), over every layer and
/// every sheet of the file.
#[derive(Debug)]
pub struct Budget<'a> {
    pub limits: &'a ImportLimits,
    /// Size of the file as received.
    input: u64,
    expanded: u64,
    cells: usize,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &'a ImportLimits, input_len: usize) -> Budget<'a> {
        Budget { limits, input: input_len as u64, expanded: 0, cells: 0 }
    }

    /// Counts `n` more decompressed bytes, refusing once a bound is passed.
    pub fn expand(&mut self, n: u64) -> Result<(), Refusal> {
        self.expanded = self.expanded.saturating_add(n);
        self.check_expanded(self.expanded)
    }

    /// Whether `n` more decompressed bytes would stay within the bounds (the sizes a ZIP
    /// archive declares are checked this way before anything is decompressed).
    pub fn check_more(&self, n: u64) -> Result<(), Refusal> {
        self.check_expanded(self.expanded.saturating_add(n))
    }

    fn check_expanded(&self, total: u64) -> Result<(), Refusal> {
        if total > self.limits.max_expanded_bytes {
            return Err(Refusal::Expanded(self.limits.max_expanded_bytes));
        }
        if total > RATIO_FLOOR && total > self.input.saturating_mul(self.limits.max_ratio) {
            return Err(Refusal::Ratio(self.limits.max_ratio));
        }
        Ok(())
    }

    /// Counts `n` more cells of a table.
    pub fn cells(&mut self, n: usize) -> Result<(), Refusal> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > self.limits.max_cells { Err(Refusal::Cells(self.limits.max_cells)) } else { Ok(()) }
    }

    /// Refuses `rows` rows or `columns` columns past their bounds.
    pub fn shape(&self, rows: usize, columns: usize) -> Result<(), Refusal> {
        if rows > self.limits.max_rows {
            return Err(Refusal::Rows(self.limits.max_rows));
        }
        if columns > self.limits.max_columns {
            return Err(Refusal::Columns(self.limits.max_columns));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_named() {
        let limits = ImportLimits { max_expanded_bytes: 64 * 1024 * 1024, max_ratio: 100, max_rows: 10, max_columns: 3, max_cells: 20 };
        let mut b = Budget::new(&limits, 10_000_000);
        assert_eq!(b.expand(60 * 1024 * 1024), Ok(()));
        assert_eq!(b.expand(5 * 1024 * 1024), Err(Refusal::Expanded(64 * 1024 * 1024)));
        // 20 KB expanding to 3 MB: 150 times, past the ratio once above the floor.
        let mut b = Budget::new(&limits, 20_000);
        assert_eq!(b.expand(900_000), Ok(()));
        assert_eq!(b.expand(2_100_000), Err(Refusal::Ratio(100)));
        assert_eq!(b.shape(11, 1), Err(Refusal::Rows(10)));
        assert_eq!(b.shape(10, 4), Err(Refusal::Columns(3)));
        assert_eq!(b.cells(21), Err(Refusal::Cells(20)));
        let m = Refusal::Expanded(64 * 1024 * 1024).message(Lang::En);
        assert!(m.contains("64 MiB") && m.contains("imports.max_expanded_bytes"), "{m}");
        assert!(Refusal::Cells(2_000_000).message(Lang::Zh).contains("2,000,000"));
    }
}
