//! "Adopted from" cells: which international standard a Chinese one follows
//! and how closely (identical, modified, not equivalent).

use super::StdNumber;
use super::find::find_impl;

/// Degree of correspondence with an international standard (GB/T 20000.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Degree {
    /// Identical (IDT, 等同采用).
    Idt,
    /// Modified (MOD, 修改采用; the older EQV/等效 is mapped here).
    Mod,
    /// Not equivalent (NEQ, 非等效采用).
    Neq,
}

impl Degree {
    /// Upper-case code: `IDT`, `MOD`, `NEQ`.
    pub fn as_str(self) -> &'static str {
        match self {
            Degree::Idt => "IDT",
            Degree::Mod => "MOD",
            Degree::Neq => "NEQ",
        }
    }
}

impl std::fmt::Display for Degree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A degree marker found in the text, with its byte span.
struct Marker {
    start: usize,
    end: usize,
    degree: Degree,
}

fn find_markers(text: &str) -> Vec<Marker> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric();
    let mut i = 0;
    while i < bytes.len() {
        // Chinese wording first ("非等效" contains "等效").
        let rest = &text[i..];
        let zh: &[(&str, Degree)] = &[
            ("非等效", Degree::Neq),
            ("等同", Degree::Idt),
            ("修改", Degree::Mod),
            ("等效", Degree::Mod),
        ];
        if let Some((w, d)) = zh.iter().find(|(w, _)| rest.starts_with(w)) {
            out.push(Marker {
                start: i,
                end: i + w.len(),
                degree: *d,
            });
            i += w.len();
            continue;
        }
        if i + 3 <= bytes.len()
            && (i == 0 || !is_word(bytes[i - 1]))
            && (i + 3 == bytes.len() || !is_word(bytes[i + 3]))
        {
            let d = match &bytes[i..i + 3] {
                w if w.eq_ignore_ascii_case(b"IDT") => Some(Degree::Idt),
                w if w.eq_ignore_ascii_case(b"MOD") => Some(Degree::Mod),
                w if w.eq_ignore_ascii_case(b"NEQ") => Some(Degree::Neq),
                w if w.eq_ignore_ascii_case(b"EQV") => Some(Degree::Mod),
                _ => None,
            };
            if let Some(degree) = d {
                out.push(Marker {
                    start: i,
                    end: i + 3,
                    degree,
                });
                i += 3;
                continue;
            }
        }
        // Advance to the next character boundary.
        i += 1;
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    out
}

/// True when `gap` (text between two items) contains a hard separator.
fn has_hard_break(gap: &str) -> bool {
    gap.contains([';', '；', '\n', '\r'])
}

/// Reads a cell listing one or more adopted standards with their degree:
/// `IEC 62368-1:2018 MOD`, `ISO 9001:2015，IDT`, `MOD IEC 62368-1:2018`,
/// `ISO 9001:2015(IDT)`, `idt ISO 9001:2015`, several joined by `;` or `，`.
///
/// Each degree marker is attached to the number right before it, unless that
/// number already has one or a `;`/line break lies between them, in which
/// case it goes to the next number.
pub fn parse_adoption(s: &str) -> Vec<(StdNumber, Option<Degree>)> {
    let found = find_impl(s, false);
    let mut out: Vec<(StdNumber, Option<Degree>)> =
        found.iter().map(|f| (f.number.clone(), None)).collect();
    if found.is_empty() {
        return out;
    }
    for m in find_markers(s) {
        // Skip markers that sit inside a number (cannot really happen, but
        // be safe).
        if found.iter().any(|f| m.start < f.end && m.end > f.start) {
            continue;
        }
        let prev = found.iter().rposition(|f| f.end <= m.start);
        let next = found.iter().position(|f| f.start >= m.end);
        let prev_ok = prev.filter(|&p| {
            out[p].1.is_none() && (next.is_none() || !has_hard_break(&s[found[p].end..m.start]))
        });
        let target = match (prev_ok, next) {
            (Some(p), _) => Some(p),
            (None, Some(n)) if out[n].1.is_none() => Some(n),
            _ => None,
        };
        if let Some(t) = target {
            out[t].1 = Some(m.degree);
        }
    }
    out
}
