//! Examinations without I/O: the kinds of question, how an answer key and a candidate's answer
//! are read and written, how an answer is marked, the rules a paper is drawn by, and the
//! shuffles of a draw.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// 单选题: one right option.
    Single,
    /// 多选题: one or more right options, all of them needed.
    Multiple,
    /// 判断题.
    Truefalse,
    /// 简答题: marked by a teacher.
    Short,
}

pub const QUESTION_KINDS: [&str; 4] = ["single", "multiple", "truefalse", "short"];

/// The most options a choice question has (A–F).
pub const MAX_OPTIONS: usize = 6;

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Truefalse => "truefalse",
            QuestionKind::Short => "short",
        }
    }
    pub fn parse(s: &str) -> Option<QuestionKind> {
        Some(match s {
            "single" => QuestionKind::Single,
            "multiple" => QuestionKind::Multiple,
            "truefalse" => QuestionKind::Truefalse,
            "short" => QuestionKind::Short,
            _ => return None,
        })
    }
    /// A kind as associations write it in their workbooks (题型), in Chinese or English.
    pub fn from_label(s: &str) -> Option<QuestionKind> {
        let s: String = s.trim().to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '_').collect();
        Some(match s.as_str() {
            "单选" | "单选题" | "单项选择" | "单项选择题" | "single" | "singlechoice" | "单" => QuestionKind::Single,
            "多选" | "多选题" | "多项选择" | "多项选择题" | "不定项" | "不定项选择题" | "multiple" | "multiplechoice" | "multi" | "多" => QuestionKind::Multiple,
            "判断" | "判断题" | "是非题" | "truefalse" | "true/false" | "tf" | "judge" | "judgement" => QuestionKind::Truefalse,
            "简答" | "简答题" | "问答" | "问答题" | "论述题" | "主观题" | "short" | "shortanswer" | "essay" => QuestionKind::Short,
            _ => return None,
        })
    }
    pub fn is_choice(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

/// Why an answer key cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Nothing given.
    Empty,
    /// Not letters A–F (choice) or a true/false word.
    Unreadable,
    /// A letter past the last option given.
    OutOfRange(char),
    /// A single-choice question with several letters.
    SeveralForSingle,
}

/// Reads an answer key as associations write it: `A`, `ABD`, `A,B,D`, `A、B`; `对`/`错`,
/// `正确`/`错误`, `√`/`×`, `T`/`F`, `true`/`false`, `是`/`否`, `Y`/`N`. Answers the stored
/// form: the option indices ascending and comma-separated (`0,1,3`), or `true`/`false`; a
/// short answer's reference text as it is.
pub fn parse_key(kind: QuestionKind, text: &str, options: usize) -> Result<String, KeyError> {
    let t = text.trim();
    match kind {
        QuestionKind::Short => Ok(t.to_string()),
        QuestionKind::Truefalse => parse_truth(t).map(|b| b.to_string()).ok_or(if t.is_empty() { KeyError::Empty } else { KeyError::Unreadable }),
        QuestionKind::Single | QuestionKind::Multiple => {
            if t.is_empty() {
                return Err(KeyError::Empty);
            }
            let mut picked: Vec<usize> = Vec::new();
            for c in t.chars() {
                if c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；' | '/' | '|' | '.' | '．') {
                    continue;
                }
                let u = match c {
                    'Ａ'..='Ｆ' => char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32).unwrap_or(c),
                    'ａ'..='ｆ' => char::from_u32(c as u32 - 'ａ' as u32 + 'A' as u32).unwrap_or(c),
                    _ => c.to_ascii_uppercase(),
                };
                if !('A'..='F').contains(&u) {
                    return Err(KeyError::Unreadable);
                }
                let i = (u as u8 - b'A') as usize;
                if i >= options {
                    return Err(KeyError::OutOfRange(u));
                }
                if !picked.contains(&i) {
                    picked.push(i);
                }
            }
            if picked.is_empty() {
                return Err(KeyError::Empty);
            }
            if kind == QuestionKind::Single && picked.len() > 1 {
                return Err(KeyError::SeveralForSingle);
            }
            picked.sort_unstable();
            Ok(join(&picked))
        }
    }
}

