//! The one pager: which page of how many, and the rows to skip. Pages render it with the
//! `pager` macro of `templates/macros.html`.

use serde::Serialize;

/// The largest page number a list takes: a request for page 9223372036854775806 would
/// otherwise make an offset past `i64` (wrapped negative in a release build, which PostgreSQL
/// refuses with a 500 and SQLite reads as no offset). Past the end, a page is empty.
pub const MAX_PAGE: i64 = 1_000_000_000;

/// The page a request asked for: from 1 to [`MAX_PAGE`], 1 when absent.
pub fn page(asked: Option<i64>) -> i64 {
    asked.unwrap_or(1).clamp(1, MAX_PAGE)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pager {
    /// The page asked for, from 1 (a page past the end stays as asked: it is empty).
    pub page: i64,
    /// Pages in all, at least 1.
    pub pages: i64,
    pub total: i64,
    pub per_page: i64,
}

impl Pager {
    pub fn new(total: i64, page: i64, per_page: i64) -> Pager {
        let per_page = per_page.max(1);
        Pager { page: page.clamp(1, MAX_PAGE), pages: (total.max(0) + per_page - 1).div_euclid(per_page).max(1), total, per_page }
    }

    /// At most `max_pages` pages (a search engine's result window).
    pub fn capped(mut self, max_pages: i64) -> Pager {
        self.pages = self.pages.min(max_pages.max(1));
        self
    }

    /// Rows before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn pages_and_offsets() {
        assert_eq!(Pager::new(0, 1, 20).pages, 1);
        assert_eq!(Pager::new(20, 1, 20).pages, 1);
        assert_eq!(Pager::new(21, 2, 20), Pager { page: 2, pages: 2, total: 21, per_page: 20 });
        assert_eq!(Pager::new(21, 2, 20).offset(), 20);
        assert_eq!(Pager::new(5, 0, 0).page, 1, "page and size at least 1");
        assert_eq!(Pager::new(10_000, 3, 10).capped(50).pages, 50);
        let far = Pager::new(10, i64::MAX - 1, 100);
        assert_eq!(far.page, super::MAX_PAGE);
        assert!(far.offset() > 0, "no wrap to a negative offset");
        assert_eq!((super::page(None), super::page(Some(-5)), super::page(Some(i64::MAX))), (1, 1, super::MAX_PAGE));
    }
}
