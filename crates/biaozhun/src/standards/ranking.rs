//! How the catalogue ranks and groups (no I/O): the document an edition belongs to (its
//! family), which edition of a family stands for it in a search (the lead), the static
//! weight of a record, and the own title of a part. The rules are written down in
//! docs/standards.md ("Ranking").

use super::model::Record;
use stdnum::standard::Kind;

/// Draft stages of ISO and IEC documents, and the type each becomes when published
/// (`ISO/DIS 9001` is a stage of `ISO 9001`, `ISO/DTS 22331` of `ISO/TS 22331`).
const DRAFT_STAGES: &[(&str, &str)] = &[
    ("DIS", ""),
    ("FDIS", ""),
    ("CD", ""),
    ("NP", ""),
    ("WD", ""),
    ("AWI", ""),
    ("PRF", ""),
    ("PWI", ""),
    ("DTS", "TS"),
    ("DTR", "TR"),
    ("DPAS", "PAS"),
];

/// Deliverables that are not standards proper: they rank below a standard for the same
/// words.
const DELIVERABLES: &[&str] = &["TS", "TR", "PAS", "GUIDE", "ISP", "TTA", "IWA", "SRD", "DTS", "DTR", "DPAS", "R"];

fn is_intl(kind: &str) -> bool {
    matches!(kind, "iso" | "iec" | "iso_iec")
}

/// The document a record is an edition, stage, amendment or consolidated version of: its
/// base number with the co-publishers of a joint document and the draft stage left out
/// (`ISO/IEC 27001:2022`, `ISO/IEC DIS 27001`, `ISO/IEC 27001:2022/Amd 1:2024` →
/// `ISO 27001`). Outside ISO and IEC: the base number.
pub fn family(r: &Record) -> String {
    family_of(&r.prefix, &r.kind, &r.part, &r.base)
}

/// True for a consolidated version of a standard with its amendments (`IEC
/// 62115:2017+AMD1:2025 CSV`), which ranks and folds like an amendment.
pub fn consolidated(norm: &str) -> bool {
    norm.contains("+AMD") || super::model::VERSION_MARKS.iter().any(|m| norm.strip_suffix(m).is_some_and(|h| h.ends_with(' ')))
}

/// [`family`] from the stored parts of a number.
pub fn family_of(prefix: &str, kind: &str, part: &str, base: &str) -> String {
    if part.is_empty() || prefix.is_empty() {
        // A number the grammar does not read whole (`IEC 62115:2017+AMD1:2025 CSV`): the
        // document it starts with.
        let head = base.split('+').next().unwrap_or(base);
        let head = super::model::VERSION_MARKS.iter().fold(head.trim(), |h, m| h.strip_suffix(m).map(str::trim_end).unwrap_or(h));
        if head != base
            && let Some(id) = super::model::ident(head)
            && !id.part.is_empty()
        {
            return family_of(&id.prefix, id.kind.as_str(), &id.part, &id.base);
        }
        return base.to_string();
    }
    if !is_intl(kind) {
        return format!("{prefix} {part}");
    }
    let key = stdnum::standard::base_key(prefix, Kind::from_code(kind).unwrap_or(Kind::Iso), part);
    let head = key.strip_suffix(part).unwrap_or(&key).trim_end();
    let mut out: Vec<&str> = Vec::new();
    let mut draft = false;
    for tok in head.split(' ').filter(|t| !t.is_empty()) {
        match DRAFT_STAGES.iter().find(|(d, _)| *d == tok) {
            Some((_, published)) => {
                draft = true;
                if !published.is_empty() {
                    out.push(published);
                }
            }
            None => out.push(tok),
        }
    }
    // A draft's iteration (`ISO/CD 9001.2`, the second committee draft) is the same document.
    let part = match part.rsplit_once('.') {
        Some((p, n)) if draft && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => part,
    };
    out.push(part);
    out.join(" ")
}

/// True when a canonical ISO/IEC prefix names a draft stage (`ISO/CD`, `ISO/IEC DIS`).
pub fn is_draft_prefix(prefix: &str) -> bool {
    prefix.split(['/', ' ']).any(|t| DRAFT_STAGES.iter().any(|(d, _)| *d == t))
}

fn deliverable(r: &Record) -> bool {
    if r.kind == "national_guidance" {
        return true;
    }
    is_intl(&r.kind) && r.prefix.split(['/', ' ']).any(|t| DELIVERABLES.contains(&t))
}

