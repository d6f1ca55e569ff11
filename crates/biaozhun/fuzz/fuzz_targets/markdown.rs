//! Markdown rendering and sanitising: never panics, and what comes out carries no script.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|md: &str| {
    let (html, toc) = biaozhun::content::markdown::render(md);
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "script survived sanitising: {html}");
    // Text may mention "javascript:"; only a URL attribute carrying it would be unsafe.
    let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    // (Text may also mention "onerror="; it comes out escaped, so no check on that.)
    for attr in ["href=\"javascript:", "src=\"javascript:"] {
        assert!(!squeezed.contains(attr), "javascript: URL survived sanitising: {html}");
    }
    for (i, e) in toc.iter().enumerate() {
        assert_eq!(e.anchor, format!("sec-{}", i + 1));
        assert!((2..=4).contains(&e.level));
    }
    let _ = biaozhun::content::markdown::plain(md);
});
