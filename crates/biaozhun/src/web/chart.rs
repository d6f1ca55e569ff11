//! Charts as inline SVG, drawn on the server (no script), every label escaped: a horizontal
//! bar chart, a line chart and a map of points. Templates insert the result with
//! `Value::from_safe_string`.


/// The opening of a chart's SVG, of class `class` (`chart`, or `chart map` for [`map`]).
fn open(class: &str, title: &str, width: usize, height: usize) -> String {
    let t = crate::util::xml_escape(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>"
    )
}

/// A horizontal bar chart: (label, value, highlighted) per bar, longest bar full width.
pub fn bar(title: &str, bars: &[(String, i64, bool)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row = 22;
    let label_w = 220;
    let bar_w = 420;
    let h = 30 + row * bars.len().max(1);
    let mut s = open("chart", title, label_w + bar_w + 70, h);
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
    let mut s = open("chart", title, w, h);
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

/// A point of [`map`]: WGS-84 degrees, its tooltip, the page it leads to and its colour.
pub struct Spot {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
    /// Written beside the point when there are few ([`MAP_TAGGED`] at most).
    pub tag: String,
    pub href: String,
    pub colour: &'static str,
}

/// Up to this many points of a [`map`] carry their tag beside them.
pub const MAP_TAGGED: usize = 30;

/// Points placed by their coordinates, north up, a degree of longitude shortened by the
/// cosine of the middle latitude so that distances look alike both ways; no base map (nothing
/// is fetched from outside), a scale bar and a legend of (colour, meaning) instead. Each point
/// is a link to its page with its label as tooltip. The view spans at least about 500 m, so
/// one point or a few close together are not drawn as if far apart.
pub fn map(title: &str, spots: &[Spot], legend: &[(&str, String)]) -> String {
    const MIN_SPAN: f64 = 0.005;
    const METRES_PER_DEGREE: f64 = 111_320.0;
    let (w, h, pad, legend_h) = (700.0, 420.0, 24.0, 28.0);
    let lat = |f: fn(f64, f64) -> f64, init: f64| spots.iter().map(|s| s.lat).fold(init, f);
    let lon = |f: fn(f64, f64) -> f64, init: f64| spots.iter().map(|s| s.lon).fold(init, f);
    let (lat0, lat1, lon0, lon1) = (lat(f64::min, 90.0), lat(f64::max, -90.0), lon(f64::min, 180.0), lon(f64::max, -180.0));
    let (mid_lat, mid_lon) = if spots.is_empty() { (0.0, 0.0) } else { ((lat0 + lat1) / 2.0, (lon0 + lon1) / 2.0) };
    let k = mid_lat.to_radians().cos().max(0.01);
    let span_y = (lat1 - lat0).max(MIN_SPAN);
    let span_x = ((lon1 - lon0) * k).max(MIN_SPAN);
    let (plot_w, plot_h) = (w - 2.0 * pad, h - 2.0 * pad - legend_h);
    // Pixels per degree of latitude (and per degree of longitude times k); the outermost
    // points stay a margin inside the plot.
    let margin = 28.0;
    let scale = ((plot_w - 2.0 * margin) / span_x).min((plot_h - 2.0 * margin) / span_y);
    let (cx, cy) = (w / 2.0, pad + plot_h / 2.0);
    let mut s = open("chart map", title, w as usize, h as usize);
    s.push_str(&format!("<rect x=\"{pad}\" y=\"{pad}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#f4f6f8\" stroke=\"#ccd\"/>"));
    for p in spots {
        let (x, y) = (cx + (p.lon - mid_lon) * k * scale, cy - (p.lat - mid_lat) * scale);
        s.push_str(&format!(
            "<a href=\"{}\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{}</title></circle></a>",
            crate::util::xml_escape(&p.href),
            p.colour,
            crate::util::xml_escape(&p.label)
        ));
        if spots.len() <= MAP_TAGGED && !p.tag.is_empty() {
            s.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#333\">{}</text>", x + 10.0, y + 4.0, crate::util::xml_escape(&p.tag)));
        }
    }
    // A scale bar of a round distance about a quarter of the width, bottom left of the plot.
    let metres_per_px = METRES_PER_DEGREE / scale;
    let target = metres_per_px * plot_w / 4.0;
    let unit = 10f64.powf(target.log10().floor());
    let nice = [5.0, 2.0, 1.0].iter().map(|m| m * unit).find(|d| *d <= target).unwrap_or(unit);
    let bar = nice / metres_per_px;
    let (bx, by) = (pad + 10.0, pad + plot_h - 12.0);
    let label = if nice >= 1000.0 { format!("{} km", nice / 1000.0) } else { format!("{nice} m") };
    s.push_str(&format!(
        "<path d=\"M{bx:.1},{:.1}v6h{bar:.1}v-6\" fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#333\">{label}</text>",
        by - 6.0,
        bx + bar + 6.0,
        by + 4.0
    ));
    s.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">N ↑</text>", w - pad - 8.0, pad + 16.0));
    // The legend below the plot.
    let mut x = pad;
    let ly = h - pad - legend_h / 2.0 + 8.0;
    for (colour, meaning) in legend {
        s.push_str(&format!("<circle cx=\"{:.1}\" cy=\"{ly:.1}\" r=\"6\" fill=\"{colour}\"/>", x + 6.0));
        s.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#333\">{}</text>", x + 16.0, ly + 4.5, crate::util::xml_escape(meaning)));
        x += 16.0 + meaning.chars().map(|c| if c.is_ascii() { 7.0 } else { 13.0 }).sum::<f64>() + 24.0;
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

    fn spot(lat: f64, lon: f64, label: &str) -> Spot {
        Spot { lat, lon, label: label.into(), tag: format!("tag-{label}"), href: format!("/signs/{label}"), colour: "#777" }
    }

    fn circle_at(svg: &str, n: usize) -> (f64, f64) {
        let c = svg.split("<a href").nth(n + 1).expect("a point");
        let num = |attr: &str| c.split(&format!("{attr}=\"")).nth(1).and_then(|v| v.split('"').next()).and_then(|v| v.parse().ok()).expect("coordinate");
        (num("cx"), num("cy"))
    }

    #[test]
    fn a_map_places_points_north_up_and_alike_both_ways() {
        // Two points 0.01° apart north–south and 0.01° east–west at 23°N: the east–west gap
        // is drawn cos(23°) as long.
        let svg = map("signs", &[spot(23.13, 113.32, "a&b"), spot(23.14, 113.33, "c")], &[("#777", "未检查".into())]);
        let ((x0, y0), (x1, y1)) = (circle_at(&svg, 0), circle_at(&svg, 1));
        assert!(y1 < y0 && x1 > x0, "north up, east right: {svg}");
        let ratio = (x1 - x0) / (y0 - y1);
        assert!((ratio - 23.135f64.to_radians().cos()).abs() < 0.01, "{ratio}");
        assert!(svg.contains("href=\"/signs/a&amp;b\"") && svg.contains("<title>a&amp;b</title>"), "escaped: {svg}");
        assert!(svg.contains(" m</text>") || svg.contains(" km</text>"), "a scale bar");
        assert!(svg.contains("未检查") && svg.contains("class=\"chart map\""));
        assert!(svg.contains(">tag-a&amp;b</text>"), "few points carry their tags");
        let many: Vec<Spot> = (0..=MAP_TAGGED).map(|i| spot(23.1 + i as f64 * 0.001, 113.3, &i.to_string())).collect();
        assert!(!map("many", &many, &[]).contains(">tag-"));
        // One point alone sits in the middle of the plot; no points still make a picture.
        let one = map("one", &[spot(23.1, 113.3, "x")], &[]);
        assert_eq!(circle_at(&one, 0), (350.0, 196.0));
        assert!(map("none", &[], &[]).ends_with("</svg>"));
    }
}
