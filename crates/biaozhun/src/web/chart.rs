//! Charts as inline SVG, drawn on the server (no script), every label escaped: a horizontal
//! bar chart and a line chart. Templates insert the result with `Value::from_safe_string`.


fn open(title: &str, width: usize, height: usize) -> String {
    let t = crate::util::xml_escape(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>"
    )
}

/// A horizontal bar chart: (label, value, highlighted) per bar, longest bar full width.
pub fn bar(title: &str, bars: &[(String, i64, bool)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row = 22;
    let label_w = 220;
    let bar_w = 420;
    let h = 30 + row * bars.len().max(1);
    let mut s = open(title, label_w + bar_w + 70, h);
    for (i, (label, v, hi)) in bars.iter().enumerate() {
        let y = 20 + i * row;
        let w = ((*v as f64 / max as f64) * bar_w as f64).round() as i64;
        let fill = if *hi { "#c0392b" } else { "#2c6fad" };
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">{}</text>",
            label_w - 6,
            y + 14,
            crate::util::xml_escape(&crate::util::shorten(label, 32))
        ));
        s.push_str(&format!("<rect x=\"{label_w}\" y=\"{}\" width=\"{}\" height=\"16\" fill=\"{fill}\"/>", y + 2, w.max(1)));
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#333\">{v}</text>", label_w as i64 + w + 4, y + 14));
    }
    s.push_str("</svg>");
    s
}

/// A line chart of one series over labelled points (years, months), from zero up to the
/// largest value; each point carries its value as a tooltip.
pub fn line(title: &str, points: &[(String, i64)]) -> String {
    let (w, h, left, bottom, top) = (700usize, 260usize, 48usize, 36usize, 16usize);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let plot_w = (w - left - 16) as f64;
    let plot_h = (h - bottom - top) as f64;
    let step = if points.len() > 1 { plot_w / (points.len() - 1) as f64 } else { 0.0 };
    let xy = |i: usize, v: i64| (left as f64 + step * i as f64, top as f64 + plot_h * (1.0 - v as f64 / max as f64));
    let mut s = open(title, w, h);
    // Axis and the top value.
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        h - bottom,
        h - bottom,
        w - 16,
        h - bottom
    ));
    s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">{max}</text>", left - 4, top + 4));
    s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">0</text>", left - 4, h - bottom));
    let path: Vec<String> = points.iter().enumerate().map(|(i, p)| {
        let (x, y) = xy(i, p.1);
        format!("{x:.1},{y:.1}")
    }).collect();
    if !path.is_empty() {
        s.push_str(&format!("<polyline fill=\"none\" stroke=\"#2c6fad\" stroke-width=\"2\" points=\"{}\"/>", path.join(" ")));
    }
    // Label every point when they fit, else about ten of them.
    let every = points.len().div_ceil(10).max(1);
    for (i, (label, v)) in points.iter().enumerate() {
        let (x, y) = xy(i, *v);
        s.push_str(&format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#2c6fad\"><title>{}: {v}</title></circle>", crate::util::xml_escape(label)));
        if i % every == 0 || i + 1 == points.len() {
            s.push_str(&format!("<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#333\">{}</text>", h - bottom + 16, crate::util::xml_escape(&crate::util::shorten(label, 10))));
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale() {
        let svg = bar("A & B", &[("<script>".into(), 10, false), ("half".into(), 5, true)]);
        assert!(svg.contains("aria-label=\"A &amp; B\""));
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains("width=\"420\"") && svg.contains("width=\"210\""), "{svg}");
        assert!(svg.contains("#c0392b"), "highlighted bar");
    }

    #[test]
    fn a_line_runs_through_every_point() {
        let svg = line("per year", &[("2022".into(), 0), ("2023".into(), 4), ("2024\"".into(), 2)]);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("points=\"48.0,224.0 366.0,16.0 684.0,120.0\""), "{svg}");
        assert!(svg.contains("2024&quot;") && svg.ends_with("</svg>"));
        assert!(line("empty", &[]).ends_with("</svg>"));
    }
}
