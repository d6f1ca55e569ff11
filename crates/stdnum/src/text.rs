//! Text normalisation helpers shared by every parser.
//!
//! Chinese documents mix full-width and half-width forms freely, use half a
//! dozen different dash characters and pad with ideographic spaces. These
//! helpers fold all of that into plain ASCII punctuation so that the parsers
//! only ever need to look at one spelling.

/// Maps a single full-width character (U+FF01..=U+FF5E) to its ASCII twin and
/// the ideographic space U+3000 to a plain space. Other characters are
/// returned unchanged.
pub fn half_width_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// True for every character that people use where a hyphen-minus is meant
/// (hyphens, figure/en/em dashes, horizontal bars, box-drawing lines, minus
/// signs, tildes and wave dashes, in both widths).
pub fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{2500}'
                | '\u{2501}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '~'
                | '\u{FF5E}'
                | '\u{301C}'
                | '\u{00AD}'
    )
}

/// True for any kind of blank: ASCII and Unicode white space, the
/// ideographic space, no-break spaces and the zero-width characters that
/// sneak in when text is copied out of Word or a web page.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{3000}' | '\u{00A0}' | '\u{202F}' | '\u{2007}' | '\u{200B}' | '\u{FEFF}'
        )
}

/// Folds one character: full-width to half-width, any dash to `-`, any
/// blank to a plain space. Every other character passes through.
///
/// The mapping is one character to one character, which lets callers keep
/// byte offsets into the original text.
pub fn normalize_char(c: char) -> char {
    // Fast path for the common case.
    if c.is_ascii_graphic() && c != '~' {
        return c;
    }
    if is_space(c) {
        return ' ';
    }
    if is_dash(c) {
        return '-';
    }
    let h = half_width_char(c);
    match h {
        // A few look-alikes that are not in the full-width block.
        '\u{2215}' | '\u{2044}' => '/',
        '\u{2236}' | '\u{FE55}' => ':',
        '\u{2024}' => '.',
        _ => h,
    }
}

/// Converts full-width ASCII forms to half-width ones and the ideographic
/// space to a plain space. `ＧＢ／Ｔ　１９００１` becomes `GB/T 19001`.
pub fn to_half_width(s: &str) -> String {
    s.chars().map(half_width_char).collect()
}

/// Replaces every dash variant (see [`is_dash`]) with `-`.
pub fn normalize_dashes(s: &str) -> String {
    s.chars()
        .map(|c| if is_dash(c) { '-' } else { c })
        .collect()
}

/// Collapses any run of blanks (see [`is_space`]) to one ASCII space and
/// trims both ends.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Full normalisation: [`normalize_char`] on every character, then blanks
/// collapsed and the result trimmed.
///
/// `ＧＢ／Ｔ　１９００１－２０１６` becomes `GB/T 19001-2016`.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(normalize_char) {
        if c == ' ' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// One normalised character together with the byte span it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NChar {
    /// The folded character, upper-cased when it is ASCII.
    pub c: char,
    /// True when the original character was an ASCII (or full-width) upper
    /// case letter, or not a letter at all.
    pub upper: bool,
    /// Byte offset of the original character.
    pub start: usize,
}

/// Normalises `s` one character at a time, keeping the original byte offsets
/// (a character ends where the next one starts, or at `s.len()`).
/// ASCII letters are upper-cased; `upper` records the original case.
pub(crate) fn nchars(s: &str) -> Vec<NChar> {
    let mut v = Vec::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        let n = normalize_char(c);
        v.push(NChar {
            c: n.to_ascii_uppercase(),
            upper: !n.is_ascii_lowercase(),
            start: i,
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_standard_number() {
        assert_eq!(
            normalize("ＧＢ／Ｔ　１９００１－２０１６"),
            "GB/T 19001-2016"
        );
        assert_eq!(to_half_width("ＩＳＯ　９００１：２０１５"), "ISO 9001:2015");
    }

    #[test]
    fn dashes() {
        for d in ["‐", "‑", "‒", "–", "—", "―", "－", "─", "~", "～", "−"] {
            assert_eq!(normalize(&format!("a{d}b")), "a-b", "dash {d:?}");
            assert_eq!(normalize_dashes(&format!("1{d}2")), "1-2");
        }
    }

    #[test]
    fn blanks() {
        assert_eq!(
            collapse_whitespace("  a \u{3000}\u{00A0} b\t\n c  "),
            "a b c"
        );
        assert_eq!(normalize("\u{3000}x\u{200B}y "), "x y");
        assert_eq!(collapse_whitespace(""), "");
        assert_eq!(normalize("   "), "");
    }

    #[test]
    fn punctuation() {
        assert_eq!(normalize("97．200．50"), "97.200.50");
        assert_eq!(normalize("A：B／C；D，E"), "A:B/C;D,E");
    }

    #[test]
    fn offsets_survive() {
        let s = "按ＧＢ";
        let v = nchars(s);
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].c, 'G');
        assert_eq!(&s[v[1].start..], "ＧＢ");
        let w = nchars("gB");
        assert!(!w[0].upper && w[1].upper);
        assert_eq!(w[0].c, 'G');
    }
}
