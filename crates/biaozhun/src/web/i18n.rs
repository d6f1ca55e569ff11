//! Translations: `locales/<lang>.toml` for the shared strings and `locales/<room>.<lang>.toml`
//! for each domain's own (nested tables flatten to dotted keys; a key may be defined once).
//! Templates call `t("key")`; Rust code calls [`t`]. zh-CN is the default language.

use include_dir::{Dir, include_dir};
use std::collections::HashMap;
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

/// Every key of a language (for the completeness test).
pub fn keys(lang: Lang) -> Vec<String> {
    CATALOGS.get(lang.code()).map(|c| c.keys().cloned().collect()).unwrap_or_default()
}
