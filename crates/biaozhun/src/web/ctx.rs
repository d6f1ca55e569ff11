//! The request context: who is asking (session cookie or API token), in which language,
//! from which address, with which CSRF token. One middleware builds it, checks CSRF on
//! every state-changing request, and turns handler errors into pages or JSON.

use super::error::{AppError, ErrorInfo};
use super::i18n::{self, Lang};
use crate::App;
use crate::auth::{self, CurrentUser};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "bz_session";
pub const CSRF_COOKIE: &str = "bz_csrf";
pub const LANG_COOKIE: &str = "bz_lang";
pub const FLASH_COOKIE: &str = "bz_flash";
pub const ACCOUNT_COOKIE: &str = "bz_account";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Clone)]
pub struct Ctx {
    pub user: Option<Arc<CurrentUser>>,
    pub lang: Lang,
    pub csrf: String,
    pub ip: String,
    pub path: String,
    pub query: String,
    /// A one-shot message from the previous page (already translated).
    pub flash: Option<String>,
    pub remembered_account: Option<String>,
    pub is_api: bool,
    pub user_agent: String,
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        i18n::tf(self.lang, key, args)
    }
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }
    /// The logged-in user, or 401.
    pub fn require_user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_deref().ok_or(AppError::Unauthorized)
    }

    /// Renders a page with the shared context (user, language, CSRF token, flash).
    pub fn render(&self, app: &App, name: &str, extra: Value) -> Result<Response, AppError> {
        self.render_status(app, StatusCode::OK, name, extra)
    }

    pub fn render_status(&self, app: &App, status: StatusCode, name: &str, extra: Value) -> Result<Response, AppError> {
        let base = context! {
            lang => self.lang.code(),
            other_lang => if self.lang == Lang::Zh { "en" } else { "zh-CN" },
            csrf => &self.csrf,
            user => self.user.as_deref().map(UserView::from),
            path => &self.path,
            path_and_query => self.path_and_query(),
            flash => &self.flash,
            site_name => self.t("site.name"),
        };
        let ctx = context! { ..extra, ..base };
        let html = app.templates.render(name, ctx).map_err(|e| AppError::Internal(anyhow::anyhow!("template {name}: {e:#}")))?;
        Ok((status, Html(html)).into_response())
    }

    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() { self.path.clone() } else { format!("{}?{}", self.path, self.query) }
    }
}

/// What templates see of the current user.
#[derive(Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_staff: bool,
    pub is_admin: bool,
    pub is_expert: bool,
    pub is_member: bool,
    pub member_until: Option<i64>,
    pub unread: i64,
    /// Mails in the site's outbox, for staff when no SMTP relay is configured.
    pub outbox: Option<i64>,
}

impl From<&CurrentUser> for UserView {
    fn from(u: &CurrentUser) -> Self {
        use crate::auth::Role;
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: if u.display_name.is_empty() { u.username.clone() } else { u.display_name.clone() },
            is_staff: u.has(Role::Staff),
            is_admin: u.has(Role::Admin),
            is_expert: u.has(Role::Expert),
            is_member: u.is_member(),
            member_until: u.member_until,
            unread: u.unread,
            outbox: u.outbox,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context middleware not installed")))
    }
}

pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            Some((k.trim(), v.trim()))
        })
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookies(headers).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// A `Set-Cookie` value. `max_age` of `Some(0)` deletes the cookie; `None` makes it last
/// for the browser session.
pub fn set_cookie(app: &App, name: &str, value: &str, max_age: Option<i64>, http_only: bool) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        s.push_str("; HttpOnly");
    }
    if app.config.secure_cookies {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// A redirect that carries a one-shot message (an i18n key) to the next page.
pub fn redirect_with_flash(app: &App, to: &str, flash_key: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(app, FLASH_COOKIE, flash_key, Some(60), true));
    resp
}

/// The one gate for every redirect to a target the visitor supplied (`next=`): the target
/// if it is a path of this site as a browser reads it, else the home page.
///
/// Before parsing a URL a browser removes tabs and newlines anywhere in it, trims control
/// characters and spaces at its ends, and reads `\` as `/`; so `/<TAB>/evil.example` and
/// `/\evil.example` are `//evil.example`, another host. Rather than repeat that clean-up,
/// any control character, white space (Unicode's too), invisible formatting character or
/// backslash refuses the target; what is left must start with exactly one `/` (so no
/// scheme and no host). The result is percent-encoded to plain ASCII for `Location`.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_site_path).unwrap_or_else(|| "/".to_string())
}