/// A true/false word, or `None`.
pub fn parse_truth(t: &str) -> Option<bool> {
    match t.trim().to_lowercase().as_str() {
        "对" | "正确" | "√" | "✓" | "✔" | "t" | "true" | "是" | "y" | "yes" | "1" | "r" | "right" | "correct" => Some(true),
        "错" | "错误" | "×" | "✗" | "✘" | "x" | "f" | "false" | "否" | "n" | "no" | "0" | "w" | "wrong" | "incorrect" => Some(false),
        _ => None,
    }
}

/// Indices as stored: ascending, comma-separated.
pub fn join(v: &[usize]) -> String {
    v.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// Indices from their stored form (what does not read is dropped).
pub fn split(s: &str) -> Vec<usize> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

/// The letters of stored indices (`0,2` → `AC`), as a teacher reads a key.
pub fn letters(stored: &str) -> String {
    split(stored).into_iter().filter_map(|i| char::from_u32('A' as u32 + i as u32)).collect()
}

/// Why a candidate's answer is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum AnswerError {
    /// An option that the question does not have, or a second one for a single choice.
    BadChoice,
    /// Not `true` or `false`.
    BadTruth,
    /// A short answer past the length allowed.
    TooLong,
}

/// The longest short answer kept, in characters.
pub const MAX_SHORT: usize = 5000;

/// A candidate's answer in its stored form: for a choice, the original option indices
/// (`"2"`, `"0,3"`, as the candidate view's option keys; empty for no choice); for true/false,
/// `true`, `false` (or a true/false word) or empty; a short answer's text.
pub fn normalise_answer(kind: QuestionKind, options: usize, given: &str) -> Result<String, AnswerError> {
    let g = given.trim();
    match kind {
        QuestionKind::Short => {
            if g.chars().count() > MAX_SHORT {
                Err(AnswerError::TooLong)
            } else {
                Ok(g.to_string())
            }
        }
        QuestionKind::Truefalse => {
            if g.is_empty() {
                Ok(String::new())
            } else {
                parse_truth(g).map(|b| b.to_string()).ok_or(AnswerError::BadTruth)
            }
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            let mut v: Vec<usize> = Vec::new();
            for p in g.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let i: usize = p.parse().map_err(|_| AnswerError::BadChoice)?;
                if i >= options {
                    return Err(AnswerError::BadChoice);
                }
                if !v.contains(&i) {
                    v.push(i);
                }
            }
            if kind == QuestionKind::Single && v.len() > 1 {
                return Err(AnswerError::BadChoice);
            }
            v.sort_unstable();
            Ok(join(&v))
        }
    }
}

/// The points an objective answer earns: all of them for the key exactly (every right option
/// of a multiple choice and no other), none otherwise. `None` for a short answer that says
/// something (a teacher marks it); an empty short answer earns nothing.
pub fn mark(kind: QuestionKind, key: &str, answer: &str, points: i64) -> Option<i64> {
    match kind {
        QuestionKind::Short => {
            if answer.trim().is_empty() {
                Some(0)
            } else {
                None
            }
        }
        _ => Some(if !answer.is_empty() && answer == key { points } else { 0 }),
    }
}

/// One rule of a paper: draw `count` questions of `kind` (and `topic`, when not empty) from
/// the bank, each worth `points`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawRule {
    #[serde(default)]
    pub topic: String,
    pub kind: QuestionKind,
    pub count: i64,
    pub points: i64,
}

/// Reads the rules as typed on the exam form, one a line: `kind count points [topic]`
/// (`single 10 2 标准化法`, `单选 10 2`); answers the line (1-based) that does not read.
pub fn parse_rules(text: &str) -> Result<Vec<DrawRule>, usize> {
    let mut rules = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let kind = parts.next().and_then(|k| QuestionKind::parse(k).or_else(|| QuestionKind::from_label(k))).ok_or(i + 1)?;
        let count: i64 = parts.next().and_then(|c| c.parse().ok()).filter(|c| (1..=200).contains(c)).ok_or(i + 1)?;
        let points: i64 = parts.next().and_then(|c| c.parse().ok()).filter(|c| (1..=100).contains(c)).ok_or(i + 1)?;
        let topic = parts.collect::<Vec<_>>().join(" ");
        rules.push(DrawRule { topic, kind, count, points });
    }
    if rules.is_empty() { Err(1) } else { Ok(rules) }
}

