//! The template environment (minijinja). Templates are embedded in the binary; setting
//! `BIAOZHUN_TEMPLATE_DIR` loads them from disk at each render instead (for development).

use super::i18n::{self, Lang};
use include_dir::{Dir, include_dir};
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State, Value};

static DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

pub struct Templates {
    env: Environment<'static>,
    dev_dir: Option<std::path::PathBuf>,
}

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

fn build_env(dev_dir: Option<std::path::PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".svg") || name.ends_with(".xml") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    match dev_dir {
        Some(dir) => env.set_loader(minijinja::path_loader(dir)),
        None => env.set_loader(|name| {
            Ok(DIR.get_file(name).and_then(|f| f.contents_utf8()).map(str::to_string))
        }),
    }
    env.add_function("t", |state: &State, key: &str, kwargs: Kwargs| -> Result<String, Error> {
        let mut s = i18n::t(lang_of(state), key);
        for k in kwargs.args() {
            let v: Value = kwargs.get(k)?;
            s = s.replace(&format!("{{{k}}}"), &v.to_string());
        }
        Ok(s)
    });
    // The text of `key` when the catalogue has it, else `fallback` (codes shown as they are).
    env.add_function("t_or", |state: &State, key: &str, fallback: &str| -> String {
        i18n::lookup(lang_of(state), key).unwrap_or_else(|| fallback.to_string())
    });
    env.add_filter("date", |ts: Option<i64>| ts.map(crate::util::fmt_date).unwrap_or_default());
    env.add_filter("datetime", |ts: Option<i64>| {
        ts.map(crate::util::fmt_datetime).unwrap_or_default()
    });
    env.add_filter("urlq", |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    });
    env
}

impl Templates {
    pub fn new() -> Templates {
        let dev_dir = std::env::var_os("BIAOZHUN_TEMPLATE_DIR").map(std::path::PathBuf::from);
        Templates { env: build_env(dev_dir.clone()), dev_dir }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        if self.dev_dir.is_some() {
            let env = build_env(self.dev_dir.clone());
            return env.get_template(name)?.render(ctx);
        }
        self.env.get_template(name)?.render(ctx)
    }

    /// Names of every embedded template (for tests that check translations).
    pub fn embedded_sources() -> Vec<(String, String)> {
        fn walk(d: &Dir<'_>, out: &mut Vec<(String, String)>) {
            for f in d.files() {
                if let Some(s) = f.contents_utf8() {
                    out.push((f.path().display().to_string(), s.to_string()));
                }
            }
            for sub in d.dirs() {
                walk(sub, out);
            }
        }
        let mut out = Vec::new();
        walk(&DIR, &mut out);
        out
    }

    pub fn missing(name: &str) -> Error {
        Error::new(ErrorKind::TemplateNotFound, name.to_string())
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}
