//! Question-bank import: any bytes (XLSX, CSV/TSV in any of the accepted encodings, gzip of
//! those) must give questions and row problems, or a refusal of the whole file, and never
//! panic; every kept question must be one the exam code can use.
#![no_main]
use biaozhun::training::exam_model::{self, QuestionKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = biaozhun::config::ImportLimits::default();
    if let Ok((rows, problems)) = biaozhun::training::exam_bank::parse(data, &limits) {
        for q in &rows {
            assert!(q.line >= 1, "row line numbers are 1-based");
            assert!(!q.body.is_empty(), "a kept question has its text");
            assert!((1..=100).contains(&q.points), "points within bounds");
            match q.kind {
                QuestionKind::Single | QuestionKind::Multiple => {
                    assert!(q.options.len() >= 2 && q.options.len() <= exam_model::MAX_OPTIONS);
                    let key = exam_model::split(&q.answer);
                    assert!(!key.is_empty() && key.iter().all(|i| *i < q.options.len()), "the key names existing options");
                    assert!(q.kind == QuestionKind::Multiple || key.len() == 1);
                    // The stored key marks itself right.
                    assert_eq!(exam_model::mark(q.kind, &q.answer, &q.answer, q.points), Some(q.points));
                }
                QuestionKind::Truefalse => assert!(q.answer == "true" || q.answer == "false"),
                QuestionKind::Short => assert!(q.options.is_empty()),
            }
        }
        for p in &problems {
            assert!(!p.message.is_empty(), "a problem says what is wrong");
        }
    }
});
