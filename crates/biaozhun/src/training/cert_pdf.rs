//! `GET /training/certificates/{number}.pdf`: a certificate as an A4 PDF for its holder and
//! staff (the public verification stays the HTML page). The sheet is worded in Chinese with
//! English beside the labels, whatever the reader's language, as a printed certificate is.

use super::cert_store::{self as cs, Certificate};
use super::pdf::{self, Sheet};
use crate::App;
use crate::auth::Role;
use crate::web::i18n::{t, tf};
use crate::web::{AppError, AppResult, Ctx, Lang};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The PDF of the certificate numbered `number` (typed loosely, as on the verification
/// page): 404 for no such number, 403 for anyone but the holder and staff.
pub async fn download(app: &App, ctx: &Ctx, number: &str) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let n = cs::parse_number(number).map_err(|_| AppError::NotFound)?;
    let c = cs::by_number(app, &n).await?.ok_or(AppError::NotFound)?;
    if c.user_id != user.id && !user.has(Role::Staff) {
        return Err(AppError::Forbidden);
    }
    let verify_url = format!("{}/certificates/{}", app.config.base_url.trim_end_matches('/'), c.number);
    let bytes = render(&c, &verify_url, crate::util::now()).ok_or_else(|| AppError::Internal(anyhow::anyhow!("the certificate font could not be read")))?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}.pdf\"", c.number)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}

/// The sheet of a certificate, drawn.
pub fn render(c: &Certificate, verify_url: &str, now: i64) -> Option<Vec<u8>> {
    let (zh, en) = (Lang::Zh, Lang::En);
    let issuer = t(zh, "site.name");
    let body_key = if c.kind == "completion" { "certificate.doc_body_completion" } else { "certificate.doc_body_exam" };
    let body = tf(zh, body_key, &[("holder", &c.holder_name), ("title", &c.title)]);
    let kind = t(zh, &format!("certificate.kind_{}", c.kind));
    let fact = |key: &str, value: String| (t(zh, key), t(en, key), value);
    let mut facts = vec![
        fact("certificate.number", c.number.clone()),
        fact("certificate.holder", c.holder_name.clone()),
        fact("certificate.kind", kind.clone()),
        fact("certificate.f_title", c.title.clone()),
        fact("certificate.issued_on", crate::util::fmt_date(c.issued_on)),
        fact("certificate.expires_on", crate::util::fmt_date(c.expires_on)),
    ];
    facts.push((t(zh, "certificate.pdf_issuer"), t(en, "certificate.pdf_issuer"), issuer.clone()));
    let warning = match c.status(now) {
        "revoked" => Some(tf(zh, "certificate.revoked_on", &[("date", &crate::util::fmt_date(c.revoked_at.unwrap_or(now))), ("reason", c.revoke_reason.as_deref().unwrap_or(""))])),
        "expired" => Some(tf(zh, "certificate.expired_on", &[("date", &crate::util::fmt_date(c.expires_on))])),
        _ => None,
    };
    let lacking: String = pdf::missing(&c.holder_name).into_iter().collect();
    let footnote = (!lacking.is_empty()).then(|| tf(zh, "certificate.pdf_missing_glyphs", &[("chars", &lacking)]));
    let heading = t(zh, "certificate.doc_title");
    let title = format!("{heading} {}", c.number);
    let verify_label = t(zh, "certificate.doc_verify");
    pdf::render(&Sheet {
        issuer: &issuer,
        heading: &heading,
        heading_en: "CERTIFICATE",
        kind: &kind,
        body: &body,
        facts,
        warning,
        footnote,
        verify_label: &verify_label,
        verify_url,
        title: &title,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(holder: &str) -> Certificate {
        Certificate {
            id: 1,
            number: "GZBA-2026-000123-7".into(),
            kind: "supervisor".into(),
            user_id: 1,
            holder_name: holder.into(),
            title: "标准实施监督员培训考核（2026 年第二期，含《标准化法》《广东省标准化条例》及团体标准实施监督实务）".into(),
            session_id: None,
            issued_on: 1_780_000_000,
            expires_on: 1_870_000_000,
            revoked_at: Some(1_790_000_000),
            revoke_reason: Some("持证人申请注销".into()),
        }
    }

    #[test]
    fn a_revoked_sheet_says_so_and_names_characters_the_font_lacks() {
        let pdf = render(&certificate("王堃"), "https://example.org/certificates/GZBA-2026-000123-7", 1_800_000_000).unwrap();
        if let Some(out) = std::env::var_os("BIAOZHUN_PDF_OUT2") {
            std::fs::write(out, &pdf).unwrap();
        }
        let text = String::from_utf8_lossy(&pdf);
        // The revocation (撤销) and its reason (注销), and the foot note (字体) are on the page.
        for c in ['撤', '销', '注', '字', '体'] {
            assert!(text.contains(&format!("<{:04X}>", u32::from(c))), "{c}");
        }
        // 堃 has no glyph: it is not claimed by the ToUnicode map.
        assert!(!text.contains("<5803>"));
        assert!(pdf.len() < 80_000, "{}", pdf.len());
    }
}
