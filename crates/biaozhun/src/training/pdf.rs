//! A certificate as a PDF: one A4 page with the number, holder, kind and title, the dates,
//! the issuer and the verification address as a QR code drawn in vector squares. Chinese
//! text is set in the CJK font shipped in `fonts/` (a subset of Noto Sans CJK SC, SIL OFL;
//! `scripts/build-cjk-font.py`), of which each document embeds only the glyphs it uses
//! (`subsetter`), with a ToUnicode map so the text can be searched and copied.
//!
//! The font is a CID-keyed CFF whose CIDs equal its glyph indices: the page's text is
//! written as two-byte glyph indices (Identity-H) to a CIDFontType0 with the subset as a
//! `FontFile3` of subtype `OpenType`.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write;

/// The shipped subset (see fonts/README.md).
pub static FONT: &[u8] = include_bytes!("../../fonts/BiaozhunSansSC-Subset.otf");
/// The PostScript name the font carries.
pub const FONT_NAME: &str = "BiaozhunSansSCSubset-Regular";

const A4: (f32, f32) = (595.276, 841.89);

/// What the page says, in the words it is printed with (the caller translates).
pub struct Sheet<'a> {
    pub issuer: &'a str,
    pub heading: &'a str,
    pub heading_en: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
    /// (label, label in English, value) lines: number, holder, title, dates, issuer.
    pub facts: Vec<(String, String, String)>,
    /// A warning printed in red under the heading (revoked, expired), if any.
    pub warning: Option<String>,
    /// A line at the foot (a character the font lacks), if any.
    pub footnote: Option<String>,
    pub verify_label: &'a str,
    pub verify_url: &'a str,
    pub title: &'a str,
}

/// The font's metrics and glyph lookup.
struct Face {
    face: ttf_parser::Face<'static>,
    scale: f32,
}

impl Face {
    fn load() -> Option<Face> {
        let face = ttf_parser::Face::parse(FONT, 0).ok()?;
        let scale = 1000.0 / f32::from(face.units_per_em());
        Some(Face { face, scale })
    }
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }
    /// Advance in thousandths of the font size.
    fn advance(&self, gid: u16) -> f32 {
        self.face.glyph_hor_advance(ttf_parser::GlyphId(gid)).map_or(1000.0, |a| f32::from(a) * self.scale)
    }
}

/// Whether every character of `s` (spaces aside) has a glyph in the shipped font.
pub fn covers(s: &str) -> bool {
    let Some(f) = Face::load() else { return false };
    s.chars().filter(|c| !c.is_whitespace()).all(|c| f.glyph(c) != 0)
}

/// The characters of `s` the shipped font lacks.
pub fn missing(s: &str) -> Vec<char> {
    let Some(f) = Face::load() else { return s.chars().collect() };
    let mut out: Vec<char> = s.chars().filter(|c| !c.is_whitespace() && f.glyph(*c) == 0).collect();
    out.dedup();
    out
}

/// Text laid out in glyphs: it remembers which glyph stands for which character.
struct Writer {
    face: Face,
    used: BTreeMap<u16, char>,
    content: Content,
}

const FONT_RES: Name<'static> = Name(b"F1");

/// Punctuation that may not begin a line.
const NO_LINE_START: &str = "，。、；：？！）》」』】〕”’…,.;:?!)";

