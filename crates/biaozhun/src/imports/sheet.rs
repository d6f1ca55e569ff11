//! Sheets of an XLSX workbook, read cell by cell with calamine's streaming reader. The used
//! range is bounded as the cells arrive, so a sheet of two cells at A1 and XFD1048576 is
//! refused after its second cell instead of having a grid of 17 billion cells allocated for
//! it (what reading it as one `Range` does).

use super::decode::Archive;
use super::limits::{Budget, Refusal};
use super::table::Row;
use calamine::{Data, DataRef, Reader, Xlsx, XlsxError};
use std::io::Cursor;

/// How a cell becomes text: each importer keeps its own reading of numbers and dates.
pub type Render = fn(&Data) -> String;

/// One sheet's used range: the rows that hold something, each as wide as the range and
/// aligned on its first column, with their 1-based sheet row as `line`.
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<Row>,
    /// 1-based sheet rows of the range's first and last row (0, 0 when the sheet is empty).
    pub first_line: usize,
    pub last_line: usize,
}

/// Reads the workbook's sheets (only the first when `first_only`), within the budget. The
/// archive is measured first, so calamine, which opens the ZIP itself, reads only bytes
/// already counted.
pub fn read(bytes: &[u8], budget: &mut Budget, render: Render, first_only: bool) -> Result<Vec<Sheet>, Refusal> {
    let mut archive = Archive::open(bytes, budget)?;
    archive.measure_all(budget)?;
    let workbook = archive.has_prefix("xl/");
    drop(archive);
    let mut wb: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(_) if !workbook => return Err(Refusal::NotWorkbook),
        Err(e) => return Err(Refusal::Damaged(e.to_string())),
    };
    let names = wb.sheet_names();
    if first_only && names.is_empty() {
        return Err(Refusal::NoSheet);
    }
    let mut out = Vec::new();
    for name in names.iter().take(if first_only { 1 } else { names.len() }) {
        match wb.worksheet_cells_reader(name) {
            Ok(mut cells) => out.push(collect(|| cells.next_cell(), budget, render)?),
            // A chart sheet holds no cells.
            Err(XlsxError::NotAWorksheet(_)) => out.push(Sheet::default()),
            Err(e) if first_only => return Err(Refusal::Damaged(e.to_string())),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Gathers the cells that hold something, refusing as soon as the range they span or their
/// number passes a bound; then lays them out in rows.
fn collect<'a>(mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, XlsxError>, budget: &mut Budget, render: Render) -> Result<Sheet, Refusal> {
    let mut found: Vec<(u32, u32, String)> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
    while let Some(cell) = next().map_err(|e| Refusal::Damaged(e.to_string()))? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        top = top.min(r);
        bottom = bottom.max(r);
        left = left.min(c);
        right = right.max(c);
        budget.shape((bottom - top) as usize + 1, (right - left) as usize + 1)?;
        budget.cells(1)?;
        let value: Data = cell.get_value().clone().into();
        found.push((r, c, render(&value)));
    }
    if found.is_empty() {
        return Ok(Sheet::default());
    }
    // Cells need not come in order; a later cell at the same place wins (a stable sort keeps
    // the order of arrival among equals).
    found.sort_by_key(|f| (f.0, f.1));
    let width = (right - left) as usize + 1;
    let mut rows: Vec<Row> = Vec::new();
    for (r, c, text) in found {
        let line = r as usize + 1;
        if rows.last().is_none_or(|last| last.line != line) {
            // The row's empty cells count too: they are allocated.
            budget.cells(width - 1)?;
            rows.push(Row { line, cells: vec![String::new(); width] });
        }
        if let Some(last) = rows.last_mut() {
            last.cells[(c - left) as usize] = text;
        }
    }
    Ok(Sheet { rows, first_line: top as usize + 1, last_line: bottom as usize + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ImportLimits;

    fn text(d: &Data) -> String {
        d.to_string()
    }

    #[test]
    fn a_far_cell_is_refused_before_any_grid_is_allocated() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "a").unwrap();
        ws.write_string(1_048_575, 16_383, "z").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let limits = ImportLimits::default();
        let r = read(&bytes, &mut Budget::new(&limits, bytes.len()), text, true);
        assert_eq!(r.err(), Some(Refusal::Rows(200_000)));
    }

    #[test]
    fn rows_keep_their_sheet_line_and_the_range_width() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(1, 1, "number").unwrap();
        ws.write_string(1, 3, "title").unwrap();
        ws.write_string(3, 1, "GB/T 1.1-2020").unwrap();
        ws.write_number(3, 2, 7.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let limits = ImportLimits::default();
        let sheets = read(&bytes, &mut Budget::new(&limits, bytes.len()), text, true).unwrap();
        let s = &sheets[0];
        assert_eq!((s.first_line, s.last_line), (2, 4));
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].line, 2);
        assert_eq!(s.rows[0].cells, vec!["number", "", "title"]);
        assert_eq!(s.rows[1].line, 4);
        assert_eq!(s.rows[1].cells, vec!["GB/T 1.1-2020", "7", ""]);
        let few = ImportLimits { max_cells: 5, ..Default::default() };
        assert_eq!(read(&bytes, &mut Budget::new(&few, bytes.len()), text, true).err(), Some(Refusal::Cells(5)));
    }
}
