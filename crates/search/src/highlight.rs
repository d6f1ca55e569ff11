//! Title highlighting for hit snippets.

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Wraps (ASCII case-insensitive) occurrences of `words` in `<b>`; returns the
/// title lines with at least one match.
pub(crate) fn highlight(title: &str, words: &[String]) -> Option<String> {
    let mut lines_out: Vec<String> = Vec::new();
    for line in title.lines() {
        let bytes = line.as_bytes();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for w in words {
            let wb = w.as_bytes();
            if wb.is_empty() || wb.len() > bytes.len() {
                continue;
            }
            let mut i = 0;
            while i + wb.len() <= bytes.len() {
                if line.is_char_boundary(i) && bytes[i..i + wb.len()].eq_ignore_ascii_case(wb) {
                    ranges.push((i, i + wb.len()));
                    i += wb.len();
                } else {
                    i += 1;
                }
            }
        }
        if ranges.is_empty() {
            continue;
        }
        ranges.sort();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let mut out = String::with_capacity(line.len() + 16);
        let mut pos = 0;
        for (s, e) in merged {
            escape_into(&mut out, &line[pos..s]);
            out.push_str("<b>");
            escape_into(&mut out, &line[s..e]);
            out.push_str("</b>");
            pos = e;
        }
        escape_into(&mut out, &line[pos..]);
        lines_out.push(out);
    }
    (!lines_out.is_empty()).then(|| lines_out.join("\n"))
}
