//! The outline (广州市标准化战略实施纲要 2013—2020) published as a policy document on
//! first start. The text is the public policy document as carried by the association's
//! portal; the portal's own header lines are dropped and the headings become Markdown.

use crate::App;

pub const OUTLINE_SLUG: &str = "guangzhou-standardization-outline-2013-2020";
const SOURCE_TEXT: &str = include_str!("../../seed/outline-2013-2020.txt");
/// When the city issued the outline: December 2013 (the source names the month, not the
/// day), as 2013-12-01 00:00 in Beijing time. The article shows this date, not the day the
/// platform first started.
pub const OUTLINE_PUBLISHED: i64 = 1_385_827_200;
const SOURCE_NOTE: &str = "广州市人民政府《广州市标准化战略实施纲要(2013—2020年)》，转载自广州市标准化协会门户网站";

/// The title and Markdown body of the outline.
pub fn outline_markdown() -> (String, String) {
    let mut lines = SOURCE_TEXT.lines().map(str::trim).skip_while(|l| !l.starts_with("广州市标准化战略实施纲要"));
    let title = lines.next().unwrap_or("广州市标准化战略实施纲要(2013—2020年)").to_string();
    let mut md = String::new();
    for line in lines.filter(|l| !l.is_empty()) {
        if is_chapter(line) {
            md.push_str(&format!("## {line}\n\n"));
        } else if is_section(line) {
            md.push_str(&format!("### {line}\n\n"));
        } else {
            md.push_str(&escape_md(line));
            md.push_str("\n\n");
        }
    }
    (title, md)
}

/// `一、实施背景和基础`: a numeral of 一…十 followed by 、 and a short title.
fn is_chapter(line: &str) -> bool {
    let mut chars = line.chars();
    let mut numerals = 0;
    for c in chars.by_ref() {
        if "一二三四五六七八九十".contains(c) {
            numerals += 1;
        } else {
            return numerals > 0 && c == '、' && line.chars().count() <= 40;
        }
    }
    false
}

/// `(一)指导思想` or `（一）…`, short enough to be a heading rather than a paragraph.
fn is_section(line: &str) -> bool {
    let rest = line.strip_prefix('(').or_else(|| line.strip_prefix('（'));
    let Some(rest) = rest else { return false };
    let close = rest.find([')', '）']);
    match close {
        Some(i) => {
            let num = &rest[..i];
            !num.is_empty() && num.chars().all(|c| "一二三四五六七八九十".contains(c)) && line.chars().count() <= 60
        }
        None => false,
    }
}

/// Keeps a plain paragraph from being read as Markdown syntax (e.g. `1.` lists, `*`).
fn escape_md(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 4);
    for c in line.chars() {
        if matches!(c, '*' | '_' | '`' | '#' | '<' | '>' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    // "1.系统谋划" would start an ordered list: escape the dot.
    if let Some(pos) = out.find('.') {
        if out[..pos].chars().all(|c| c.is_ascii_digit()) && pos > 0 {
            out.insert(pos, '\\');
        }
    }
    out
}

/// Publishes the outline once; later starts leave it (and staff edits) alone.
pub async fn publish_outline(app: &App) -> anyhow::Result<()> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
        .bind(OUTLINE_SLUG)
        .fetch_optional(&app.db.pool)
        .await?;
    if exists.is_some() {
        return Ok(());
    }
    let (title, md) = outline_markdown();
    let (html, toc) = super::markdown::render(&md);
    let now = crate::util::now();
    let res = sqlx::query(
        "INSERT INTO articles (kind, slug, title, summary, body_md, body_html, toc_json, source, status, members_only, published_at, created_at, updated_at) \
         VALUES ('policy', $1, $2, $3, $4, $5, $6, $7, 'published', 0, $9, $8, $8) ON CONFLICT (slug) DO NOTHING",
    )
    .bind(OUTLINE_SLUG)
    .bind(&title)
    .bind("充分发挥标准化对经济社会发展的引领支撑作用，构建广州标准体系，叫响“广州标准”。")
    .bind(&md)
    .bind(&html)
    .bind(serde_json::to_string(&toc)?)
    .bind(SOURCE_NOTE)
    .bind(now)
    .bind(OUTLINE_PUBLISHED)
    .execute(&app.db.pool)
    .await?;
    if res.rows_affected() == 1 {
        let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1").bind(OUTLINE_SLUG).fetch_one(&app.db.pool).await?;
        let mut tx = app.db.begin().await?;
        crate::indexer::changed(&mut tx, super::store::DOMAIN, &[id]).await?;
        tx.commit().await?;
        tracing::info!("published the outline ({} sections)", toc.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_has_its_structure() {
        let (title, md) = outline_markdown();
        assert_eq!(title, "广州市标准化战略实施纲要(2013—2020年)");
        assert!(!md.contains("验证码"), "portal header must be dropped");
        let (_, toc) = crate::content::markdown::render(&md);
        let chapters: Vec<&str> = toc.iter().filter(|t| t.level == 2).map(|t| t.text.as_str()).collect();
        assert_eq!(chapters, ["一、实施背景和基础", "二、指导思想和基本原则", "三、发展目标", "四、主要任务", "五、保障措施"]);
        assert!(toc.iter().any(|t| t.level == 3 && t.text == "(一)指导思想"));
        assert_eq!(toc.iter().filter(|t| t.level == 3).count(), 11);
    }
}