/// The rules as the form shows them again.
pub fn rules_text(rules: &[DrawRule]) -> String {
    rules.iter().map(|r| format!("{} {} {} {}", r.kind.as_str(), r.count, r.points, r.topic).trim_end().to_string()).collect::<Vec<_>>().join("\n")
}

/// The most points a paper drawn by `rules` is worth.
pub fn max_score(rules: &[DrawRule]) -> i64 {
    rules.iter().map(|r| r.count * r.points).sum()
}

/// A shuffled copy of the indices `0..n` (the order a candidate sees options in).
pub fn shuffled(n: usize, rng: &mut impl rand::Rng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.shuffle(rng);
    v
}

/// Options from their stored form (one a line).
pub fn options_of(stored: &str) -> Vec<String> {
    if stored.is_empty() { Vec::new() } else { stored.split('\n').map(str::to_string).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_as_associations_write_them() {
        use QuestionKind::*;
        assert_eq!(parse_key(Single, " b ", 4), Ok("1".into()));
        assert_eq!(parse_key(Multiple, "ABD", 4), Ok("0,1,3".into()));
        assert_eq!(parse_key(Multiple, "D,A、b", 4), Ok("0,1,3".into()));
        assert_eq!(parse_key(Multiple, "ＡＣ", 4), Ok("0,2".into()));
        assert_eq!(parse_key(Single, "AB", 4), Err(KeyError::SeveralForSingle));
        assert_eq!(parse_key(Single, "E", 4), Err(KeyError::OutOfRange('E')));
        assert_eq!(parse_key(Single, "甲", 4), Err(KeyError::Unreadable));
        assert_eq!(parse_key(Single, "", 4), Err(KeyError::Empty));
        for t in ["对", "正确", "√", "T", "true"] {
            assert_eq!(parse_key(Truefalse, t, 0), Ok("true".into()), "{t}");
        }
        for f in ["错", "错误", "×", "F", "False"] {
            assert_eq!(parse_key(Truefalse, f, 0), Ok("false".into()), "{f}");
        }
        assert_eq!(parse_key(Truefalse, "也许", 0), Err(KeyError::Unreadable));
        assert_eq!(QuestionKind::from_label("多项选择题"), Some(Multiple));
        assert_eq!(QuestionKind::from_label("Single choice"), Some(Single));
        assert_eq!(QuestionKind::from_label("填空"), None);
    }

    #[test]
    fn answers_are_marked_all_or_nothing() {
        use QuestionKind::*;
        assert_eq!(normalise_answer(Multiple, 4, "3,0"), Ok("0,3".into()));
        assert_eq!(normalise_answer(Single, 4, "0,1"), Err(AnswerError::BadChoice));
        assert_eq!(normalise_answer(Single, 4, "7"), Err(AnswerError::BadChoice));
        assert_eq!(normalise_answer(Truefalse, 0, "对"), Ok("true".into()));
        assert_eq!(mark(Multiple, "0,3", "0,3", 4), Some(4));
        assert_eq!(mark(Multiple, "0,3", "0", 4), Some(0));
        assert_eq!(mark(Single, "1", "", 2), Some(0));
        assert_eq!(mark(Short, "参考", "我的回答", 5), None);
        assert_eq!(mark(Short, "参考", " ", 5), Some(0));
    }

    #[test]
    fn rules_read_one_a_line() {
        let r = parse_rules("single 2 3 标准化法\n\n判断 1 2").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].kind, r[0].count, r[0].points, r[0].topic.as_str()), (QuestionKind::Single, 2, 3, "标准化法"));
        assert_eq!(r[1].kind, QuestionKind::Truefalse);
        assert_eq!(max_score(&r), 8);
        assert_eq!(parse_rules("single 2\nshort 1 5"), Err(1));
        assert_eq!(parse_rules("single 2 3\nsomething 1 5"), Err(2));
        assert_eq!(parse_rules(&rules_text(&r)).unwrap(), r);
    }
}