impl Writer {
    fn encode(&mut self, s: &str) -> (Vec<u8>, f32) {
        let mut bytes = Vec::with_capacity(s.len() * 2);
        let mut width = 0.0;
        for c in s.chars() {
            let g = self.face.glyph(c);
            if g != 0 {
                self.used.entry(g).or_insert(c);
            }
            bytes.extend_from_slice(&g.to_be_bytes());
            width += self.face.advance(g);
        }
        (bytes, width)
    }
    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.face.advance(self.face.glyph(c))).sum::<f32>() * size / 1000.0
    }
    fn text(&mut self, s: &str, size: f32, x: f32, y: f32) {
        let (bytes, _) = self.encode(s);
        self.content.begin_text();
        self.content.set_font(FONT_RES, size);
        self.content.next_line(x, y);
        self.content.show(Str(&bytes));
        self.content.end_text();
    }
    fn centred(&mut self, s: &str, size: f32, y: f32) {
        let w = self.width(s, size);
        self.text(s, size, (A4.0 - w) / 2.0, y);
    }
    /// Breaks `s` into lines no wider than `max` (between any two characters of CJK text,
    /// at spaces in Latin text where one is near).
    fn wrap(&self, s: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for c in s.chars() {
            let mut next = line.clone();
            next.push(c);
            // Closing punctuation never starts a line: it hangs past the margin instead
            // (the common rule of Chinese typesetting).
            if self.width(&next, size) > max && !line.is_empty() && NO_LINE_START.contains(c) {
                line = next;
                lines.push(std::mem::take(&mut line));
            } else if self.width(&next, size) > max && !line.is_empty() {
                // Prefer the last space of a Latin run, if it is in the line's second half.
                match line.rfind(' ').filter(|i| *i > line.len() / 2 && c.is_ascii_alphanumeric()) {
                    Some(i) => {
                        let rest = line[i + 1..].to_string();
                        line.truncate(i);
                        lines.push(std::mem::take(&mut line));
                        line = rest;
                        line.push(c);
                    }
                    None => {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            } else {
                line = next;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// The QR code's modules as filled squares, `size` points wide, lower left at (x, y).
fn qr(content: &mut Content, url: &str, x: f32, y: f32, size: f32) {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M) else { return };
    let n = code.width();
    let colors = code.to_colors();
    let quiet = 2usize;
    let m = size / (n + 2 * quiet) as f32;
    content.set_fill_gray(0.0);
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                // One rectangle per run of dark modules in a row keeps the stream short.
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let run = (col - start) as f32;
                content.rect(x + (start + quiet) as f32 * m, y + size - (row + quiet + 1) as f32 * m, run * m, m);
            } else {
                col += 1;
            }
        }
    }
    content.fill_nonzero();
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// Six capital letters naming the subset, from the glyphs it holds (PDF 9.6.4).
fn subset_tag(glyphs: &[u16]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs {
        h ^= u64::from(*g);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (0..6).map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8)).collect()
}

/// Draws the sheet; `None` only if the shipped font cannot be read.
pub fn render(sheet: &Sheet) -> Option<Vec<u8>> {
    let face = Face::load()?;
    let mut w = Writer { face, used: BTreeMap::new(), content: Content::new() };
    let (pw, ph) = A4;

    // Frame: a heavy rule and a fine one inside it.
    w.content.set_stroke_rgb(0.55, 0.12, 0.10);
    w.content.set_line_width(2.5);
    w.content.rect(30.0, 30.0, pw - 60.0, ph - 60.0);
    w.content.stroke();
    w.content.set_line_width(0.6);
    w.content.rect(38.0, 38.0, pw - 76.0, ph - 76.0);
    w.content.stroke();

    w.content.set_fill_rgb(0.15, 0.15, 0.15);
    w.centred(sheet.issuer, 15.0, 765.0);
    w.content.set_fill_rgb(0.55, 0.12, 0.10);
    w.centred(sheet.heading, 40.0, 695.0);
    w.content.set_fill_gray(0.35);
    w.centred(sheet.heading_en, 11.0, 672.0);
    w.content.set_fill_gray(0.1);
    w.centred(sheet.kind, 18.0, 630.0);
    let mut y = 600.0;
    if let Some(warn) = &sheet.warning {
        w.content.set_fill_rgb(0.75, 0.05, 0.05);
        for line in w.wrap(warn, 13.0, pw - 160.0) {
            w.centred(&line, 13.0, y);
            y -= 20.0;
        }
        y -= 6.0;
    }
    w.content.set_fill_gray(0.1);
    for line in w.wrap(sheet.body, 14.0, pw - 170.0) {
        w.text(&line, 14.0, 85.0, y);
        y -= 24.0;
    }
    y -= 18.0;
    for (label, label_en, value) in &sheet.facts {
        w.content.set_fill_gray(0.4);
        w.text(label, 11.0, 85.0, y);
        w.text(label_en, 7.5, 85.0, y - 11.0);
        w.content.set_fill_gray(0.05);
        let lines = w.wrap(value, 12.5, pw - 85.0 - 215.0);
        for (i, line) in lines.iter().enumerate() {
            w.text(line, 12.5, 215.0, y - i as f32 * 18.0);
        }
        y -= (18.0 * lines.len().max(1) as f32).max(22.0) + 10.0;
    }

    // Verification: the QR code at the lower right, the address beside it.
    let q = 120.0;
    qr(&mut w.content, sheet.verify_url, pw - 85.0 - q, 70.0, q);
    w.content.set_fill_gray(0.3);
    w.text(sheet.verify_label, 10.0, 85.0, 150.0);
    let mut vy = 134.0;
    for line in w.wrap(sheet.verify_url, 9.0, pw - 85.0 - q - 110.0) {
        w.text(&line, 9.0, 85.0, vy);
        vy -= 13.0;
    }
    if let Some(note) = &sheet.footnote {
        w.content.set_fill_gray(0.3);
        let mut ny = vy - 8.0;
        for line in w.wrap(note, 8.5, pw - 85.0 - q - 110.0) {
            w.text(&line, 8.5, 85.0, ny);
            ny -= 12.0;
        }
    }

    let content = std::mem::replace(&mut w.content, Content::new()).finish();
    let mut glyphs: Vec<u16> = std::iter::once(0).chain(w.used.keys().copied()).collect();
    glyphs.dedup();
    let font_data = subsetter::subset(FONT, 0, subsetter::Profile::pdf(&glyphs)).ok()?;
    let base = format!("{}+{FONT_NAME}", subset_tag(&glyphs));

    let mut ids = (1..).map(Ref::new);
    let mut next = || ids.next().unwrap_or(Ref::new(1));
    let (catalog, pages, page, contents, type0, cid, descriptor, file, cmap, info) =
        (next(), next(), next(), next(), next(), next(), next(), next(), next(), next());
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, pw, ph)).parent(pages).contents(contents);
    p.resources().fonts().pair(FONT_RES, type0);
    p.finish();
    pdf.document_info(info).title(TextStr(sheet.title)).producer(TextStr("biaozhun"));

    let compressed = deflate(&content);
    pdf.stream(contents, &compressed).filter(Filter::FlateDecode);

    pdf.type0_font(type0).base_font(Name(base.as_bytes())).encoding_predefined(Name(b"Identity-H")).descendant_font(cid).to_unicode(cmap);
    let info_sys = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    let mut cf = pdf.cid_font(cid);
    cf.subtype(CidFontType::Type0).base_font(Name(base.as_bytes())).system_info(info_sys).font_descriptor(descriptor).default_width(1000.0);
    {
        let mut widths = cf.widths();
        for (g, _) in &w.used {
            widths.consecutive(*g, [w.face.advance(*g)]);
        }
    }
    cf.finish();

    let f = &w.face.face;
    let s = w.face.scale;
    let bb = f.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(base.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(f32::from(bb.x_min) * s, f32::from(bb.y_min) * s, f32::from(bb.x_max) * s, f32::from(bb.y_max) * s))
        .italic_angle(0.0)
        .ascent(f32::from(f.ascender()) * s)
        .descent(f32::from(f.descender()) * s)
        .cap_height(f32::from(f.capital_height().unwrap_or(f.ascender())) * s)
        .stem_v(80.0)
        .font_file3(file);
    let packed = deflate(&font_data);
    pdf.stream(file, &packed).filter(Filter::FlateDecode).pair(Name(b"Subtype"), Name(b"OpenType"));

    // Left uncompressed (a few hundred bytes): readable by people and tests alike.
    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Biaozhun-UCS"), info_sys);
    for (g, c) in &w.used {
        map.pair(*g, *c);
    }
    let map = map.finish();
    pdf.stream(cmap, &map);
    Some(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet<'a>(holder: &'a str, body: &'a str) -> Sheet<'a> {
        Sheet {
            issuer: "广州市标准化协会",
            heading: "证书",
            heading_en: "CERTIFICATE",
            kind: "标准化工程师（初级）",
            body,
            facts: vec![("证书编号".into(), "Certificate number".into(), "GZBA-2026-000001-5".into()), ("持证人".into(), "Holder".into(), holder.into())],
            warning: None,
            footnote: None,
            verify_label: "查验本证书：",
            verify_url: "https://example.org/certificates/GZBA-2026-000001-5",
            title: "证书",
        }
    }

    #[test]
    fn the_font_holds_gb2312_level_one_and_ascii() {
        assert!(covers("张伟 王芳 李娜 刘洋 陈静 ABC xyz 0123 （）《》「」、。"));
        assert_eq!(missing("张堃"), vec!['堃'], "堃 is outside GB 2312 level 1");
    }

    #[test]
    fn a_sheet_embeds_only_its_glyphs() {
        let body = "兹证明 张伟 通过「标准化基础知识」考核，成绩合格，特发此证。".repeat(3);
        let pdf = render(&sheet("张伟", &body)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        if let Some(out) = std::env::var_os("BIAOZHUN_PDF_OUT") {
            std::fs::write(out, &pdf).unwrap();
        }
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile3") && text.contains("/OpenType") && text.contains(FONT_NAME));
        // 张 is U+5F20: its glyph maps back to it in the ToUnicode map.
        assert!(text.contains("<5F20>") && text.contains("<4F1F>"), "ToUnicode has the holder's name");
        assert!(pdf.len() < 120_000, "one page with a per-document subset stays small: {} bytes", pdf.len());
        assert!(pdf.len() < FONT.len() / 5);
    }

    #[test]
    fn lines_wrap_within_the_width() {
        let w = Writer { face: Face::load().unwrap(), used: BTreeMap::new(), content: Content::new() };
        let lines = w.wrap(&"标准".repeat(60), 14.0, 300.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| w.width(l, 14.0) <= 300.0));
        assert_eq!(lines.concat(), "标准".repeat(60));
        // A comma that would begin a line hangs at the end of the one before.
        let text = format!("{}，成绩合格", "标".repeat(40));
        let lines = w.wrap(&text, 14.0, w.width(&"标".repeat(10), 14.0));
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        assert_eq!(lines.concat(), text);
    }
}
