//! British and American spellings read as one word: a token filter (before stemming) that
//! writes the British forms of the words a standards catalogue uses in their American
//! form (`colour` → `color`, `organisation` → `organization`, `labelling` → `labeling`,
//! `centre` → `center`, `aluminium` → `aluminum`), at index and at query time alike, so
//! that either spelling finds both.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Whole-word stems written differently: British prefix → American prefix. A word that
/// starts with the British stem gets the American one (`colours`, `coloured`,
/// `colourfastness`).
const STEMS: &[(&str, &str)] = &[
    ("aluminium", "aluminum"),
    ("armour", "armor"),
    ("artefact", "artifact"),
    ("behaviour", "behavior"),
    ("calibre", "caliber"),
    ("catalogue", "catalog"),
    ("centre", "center"),
    ("colour", "color"),
    ("defence", "defense"),
    ("dialogue", "dialog"),
    ("analogue", "analog"),
    ("draught", "draft"),
    ("endeavour", "endeavor"),
    ("favour", "favor"),
    ("fibre", "fiber"),
    ("flavour", "flavor"),
    ("fulfil", "fulfill"),
    ("grey", "gray"),
    ("harbour", "harbor"),
    ("honour", "honor"),
    ("humour", "humor"),
    ("judgement", "judgment"),
    ("labour", "labor"),
    ("licence", "license"),
    ("litre", "liter"),
    ("lustre", "luster"),
    ("manoeuvr", "maneuver"),
    ("metre", "meter"),
    ("mould", "mold"),
    ("neighbour", "neighbor"),
    ("odour", "odor"),
    ("offence", "offense"),
    ("plough", "plow"),
    ("practise", "practice"),
    ("programme", "program"),
    ("rigour", "rigor"),
    ("rumour", "rumor"),
    ("sabre", "saber"),
    ("smoulder", "smolder"),
    ("spectre", "specter"),
    ("sulph", "sulf"),
    ("theatre", "theater"),
    ("tumour", "tumor"),
    ("tyre", "tire"),
    ("vapour", "vapor"),
    ("vigour", "vigor"),
    ("ageing", "aging"),
    ("acknowledgement", "acknowledgment"),
    ("skilful", "skillful"),
    ("enrol", "enroll"),
    ("aeroplane", "airplane"),
    ("paediatric", "pediatric"),
    ("orthopaedic", "orthopedic"),
    ("anaesthe", "anesthe"),
    ("haemo", "hemo"),
    ("haema", "hema"),
    ("oesophag", "esophag"),
    ("oestrogen", "estrogen"),
    ("foetal", "fetal"),
    ("foetus", "fetus"),
    ("leukaemia", "leukemia"),
    ("diarrhoea", "diarrhea"),
    ("oedema", "edema"),
    ("caesium", "cesium"),
    ("gynaecolog", "gynecolog"),
];

/// Pieces replaced anywhere in a word (`kilometre`, `millilitre`, `epicentre`).
const INFIXES: &[(&str, &str)] = &[("metre", "meter"), ("litre", "liter"), ("centre", "center"), ("isation", "ization"), ("yse", "yze")];

/// Stems whose `-ll-` forms are written with one `l` in American English (`labelling`,
/// `modelled`, `travellers`).
const DOUBLE_L: &[&str] = &[
    "label", "model", "travel", "cancel", "level", "fuel", "signal", "channel", "tunnel", "marshal", "counsel", "dial",
    "total", "panel", "funnel", "bevel", "gravel", "shovel", "jewel", "enamel", "pedal", "stencil", "initial", "tassel",
    "barrel", "equal", "rival", "duel", "libel", "kernel", "label",
];

/// Words ending in `-ise` (and their forms) that are not British spellings of `-ize`.
const ISE_KEEP: &[&str] = &[
    "precis", "expertis", "exercis", "advis", "devis", "revis", "supervis", "otherwis", "enterpris", "compromis", "compris",
    "premis", "promis", "surpris", "concis", "franchis", "merchandis", "nois", "rais", "ris", "wis", "pois", "cruis",
    "disguis", "despis", "televis", "improvis", "incis", "excis", "chemis", "treatis", "paradis", "aris", "clockwis",
    "likewis", "advertis", "appris", "chastis", "circumcis", "demis", "guis", "mis", "pais", "prais", "reprises", "vis",
    "wais", "bis", "lis", "tois", "expris",
];

/// The American spelling of a lowercase word (the word itself when it has none).
pub fn americanize(word: &str) -> String {
    american(word).unwrap_or_else(|| word.to_string())
}

