//! Login captcha: an image drawn on the server, single use, valid five minutes,
//! compared case-insensitively.
//!
//! A challenge id carries its own expiry and a MAC made with the site secret (kept in the
//! database, so every server agrees); the answer is derived from the id with the same
//! secret. Showing a login box therefore writes nothing; only answering does: the id is
//! recorded in `captcha_used`, and a second use is refused on any server.

use crate::App;
use crate::web::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

pub const TTL_SECS: i64 = 300;
const LEN: usize = 5;
/// Characters that cannot be mistaken for one another (no 0/O, 1/I/L? L kept, 8/B, 5/S, 2/Z).
const ALPHABET: &[u8] = b"2345679ACDEFGHJKLMNPQRTUVWXY";

fn mac(secret: &[u8], data: &str) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length works");
    m.update(data.as_bytes());
    m.finalize().into_bytes().into()
}

/// A fresh challenge id: `<expiry>.<nonce>.<mac>`.
pub fn new_id(secret: &[u8]) -> String {
    new_id_expiring(secret, crate::util::now() + TTL_SECS)
}

/// A challenge id that expires at `expires` (Unix seconds).
pub fn new_id_expiring(secret: &[u8], expires: i64) -> String {
    let body = format!("{expires}.{}", crate::util::random_token(12));
    let sig = hex::encode(&mac(secret, &format!("captcha-id:{body}"))[..12]);
    format!("{body}.{sig}")
}

/// The id's expiry, if the id is well-formed and was made with this secret.
fn check_id(secret: &[u8], id: &str) -> Option<i64> {
    if id.len() > 100 {
        return None;
    }
    let (body, sig) = id.rsplit_once('.')?;
    let expected = hex::encode(&mac(secret, &format!("captcha-id:{body}"))[..12]);
    if !crate::util::ct_eq(sig, &expected) {
        return None;
    }
    body.split('.').next()?.parse().ok()
}

/// The answer to a challenge. Public so that the benchmark and the test hook can answer;
/// nothing reaches it over HTTP in a release build.
pub fn answer(secret: &[u8], id: &str) -> String {
    let bytes = mac(secret, &format!("captcha-answer:{id}"));
    bytes[..LEN].iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

pub enum Outcome {
    Ok,
    Wrong,
    Expired,
    Reused,
}

impl Outcome {
    /// The i18n key of what went wrong, or `None` for a right answer.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            Outcome::Ok => None,
            Outcome::Wrong => Some("auth.captcha_wrong"),
            Outcome::Expired => Some("auth.captcha_expired"),
            Outcome::Reused => Some("auth.captcha_reused"),
        }
    }
}