/// How deep a part is: `IEC 60335-1` 1, `IEC 60335-2-40` 2, `GB/T 1.1` 1, `ISO 9001` 0.
pub fn part_depth(r: &Record) -> i32 {
    let sep = if is_intl(&r.kind) { '-' } else { '.' };
    r.part.chars().filter(|c| *c == sep).count() as i32
}

/// Factor of the record's status in its weight.
pub fn status_weight(status: &str) -> f32 {
    match status {
        "in_force" => 1.0,
        "upcoming" => 0.85,
        "replaced" | "withdrawn" => 0.55,
        "developing" => 0.45,
        _ => 0.8,
    }
}

/// The static weight that multiplies a record's relevance: status (in force 1, upcoming
/// 0.85, replaced or withdrawn 0.55, draft 0.45, unknown 0.8) × type (standard 1,
/// TS/TR/PAS/guide or GB/Z 0.75, amendment, corrigendum or consolidated version 0.7) ×
/// 0.92 per level of part × (1 − 0.001 × the part's own number, at most 50).
pub fn weight(r: &Record) -> f32 {
    let kind = if r.is_amendment || consolidated(&r.norm) {
        0.7
    } else if deliverable(r) {
        0.75
    } else {
        1.0
    };
    status_weight(&r.status) * kind * 0.92f32.powi(part_depth(r)) * part_order(r)
}

/// A tie-breaker between sibling parts: part 1 before part 2 … (at most 5 % apart).
fn part_order(r: &Record) -> f32 {
    if part_depth(r) == 0 {
        return 1.0;
    }
    let last = r.part.rsplit(['-', '.']).next().unwrap_or("");
    let digits = last.bytes().take_while(u8::is_ascii_digit).count();
    let n: u32 = last[..digits].parse().unwrap_or(50);
    1.0 - 0.001 * n.min(50) as f32
}

/// The own title of a document whose English title names its series first: after
/// `Part N:` (`… — Safety — Part 1: General requirements` → `General requirements`), else
/// all but the introductory element of a title of three or more (`Security and resilience —
/// Business continuity management systems — Requirements` → `Business continuity management
/// systems — Requirements`), else the whole title.
pub fn own_title(title: &str) -> String {
    // Elements are separated by a dash between spaces: em, en, double hyphen or hyphen.
    let elems: Vec<&str> = title
        .split(" — ")
        .flat_map(|e| e.split(" – "))
        .flat_map(|e| e.split(" -- "))
        .flat_map(|e| e.split(" - ")).map(str::trim).filter(|e| !e.is_empty()).collect();
    if let Some(i) = elems.iter().position(|e| e.starts_with("Part ") && e.contains(':')) {
        let first = elems[i].split_once(':').map(|x| x.1.trim()).unwrap_or("");
        let mut rest = vec![first];
        rest.extend(&elems[i + 1..]);
        return rest.into_iter().filter(|e| !e.is_empty()).collect::<Vec<_>>().join(" — ");
    }
    if elems.len() >= 3 {
        return elems[1..].join(" — ");
    }
    elems.join(" — ")
}

/// One record of a family, as the lead choice needs it.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub norm: String,
    pub status: String,
    pub is_amendment: bool,
    pub year: Option<i64>,
    pub published_at: Option<i64>,
    pub title_en: String,
    pub title_zh: String,
}

impl Member {
    pub fn of(id: i64, r: &Record) -> Member {
        Member { id, norm: r.norm.clone(), status: r.status.clone(), is_amendment: r.is_amendment || consolidated(&r.norm), year: r.year, published_at: r.published_at, title_en: r.title_en.clone(), title_zh: r.title_zh.clone() }
    }
}

fn lead_key(m: &Member) -> (bool, u8, std::cmp::Reverse<i64>, std::cmp::Reverse<i64>, std::cmp::Reverse<i64>) {
    let status = match m.status.as_str() {
        "in_force" => 0,
        "upcoming" => 1,
        "replaced" | "withdrawn" => 2,
        "" => 3,
        _ => 4,
    };
    (m.is_amendment, status, std::cmp::Reverse(m.year.unwrap_or(0)), std::cmp::Reverse(m.published_at.unwrap_or(0)), std::cmp::Reverse(m.id))
}

/// The member that stands for the family in a search: an edition before an amendment; in
/// force, then upcoming, then replaced or withdrawn, then unknown, then drafts; the newest
/// year, then the latest publication.
pub fn lead(members: &[Member]) -> Option<&Member> {
    members.iter().min_by_key(|m| lead_key(m))
}

