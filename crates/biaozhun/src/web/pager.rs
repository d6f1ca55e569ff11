//! The one pager: which page of how many, and the rows to skip. Pages render it with the
//! `pager` macro of `templates/macros.html`.

use serde::Serialize;

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
        Pager { page: page.max(1), pages: (total.max(0) + per_page - 1).div_euclid(per_page).max(1), total, per_page }
    }

    /// At most `max_pages` pages (a search engine's result window).
    pub fn capped(mut self, max_pages: i64) -> Pager {
        self.pages = self.pages.min(max_pages.max(1));
        self
    }

    /// Rows before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
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
    }
}
