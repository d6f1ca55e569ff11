//! The content room's vocabulary.

use serde::{Deserialize, Serialize};

/// The kind of an article: a news item, a notice (通知公告) or a policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    News,
    Notice,
    Policy,
}

impl ArticleKind {
    pub const ALL: [ArticleKind; 3] = [ArticleKind::News, ArticleKind::Notice, ArticleKind::Policy];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::News => "news",
            ArticleKind::Notice => "notice",
            ArticleKind::Policy => "policy",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleKind> {
        ArticleKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The kinds as stored (`articles.kind`), in menu order.
pub const KINDS: [&str; 3] = ["news", "notice", "policy"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_the_enum() {
        assert_eq!(ArticleKind::ALL.map(ArticleKind::as_str), KINDS);
        assert_eq!(serde_json::to_value(ArticleKind::Notice).unwrap(), "notice");
        assert_eq!(ArticleKind::parse("policy"), Some(ArticleKind::Policy));
        assert_eq!(ArticleKind::parse("blog"), None);
    }
}
