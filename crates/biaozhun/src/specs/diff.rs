//! The difference between two drafts, for Chinese text: tokens are single CJK characters,
//! words of letters and digits, and single other characters (spaces, punctuation); the
//! longest common subsequence of the tokens is kept, and what is left is grouped into runs
//! of inserted and deleted text.

use serde::Serialize;

/// One run of the difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// same, insert or delete.
    pub op: &'static str,
    pub text: String,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Splits text into tokens: a CJK character, a word (letters, digits, `.` inside a number), or one other character.
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let word = c.is_alphanumeric() && !is_cjk(c);
        if word {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            out.push(&text[s..i]);
        }
        out.push(&text[i..i + c.len_utf8()]);
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Cells of the LCS table beyond which the middle is shown as replaced whole.
const MAX_CELLS: usize = 16_000_000;

/// The runs that turn `old` into `new`.
pub fn diff(old: &str, new: &str) -> Vec<Run> {
    let a = tokens(old);
    let b = tokens(new);
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf] {
        suf += 1;
    }
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<(&'static str, &str)> = a[..pre].iter().map(|t| ("same", *t)).collect();
    if am.len().saturating_mul(bm.len()) > MAX_CELLS {
        ops.extend(am.iter().map(|t| ("delete", *t)));
        ops.extend(bm.iter().map(|t| ("insert", *t)));
    } else {
        // lcs[i][j]: the LCS of am[i..] and bm[j..].
        let w = bm.len() + 1;
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] { lcs[(i + 1) * w + j + 1] + 1 } else { lcs[(i + 1) * w + j].max(lcs[i * w + j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                ops.push(("same", am[i]));
                i += 1;
                j += 1;
            } else if i < am.len() && (j == bm.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                ops.push(("delete", am[i]));
                i += 1;
            } else {
                ops.push(("insert", bm[j]));
                j += 1;
            }
        }
    }
    ops.extend(a[a.len() - suf..].iter().map(|t| ("same", *t)));
    let mut runs: Vec<Run> = Vec::new();
    for (op, t) in ops {
        match runs.last_mut() {
            Some(r) if r.op == op => r.text.push_str(t),
            _ => runs.push(Run { op, text: t.to_string() }),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(runs: &[Run]) -> String {
        runs.iter().map(|r| match r.op {
            "insert" => format!("[+{}]", r.text),
            "delete" => format!("[-{}]", r.text),
            _ => r.text.clone(),
        }).collect()
    }

    #[test]
    fn chinese_text_differs_by_character_runs() {
        assert_eq!(tokens("电梯 ISO 9001:2015 维保"), vec!["电", "梯", " ", "ISO", " ", "9001", ":", "2015", " ", "维", "保"]);
        let d = diff("电梯维护保养应每月一次。", "电梯维护保养应每十五日一次，并记录。");
        assert_eq!(show(&d), "电梯维护保养应每[-月][+十五日]一次[+，并记录]。");
        let d = diff("The lift is checked monthly.", "The lift is checked weekly.");
        assert_eq!(show(&d), "The lift is checked [-monthly][+weekly].");
        assert_eq!(diff("相同", "相同"), vec![Run { op: "same", text: "相同".into() }]);
        assert_eq!(show(&diff("", "新增")), "[+新增]");
        assert_eq!(show(&diff("删除", "")), "[-删除]");
    }
}