/// Characters escaped in a redirect target (besides everything outside ASCII).
const LOCATION: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`').add(b'{').add(b'}').add(b'|').add(b'^');

fn same_site_path(next: &str) -> Option<String> {
    if next.len() > 2048 || next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\' || invisible(c)) {
        return None;
    }
    let rest = next.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    Some(percent_encoding::utf8_percent_encode(next, LOCATION).to_string())
}

/// Unicode's default-ignorable code points: shown as nothing, so a target holding one is
/// not what it looks like.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// The CSRF token of a browser session: a MAC of the session id (its stored hash) with the
/// site secret. Only someone holding the session cookie can learn it from a page, and a
/// `bz_csrf` cookie planted from a sibling host has no say: the server derives the token
/// from the session, not from that cookie.
pub fn session_csrf(secret: &[u8], session_hash: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("any key length works");
    m.update(b"csrf\0");
    m.update(session_hash.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

fn client_ip(app: &App, req: &Request) -> String {
    if app.config.trust_proxy {
        if let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
        {
            return ip.trim().to_string();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn valid_token_shape(s: &str) -> bool {
    s.len() >= 32 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// The context middleware (see module docs).
pub async fn context_layer(State(app): State<App>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let is_api = path.starts_with("/api/");
    let headers = req.headers();
    let lang = cookie(headers, LANG_COOKIE).and_then(Lang::parse).unwrap_or_default();
    let csrf_cookie = cookie(headers, CSRF_COOKIE).filter(|c| valid_token_shape(c)).map(str::to_string);
    let flash = cookie(headers, FLASH_COOKIE)
        .filter(|k| k.len() < 80 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_'))
        .and_then(|k| i18n::lookup(lang, &format!("flash.{k}")));
    let had_flash = cookie(headers, FLASH_COOKIE).is_some();
    let remembered_account = cookie(headers, ACCOUNT_COOKIE)
        .and_then(|v| percent_encoding::percent_decode_str(v).decode_utf8().ok().map(|s| s.into_owned()))
        .filter(|s| !s.is_empty() && s.chars().count() <= 64);
    let ip = client_ip(&app, &req);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect::<String>();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string());
    let session_cookie = cookie(headers, SESSION_COOKIE).map(str::to_string);

    // Text with a NUL character is refused before anything reads it (see `web::nul_error`).
    // An encoded NUL is always `%00` (a literal `%` is `%25`).
    if path.contains("%00") {
        return error_response(&app, lang, is_api, &path, &query, AppError::NotFound);
    }
    if query.contains("%00") {
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(&query).unwrap_or_default();
        let name = super::nul_pair(&pairs).unwrap_or_default().to_string();
        return error_response(&app, lang, is_api, &path, &query, super::nul_error(&name));
    }

    let user = match (&bearer, &session_cookie) {
        (Some(tok), _) => match auth::tokens::authenticate(&app, tok).await {
            Ok(Some(u)) => Some(Arc::new(u)),
            Ok(None) => return error_response(&app, lang, is_api, &path, &query, AppError::Unauthorized),
            Err(e) => return error_response(&app, lang, is_api, &path, &query, e),
        },
        (None, Some(sid)) => match auth::sessions::load(&app, sid).await {
            Ok(u) => u.map(Arc::new),
            Err(e) => return error_response(&app, lang, is_api, &path, &query, e),
        },
        (None, None) => None,
    };

    // A token acts only within its scopes (auth::tokens): a read token changes nothing, and
    // only an admin token manages tokens.
    if let Some(scopes) = user.as_ref().and_then(|u| u.token_scopes) {
        if let Some(key) = auth::tokens::refusal(scopes, req.method(), &path) {
            let info = ErrorInfo { code: "forbidden", message: i18n::t(lang, key), field: None };
            return render_error(&app, lang, is_api, &path, &query, StatusCode::FORBIDDEN, info);
        }
    }

    // The CSRF token: bound to the session when there is one; before login, the random
    // pre-session value of the `bz_csrf` cookie (replaced at login by the bound one).
    let (csrf, new_csrf) = match user.as_ref().and_then(|u| u.session_id.as_deref()) {
        Some(hash) => (session_csrf(&app.secret, hash), false),
        None => match &csrf_cookie {
            Some(c) => (c.clone(), false),
            None => (crate::util::random_token(32), true),
        },
    };
    let send_csrf_cookie = csrf_cookie.as_deref() != Some(csrf.as_str());

    let mut req = req;
    // CSRF: every state-changing request that could ride on the browser's cookies must
    // carry the token (header, query `_csrf`, or form field). Requests authenticated by an
    // API token, and cookie-less API calls, carry no ambient authority and are exempt.
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && bearer.is_none() && !(is_api && session_cookie.is_none()) {
        let mut presented = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(&query)
                    .ok()
                    .and_then(|v| v.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
            });
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if presented.is_none() && is_form {
            let (parts, body) = req.into_parts();
            let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
                Ok(b) => b,
                Err(_) => return error_response(&app, lang, is_api, &path, &query, AppError::TooLarge),
            };
            presented = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|v| v.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
            req = Request::from_parts(parts, Body::from(bytes));
        }
        let ok = !new_csrf && presented.as_deref().is_some_and(|p| crate::util::ct_eq(p, &csrf));
        if !ok {
            let err = AppError::Invalid { field: Some(CSRF_FIELD.into()), message: i18n::t(lang, "error.csrf") };
            let mut resp = error_response(&app, lang, is_api, &path, &query, err);
            *resp.status_mut() = StatusCode::FORBIDDEN;
            if send_csrf_cookie {
                resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, CSRF_COOKIE, &csrf, None, true));
            }
            return resp;
        }
    }

    let ctx = Ctx {
        user,
        lang,
        csrf: csrf.clone(),
        ip,
        path: path.clone(),
        query: query.clone(),
        flash,
        remembered_account,
        is_api,
        user_agent,
    };
    req.extensions_mut().insert(ctx);
    req.extensions_mut().insert(app.clone());
    let mut resp = next.run(req).await;

    if let Some(info) = resp.extensions_mut().remove::<ErrorInfo>() {
        let status = resp.status();
        let retry = resp.headers().get(header::RETRY_AFTER).cloned();
        resp = render_error(&app, lang, is_api, &path, &query, status, info);
        if let Some(r) = retry {
            resp.headers_mut().insert(header::RETRY_AFTER, r);
        }
    }
    let sets_flash = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if had_flash && !sets_flash {
        resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, FLASH_COOKIE, "", Some(0), true));
    }
    let sets_csrf = resp.headers().get_all(header::SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
    if send_csrf_cookie && !is_api && !sets_csrf {
        resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, CSRF_COOKIE, &csrf, None, true));
    }
    resp
}

fn error_response(app: &App, lang: Lang, is_api: bool, path: &str, query: &str, e: AppError) -> Response {
    let mut resp = e.into_response();
    let info = resp.extensions_mut().remove::<ErrorInfo>().unwrap_or(ErrorInfo {
        code: "internal",
        message: String::new(),
        field: None,
    });
    let retry = resp.headers().get(header::RETRY_AFTER).cloned();
    let mut out = render_error(app, lang, is_api, path, query, resp.status(), info);
    if let Some(r) = retry {
        out.headers_mut().insert(header::RETRY_AFTER, r);
    }
    out
}

fn render_error(app: &App, lang: Lang, is_api: bool, path: &str, query: &str, status: StatusCode, info: ErrorInfo) -> Response {
    let message = if info.message.is_empty() { i18n::t(lang, &format!("error.{}", info.code)) } else { info.message };
    if is_api {
        let body = serde_json::json!({ "error": { "code": info.code, "message": message, "field": info.field } });
        return (status, axum::Json(body)).into_response();
    }
    if status == StatusCode::UNAUTHORIZED {
        let next = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
        let to = format!("/login?next={}", percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC));
        return Redirect::to(&to).into_response();
    }
    let ctx = context! {
        lang => lang.code(),
        status => status.as_u16(),
        title => i18n::t(lang, &format!("error_title.{}", info.code)),
        message => message,
        site_name => i18n::t(lang, "site.name"),
        path => path,
    };
    match app.templates.render("error.html", ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("error page failed: {e:#}");
            (status, message).into_response()
        }
    }
}

/// The Content-Security-Policy of every response: no inline script, no plugins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Whether the request reached us over HTTPS: the site's public address is `https://…`, or
/// a trusted proxy says so in `X-Forwarded-Proto`.
pub fn arrived_over_https(app: &App, headers: &HeaderMap) -> bool {
    app.config.base_url.starts_with("https://")
        || (app.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

/// Security headers on every response (pages, API, static files, errors).
pub async fn security_headers(State(app): State<App>, req: Request, next: Next) -> Response {
    let https = arrived_over_https(&app, req.headers());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn redirect_targets_are_paths_of_this_site() {
        for (given, to) in [("/standards?q=GB%2FT", "/standards?q=GB%2FT"), ("/tbt#top", "/tbt#top"), ("/search?q=吸油烟机", "/search?q=%E5%90%B8%E6%B2%B9%E7%83%9F%E6%9C%BA")] {
            assert_eq!(safe_next(Some(given)), to, "{given:?}");
        }
        for evil in [
            "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example", "//evil.example", "/\\evil.example",
            "\\/evil.example", "/x\\y", "https://evil.example", "javascript:alert(1)", " /x", "/x ", "/\u{3000}/evil.example",
            "/\u{a0}x", "/\u{200b}/evil.example", "/\u{202e}x", "/\u{0}x", "evil.example", "", "///evil.example",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }
}