/// The American spelling of a lowercase word, when it differs (no allocation otherwise).
fn american(word: &str) -> Option<String> {
    if word.len() < 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    for (gb, us) in STEMS {
        if let Some(rest) = word.strip_prefix(gb) {
            // `programmed`, `fulfilling`: forms both spellings share stay as they are.
            let shared = (gb.ends_with('e') && !matches!(rest, "" | "s")) || (gb.ends_with('l') && rest.starts_with('l'));
            if shared {
                return None;
            }
            return Some(format!("{us}{rest}"));
        }
    }
    let mut w = word.to_string();
    let mut changed = false;
    for (gb, us) in INFIXES {
        if *gb == "yse" {
            // analyse, catalyse, paralyse, hydrolyse (not "analyses" as a plural noun: same stem)
            for end in ["lyse", "lysed", "lyser", "lysers", "lysing"] {
                if w.ends_with(end) {
                    let cut = w.len() - end.len();
                    return Some(format!("{}lyze{}", &w[..cut], &end[4..]));
                }
            }
            continue;
        }
        if *gb == "isation" {
            if w.contains(gb) {
                w = w.replace(gb, us);
                changed = true;
            }
            continue;
        }
        let plural = w.ends_with('s') && !gb.ends_with('s');
        let body = if plural { &w[..w.len() - 1] } else { &w[..] };
        if let Some(stem) = body.strip_suffix(gb) {
            w = format!("{stem}{us}{}", if plural { "s" } else { "" });
            changed = true;
        }
    }
    for end in ["lling", "lled", "ller", "llers"] {
        if let Some(stem) = w.strip_suffix(end) {
            let single = format!("{stem}l");
            if DOUBLE_L.iter().any(|s| single.ends_with(s)) {
                return Some(format!("{single}{}", &end[2..]));
            }
        }
    }
    for end in ["ise", "ised", "ises", "ising", "iser", "isers"] {
        if let Some(stem) = w.strip_suffix(end) {
            let head = format!("{stem}is");
            if stem.len() >= 3 && !ISE_KEEP.iter().any(|k| head == *k || (k.len() > 4 && head.ends_with(k))) {
                return Some(format!("{stem}iz{}", &end[2..]));
            }
        }
    }
    changed.then_some(w)
}

/// The token filter of English words (after lowercasing and stop words): the American
/// spelling ([`americanize`]), then the English stem. A catalogue repeats the same few
/// thousand words, so each thread remembers the words it has seen and their stems: an
/// import analyses each distinct word once instead of at every occurrence.
#[derive(Clone)]
pub(crate) struct SpellStem;

impl TokenFilter for SpellStem {
    type Tokenizer<T: Tokenizer> = SpellStemWrapper<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> SpellStemWrapper<T> {
        SpellStemWrapper { tokenizer }
    }
}

#[derive(Clone)]
pub(crate) struct SpellStemWrapper<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for SpellStemWrapper<T> {
    type TokenStream<'a> = SpellStemStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SpellStemStream { tail: self.tokenizer.token_stream(text) }
    }
}

pub(crate) struct SpellStemStream<T> {
    tail: T,
}

/// Words remembered per thread before the memory is cleared and filled again.
const REMEMBERED: usize = 200_000;

thread_local! {
    static WORDS: std::cell::RefCell<(frostem::Stemmer, rustc_hash::FxHashMap<String, String>)> =
        std::cell::RefCell::new((frostem::Stemmer::new(frostem::Algorithm::English), Default::default()));
}

/// Replaces a lowercase word by its American spelling, stemmed, in its own buffer.
fn spell_stem(word: &mut String) {
    WORDS.with(|w| {
        let (stemmer, seen) = &mut *w.borrow_mut();
        if let Some(s) = seen.get(word.as_str()) {
            word.clear();
            word.push_str(s);
            return;
        }
        let us = american(word);
        let stem = stemmer.stem(us.as_deref().unwrap_or(word)).into_owned();
        if seen.len() >= REMEMBERED {
            seen.clear();
        }
        seen.insert(std::mem::replace(word, stem.clone()), stem);
    })
}

impl<T: TokenStream> TokenStream for SpellStemStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        spell_stem(&mut self.tail.token_mut().text);
        true
    }
    fn token(&self) -> &Token {
        self.tail.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::americanize as us;

    #[test]
    fn british_words_become_american() {
        for (gb, am) in [
            ("colour", "color"),
            ("colours", "colors"),
            ("organisation", "organization"),
            ("organisations", "organizations"),
            ("labelling", "labeling"),
            ("modelled", "modeled"),
            ("centre", "center"),
            ("kilometres", "kilometers"),
            ("aluminium", "aluminum"),
            ("tyres", "tires"),
            ("fibre", "fiber"),
            ("behaviour", "behavior"),
            ("analyse", "analyze"),
            ("standardised", "standardized"),
            ("harmonise", "harmonize"),
            ("sulphur", "sulfur"),
            ("programme", "program"),
            ("programmes", "programs"),
        ] {
            assert_eq!(us(gb), am, "{gb}");
        }
        for same in ["precise", "exercise", "enterprise", "revised", "advise", "noise", "contour", "hour", "color", "control", "controlled", "installed", "rise", "wise", "analysis", "otherwise", "premises", "supervision", "programmed", "fulfilling", "programming"] {
            assert_eq!(us(same), same, "{same}");
        }
    }
}