/// What a lead folds: earlier (or other) editions, upcoming editions, drafts, amendments
/// and corrigenda.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Folded {
    pub earlier: usize,
    pub upcoming: usize,
    pub drafts: usize,
    pub amendments: usize,
}

impl Folded {
    pub fn total(&self) -> usize {
        self.earlier + self.upcoming + self.drafts + self.amendments
    }
}

/// Counts what the lead `lead_id` folds among `members`.
pub fn folded(members: &[Member], lead_id: i64) -> Folded {
    let mut f = Folded::default();
    for m in members.iter().filter(|m| m.id != lead_id) {
        if m.status == "developing" {
            f.drafts += 1;
        } else if m.is_amendment {
            f.amendments += 1;
        } else if m.status == "upcoming" {
            f.upcoming += 1;
        } else {
            f.earlier += 1;
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(number: &str, status: &str) -> Record {
        let id = super::super::model::ident(number).unwrap();
        Record { number: number.into(), norm: id.norm, base: id.base, kind: id.kind.as_str().into(), prefix: id.prefix, part: id.part, year: id.year.map(i64::from), is_amendment: id.is_amendment, status: status.into(), ..Default::default() }
    }

    #[test]
    fn families_join_editions_stages_and_joint_spellings() {
        let f = |n: &str| family(&rec(n, ""));
        assert_eq!(f("ISO 9001:2015"), "ISO 9001");
        assert_eq!(f("ISO/CD 9001"), "ISO 9001");
        assert_eq!(f("ISO/DIS 9001"), "ISO 9001");
        assert_eq!(f("ISO/CD 9001.2"), "ISO 9001");
        assert_eq!(f("ISO 9001:2015/Amd 1:2024"), "ISO 9001");
        assert_eq!(f("ISO/IEC 27001:2022"), f("ISO/IEC DIS 27001"));
        assert_eq!(f("ISO/TS 22331:2018"), "ISO TS 22331");
        assert_ne!(f("ISO/TS 22331:2018"), f("ISO 22331"));
        assert_eq!(f("GB/T 19001-2016"), "GB/T 19001");
        assert_eq!(f("IEC 62115:2017+AMD1:2025 CSV"), "IEC 62115");
        assert_eq!(f("IEC 62911:2025 RLV"), "IEC 62911");
        assert!(rec("IEC 62911:2025 EXV-CMV", "").is_amendment);
        assert_ne!(f("IEC 60335-1:2020"), f("IEC 60335-2-40:2022"));
    }

    #[test]
    fn the_lead_is_the_edition_in_force() {
        let recs = [rec("ISO 22301:2012", "withdrawn"), rec("ISO 22301:2019", "in_force"), rec("ISO 22301:2019/Amd 1:2024", "in_force"), rec("ISO/DIS 22301", "developing")];
        let members: Vec<Member> = recs.iter().enumerate().map(|(i, r)| Member::of(i as i64, r)).collect();
        let l = lead(&members).unwrap();
        assert_eq!(l.id, 1);
        assert_eq!(folded(&members, l.id), Folded { earlier: 1, upcoming: 0, drafts: 1, amendments: 1 });
        assert!(weight(&recs[1]) > weight(&rec("ISO/TS 22331:2018", "in_force")));
        assert!(weight(&recs[1]) > weight(&recs[0]));
        assert!(weight(&rec("IEC 60335-1:2020", "in_force")) > weight(&rec("IEC 60335-2-40:2022", "in_force")));
    }

    #[test]
    fn own_titles() {
        assert_eq!(own_title("Household and similar electrical appliances - Safety - Part 1: General requirements"), "General requirements");
        assert_eq!(own_title("Security and resilience - Business continuity management systems - Requirements"), "Business continuity management systems — Requirements");
        assert_eq!(own_title("Quality management systems - Requirements"), "Quality management systems — Requirements");
        // Any of the dashes between spaces separates; a hyphen inside a word does not.
        assert_eq!(own_title("Road vehicles — Road-load -- Part 2: Test – methods"), "Test — methods");
        assert_eq!(own_title("Information technology – Security techniques — Code of practice"), "Security techniques — Code of practice");
        assert_eq!(own_title("Self-tapping screws"), "Self-tapping screws");
        assert_eq!(own_title(""), "");
    }

    #[test]
    fn consolidated_versions() {
        assert!(consolidated("IEC 62115:2017+AMD1:2025 CSV"));
        assert!(consolidated("IEC 62911:2025 RLV"));
        assert!(!consolidated("ISO 9001:2015"));
        assert!(!consolidated("ISO/IEC GUIDE 98-3:2008/CSV"));
    }
}
