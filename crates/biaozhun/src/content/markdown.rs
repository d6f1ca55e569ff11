//! Markdown to safe HTML, with a table of contents from the headings.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

/// Renders Markdown, gives every h2–h4 an anchor (`sec-1`, `sec-2`, …), and removes
/// anything unsafe (scripts, event handlers, `javascript:` links, raw HTML beyond a safe set).
pub fn render(md: &str) -> (String, Vec<TocEntry>) {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut toc = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut in_heading: Option<(u8, usize)> = None;
    let mut heading_text = String::new();
    for ev in Parser::new_ext(md, opts) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) if matches!(level, HeadingLevel::H2 | HeadingLevel::H3 | HeadingLevel::H4) => {
                in_heading = Some((level as u8, events.len()));
                heading_text.clear();
                events.push(Event::Text("".into())); // placeholder, replaced at the end tag
            }
            Event::End(TagEnd::Heading(level)) if in_heading.is_some() => {
                let (lvl, at) = in_heading.take().unwrap_or((2, 0));
                let anchor = format!("sec-{}", toc.len() + 1);
                events[at] = Event::Html(format!("<h{lvl} id=\"{anchor}\">").into());
                events.push(Event::Html(format!("</h{}>", level as u8).into()));
                toc.push(TocEntry { level: lvl, text: heading_text.trim().to_string(), anchor });
            }
            Event::Text(t) if in_heading.is_some() => {
                heading_text.push_str(&t);
                events.push(Event::Text(t));
            }
            Event::Code(t) if in_heading.is_some() => {
                heading_text.push_str(&t);
                events.push(Event::Code(t));
            }
            other => events.push(other),
        }
    }
    let mut raw = String::new();
    html::push_html(&mut raw, events.into_iter());
    let clean = ammonia::Builder::default()
        .add_tag_attributes("h2", &["id"])
        .add_tag_attributes("h3", &["id"])
        .add_tag_attributes("h4", &["id"])
        .id_prefix(None)
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&raw)
        .to_string();
    (clean, toc)
}

/// Plain text of Markdown (for summaries and search).
pub fn plain(md: &str) -> String {
    let mut out = String::new();
    for ev in Parser::new(md) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Heading(_)) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_anchors_and_toc() {
        let (html, toc) = render("## 一、实施背景\n\n正文\n\n### (一)指导思想\n\ntext");
        assert_eq!(toc.len(), 2);
        assert_eq!(toc[0].text, "一、实施背景");
        assert_eq!(toc[1].level, 3);
        assert!(html.contains("<h2 id=\"sec-1\">一、实施背景</h2>"), "{html}");
        assert!(html.contains("<h3 id=\"sec-2\">"));
    }

    #[test]
    fn unsafe_markup_is_removed() {
        let (html, _) = render("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n## <b onclick=x>t</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
    }
}