/// Checks and consumes a challenge. A wrong answer also consumes it, so each image can
/// be tried once.
pub async fn verify(app: &App, id: &str, input: &str) -> Result<Outcome, AppError> {
    let Some(expires) = check_id(&app.secret, id) else {
        return Ok(Outcome::Wrong);
    };
    let now = crate::util::now();
    if expires < now {
        return Ok(Outcome::Expired);
    }
    let inserted = sqlx::query("INSERT INTO captcha_used (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(expires)
        .execute(&app.db.pool)
        .await?
        .rows_affected();
    if inserted == 0 {
        return Ok(Outcome::Reused);
    }
    let given: String = input.trim().to_ascii_uppercase();
    if crate::util::ct_eq(&given, &answer(&app.secret, id)) { Ok(Outcome::Ok) } else { Ok(Outcome::Wrong) }
}

/// Forgets used ids whose challenge has expired anyway.
pub async fn purge(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM captcha_used WHERE expires_at < $1")
        .bind(crate::util::now())
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Drawing

/// 5×7 glyphs, one byte a row, low five bits used.
fn glyph(c: u8) -> [u8; 7] {
    match c {
        b'2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        b'3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        b'4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        b'5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        b'6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        b'7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        b'9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        b'A' => [0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11],
        b'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        b'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        b'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        b'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        b'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        b'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        b'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        b'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        b'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        b'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        b'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        b'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        b'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        b'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        b'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        b'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        b'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        b'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        b'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        _ => [0; 7],
    }
}

pub const WIDTH: u32 = 150;
pub const HEIGHT: u32 = 50;

/// Draws the challenge as an RGB PNG.
pub fn draw(secret: &[u8], id: &str) -> Vec<u8> {
    let text = answer(secret, id);
    let seed = mac(secret, &format!("captcha-draw:{id}"));
    // Seeded from the challenge, so every server draws the same picture for the same id.
    let mut rng = crate::util::XorShift(u64::from_le_bytes(seed[..8].try_into().unwrap_or([7; 8])) | 1);
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut px = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let shade = 236 + ((x * 7 + y * 3) % 19) as u8;
            px[(y * w + x) * 3..][..3].copy_from_slice(&[shade, shade.saturating_sub(4), 250]);
        }
    }
    struct G {
        bits: [u8; 7],
        cx: f32,
        cy: f32,
        cos: f32,
        sin: f32,
        scale: f32,
        color: [u8; 3],
    }
    let glyphs: Vec<G> = text
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let angle = (rng.unit() - 0.5) * 0.7;
            G {
                bits: glyph(c),
                cx: 18.0 + i as f32 * 28.0 + (rng.unit() - 0.5) * 6.0,
                cy: 25.0 + (rng.unit() - 0.5) * 8.0,
                cos: angle.cos(),
                sin: angle.sin(),
                scale: 4.0 + rng.unit() * 1.0,
                color: [(rng.next() % 90) as u8, (rng.next() % 90) as u8, 60 + (rng.next() % 100) as u8],
            }
        })
        .collect();
    let phase = rng.unit() * 6.28;
    for y in 0..h {
        for x in 0..w {
            let wx = x as f32 + 2.5 * ((y as f32) / 6.0 + phase).sin();
            let wy = y as f32 + 1.5 * ((x as f32) / 9.0 + phase).sin();
            for g in &glyphs {
                let dx = wx - g.cx;
                let dy = wy - g.cy;
                let u = (dx * g.cos + dy * g.sin) / g.scale + 2.5;
                let v = (-dx * g.sin + dy * g.cos) / g.scale + 3.5;
                if (0.0..5.0).contains(&u) && (0.0..7.0).contains(&v) {
                    let row = g.bits[v as usize];
                    if row & (0x10 >> (u as u32)) != 0 {
                        px[(y * w + x) * 3..][..3].copy_from_slice(&g.color);
                    }
                }
            }
        }
    }
    // Interfering lines and speckles.
    for _ in 0..4 {
        let (mut x, mut y) = (rng.unit() * w as f32, rng.unit() * h as f32);
        let (dx, dy) = ((rng.unit() - 0.5) * 2.0, (rng.unit() - 0.5) * 0.8);
        let color = [(rng.next() % 120) as u8, (rng.next() % 120) as u8, (rng.next() % 160) as u8];
        for _ in 0..160 {
            if x >= 0.0 && y >= 0.0 && (x as usize) < w && (y as usize) < h {
                px[(y as usize * w + x as usize) * 3..][..3].copy_from_slice(&color);
            }
            x += dx;
            y += dy;
        }
    }
    for _ in 0..250 {
        let i = (rng.next() as usize) % (w * h);
        let c = (rng.next() % 200) as u8;
        px[i * 3..][..3].copy_from_slice(&[c, c / 2, 255 - c]);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Ok(mut writer) = enc.write_header() {
            let _ = writer.write_image_data(&px);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// HTTP

#[derive(Serialize, utoipa::ToSchema)]
pub struct Challenge {
    /// Send back as `captcha_id` with the answer.
    pub id: String,
    /// The image to show.
    pub image: String,
    pub expires_in: i64,
}

pub fn challenge(app: &App) -> Challenge {
    let id = new_id(&app.secret);
    Challenge { image: format!("/captcha/{id}.png"), id, expires_in: TTL_SECS }
}

/// A new challenge (used by the refresh button and API clients).
#[utoipa::path(get, path = "/api/v1/captcha", tag = "auth", responses((status = 200, body = Challenge)))]
pub async fn api_new(State(app): State<App>) -> Json<Challenge> {
    Json(challenge(&app))
}

pub async fn image(State(app): State<App>, Path(file): Path<String>) -> Result<Response, AppError> {
    let id = file.strip_suffix(".png").ok_or(AppError::NotFound)?;
    check_id(&app.secret, id).ok_or(AppError::NotFound)?;
    let mut resp = draw(&app.secret, id).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Test hook: the answer to a challenge. Compiled only into debug builds, and served
/// only when `BIAOZHUN_TEST_HOOKS=1`, so a release build cannot enable it.
#[cfg(debug_assertions)]
pub async fn test_answer(State(app): State<App>, Path(id): Path<String>, _ctx: crate::web::Ctx) -> Result<String, AppError> {
    if std::env::var("BIAOZHUN_TEST_HOOKS").as_deref() != Ok("1") {
        return Err(AppError::NotFound);
    }
    Ok(answer(&app.secret, &id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_signed_and_answers_stable() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let id = new_id(secret);
        assert!(check_id(secret, &id).is_some());
        assert!(check_id(b"another secret", &id).is_none());
        let tampered = id.replacen('1', "2", 1);
        if tampered != id {
            assert!(check_id(secret, &tampered).is_none());
        }
        assert_eq!(answer(secret, &id), answer(secret, &id));
        assert_eq!(answer(secret, &id).len(), LEN);
        let png = draw(secret, &id);
        assert_eq!(&png[1..4], b"PNG");
    }
}
