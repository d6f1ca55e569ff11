//! Translations: `locales/<lang>.toml` for the shared strings and `locales/<room>.<lang>.toml`
//! for each domain's own (nested tables flatten to dotted keys; a key may be defined once).
//! Templates call `t("key")`; Rust code calls [`t`]. zh-CN is the default language.

use include_dir::{Dir, include_dir};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

static DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/locales");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];
}

type Catalog = HashMap<String, String>;

static CATALOGS: LazyLock<HashMap<&'static str, Catalog>> = LazyLock::new(|| {
    let mut out = HashMap::new();
    for lang in Lang::ALL {
        let whole = format!("{}.toml", lang.code());
        let suffix = format!(".{}.toml", lang.code());
        let mut cat = Catalog::new();
        for f in DIR.files() {
            let name = f.path().to_string_lossy();
            if name != whole && !name.ends_with(&suffix) {
                continue;
            }
            let value: toml::Value = toml::from_str(f.contents_utf8().unwrap_or(""))
                .unwrap_or_else(|e| panic!("locales/{name} is not valid TOML: {e}"));
            flatten("", &value, &mut cat);
        }
        out.insert(lang.code(), cat);
    }
    out
});

fn flatten(prefix: &str, v: &toml::Value, out: &mut Catalog) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// The text for `key` in `lang`; falls back to Chinese, then to the key itself.
pub fn t(lang: Lang, key: &str) -> String {
    lookup(lang, key).unwrap_or_else(|| key.to_string())
}

pub fn lookup(lang: Lang, key: &str) -> Option<String> {
    CATALOGS
        .get(lang.code())
        .and_then(|c| c.get(key))
        .or_else(|| CATALOGS.get(Lang::Zh.code()).and_then(|c| c.get(key)))
        .cloned()
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A parser error (`stdnum`) in words of `lang`.
pub fn explain(lang: Lang, e: &dyn stdnum::explain::Explain) -> String {
    let args = e.args();
    let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tf(lang, &format!("stdnum.{}", e.key()), &pairs)
}

/// A row problem of an import (`imports::Problem`) in words of `lang`: the text of
/// `problem.<code>` with its values, `{cause}` being the parser's reason (a key under
/// `stdnum.` and its values) in the same language.
pub fn problem(lang: Lang, code: &str, args: &BTreeMap<String, String>, cause: Option<(&str, &BTreeMap<String, String>)>) -> String {
    let mut pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let reason = cause.map(|(key, a)| {
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        tf(lang, &format!("stdnum.{key}"), &a)
    });
    if let Some(r) = &reason {
        pairs.push(("cause", r.as_str()));
    }
    tf(lang, &format!("problem.{code}"), &pairs)
}

fn args_of(v: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    v.and_then(|v| v.as_object())
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect())
        .unwrap_or_default()
}

/// A sentence kept as data, `{"key": "…", "args": {"name": value, …}}`, in words of `lang`.
pub fn said(lang: Lang, v: &serde_json::Value) -> String {
    let args = args_of(v.get("args"));
    let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    tf(lang, v.get("key").and_then(|k| k.as_str()).unwrap_or_default(), &pairs)
}

/// Words again, in `lang`, what a job's result keeps as data: the summary (`said`, a
/// sentence as [`said`] reads it, after the uploaded `file`'s name when there is one) and
/// the row problems (`errors` and `warnings`, each an `imports::Problem` as JSON), whose
/// `message` becomes the reader's language. Results kept before they had codes keep the
/// words they have.
pub fn word_result(lang: Lang, result: &mut serde_json::Value) {
    if let Some(s) = result.get("said").filter(|s| s.get("key").is_some()) {
        let text = said(lang, s);
        let text = match result.get("file").and_then(|f| f.as_str()) {
            Some(f) => format!("{f}: {text}"),
            None => text,
        };
        result["summary"] = serde_json::Value::String(text);
    }
    for part in ["errors", "warnings"] {
        let Some(list) = result.get_mut(part).and_then(|l| l.as_array_mut()) else { continue };
        for p in list.iter_mut() {
            let Some(code) = p.get("code").and_then(|c| c.as_str()).map(str::to_string) else { continue };
            let args = args_of(p.get("args"));
            let cause = p.get("cause").and_then(|c| Some((c.get("key")?.as_str()?.to_string(), args_of(c.get("args")))));
            let text = problem(lang, &code, &args, cause.as_ref().map(|(k, a)| (k.as_str(), a)));
            p["message"] = serde_json::Value::String(text);
        }
    }
}

/// Every key of a language (for the completeness test).
pub fn keys(lang: Lang) -> Vec<String> {
    CATALOGS.get(lang.code()).map(|c| c.keys().cloned().collect()).unwrap_or_default()
}
