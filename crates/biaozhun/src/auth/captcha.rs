//! The captcha: a picture of four characters drawn on the server, or (the accessible
//! alternative) a sum in words in the page's language; single use, valid five minutes.
//!
//! A challenge id carries its own expiry, its kind and a MAC made with the site secret (kept
//! in the database, so every server agrees); the answer is derived from the id with the same
//! secret. Showing a form therefore writes nothing; only answering does: the id is recorded
//! in `captcha_used`, and a second use is refused on any server.
//!
//! Where it is asked: registration and password reset always; log-in only after a failed
//! attempt from the same address or for the same account (`routes::captcha_needed`).

use crate::App;
use crate::web::{AppError, Lang};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const TTL_SECS: i64 = 300;
const LEN: usize = 4;
/// Characters a person cannot mistake for one another in the picture's block letters: no
/// 0/O/Q/D, no 1/I/L (nor l), no 8/B, 5/S or Z (2 stays), and U without V. Answers are read
/// without case.
const ALPHABET: &[u8] = b"234679ACEFGHJKMNPRTUWXY";

/// What a challenge asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Characters in a picture.
    #[default]
    Image,
    /// A small sum written in words ("三加五等于几？"), for those who cannot read the picture.
    Question,
}

impl Kind {
    /// The kind a page asks for with `?captcha=question` (anything else: the picture).
    pub fn from_query(q: Option<&str>) -> Kind {
        if q == Some("question") { Kind::Question } else { Kind::Image }
    }
}

fn mac(secret: &[u8], data: &str) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length works");
    m.update(data.as_bytes());
    m.finalize().into_bytes().into()
}

/// A fresh picture challenge id: `<expiry>.<nonce>.<mac>`.
pub fn new_id(secret: &[u8]) -> String {
    new_id_of(secret, Kind::Image, crate::util::now() + TTL_SECS)
}

/// A challenge id that expires at `expires` (Unix seconds).
pub fn new_id_expiring(secret: &[u8], expires: i64) -> String {
    new_id_of(secret, Kind::Image, expires)
}

/// A challenge id of a kind: a question's body ends in `.q`.
pub fn new_id_of(secret: &[u8], kind: Kind, expires: i64) -> String {
    let mut body = format!("{expires}.{}", crate::util::random_token(12));
    if kind == Kind::Question {
        body.push_str(".q");
    }
    let sig = hex::encode(&mac(secret, &format!("captcha-id:{body}"))[..12]);
    format!("{body}.{sig}")
}

fn kind_of(id: &str) -> Kind {
    match id.rsplit_once('.') {
        Some((body, _)) if body.ends_with(".q") => Kind::Question,
        _ => Kind::Image,
    }
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

/// The two numbers and the operation of a question: `(a, b, plus)`, with a result of 1–17.
fn sum_of(secret: &[u8], id: &str) -> (u32, u32, bool) {
    let m = mac(secret, &format!("captcha-question:{id}"));
    let a = 2 + u32::from(m[0]) % 8;
    let b = 1 + u32::from(m[1]) % 8;
    let plus = m[2] % 2 == 0 || b >= a;
    (a, b, plus)
}

/// The answer to a challenge (the characters of the picture, or the result of the sum in
/// digits). Public so that the benchmark and the test hook can answer; nothing reaches it
/// over HTTP in a release build.
pub fn answer(secret: &[u8], id: &str) -> String {
    if kind_of(id) == Kind::Question {
        let (a, b, plus) = sum_of(secret, id);
        return if plus { a + b } else { a - b }.to_string();
    }
    let bytes = mac(secret, &format!("captcha-answer:{id}"));
    bytes[..LEN].iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

const ZH_DIGITS: [&str; 20] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九"];
const EN_NUMBERS: [&str; 20] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
];

/// The question of a question challenge, in words in `lang`.
pub fn question(secret: &[u8], id: &str, lang: Lang) -> String {
    let (a, b, plus) = sum_of(secret, id);
    let (a, b) = (a as usize, b as usize);
    match lang {
        Lang::Zh => format!("{}{}{}等于几？", ZH_DIGITS[a], if plus { "加" } else { "减" }, ZH_DIGITS[b]),
        Lang::En => format!("What is {} {} {}?", EN_NUMBERS[a], if plus { "plus" } else { "minus" }, EN_NUMBERS[b]),
    }
}

/// A typed answer as digits: full-width digits and the number in words (either language)
/// are read too.
fn normalise_answer(input: &str) -> String {
    let t: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_ascii_uppercase();
    let lower = t.to_lowercase();
    if let Some(n) = ZH_DIGITS.iter().position(|w| *w == lower).or_else(|| EN_NUMBERS.iter().position(|w| *w == lower)) {
        return n.to_string();
    }
    t
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
    let given = normalise_answer(input);
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

pub const WIDTH: u32 = 200;
pub const HEIGHT: u32 = 64;

/// Draws the challenge as an RGB PNG: four bold dark characters on a light ground, each a
/// little turned and shifted, with two faint lines and a light speckle — enough to stop a
/// naive reader, little enough that a person reads it at a glance on a phone.
pub fn draw(secret: &[u8], id: &str) -> Vec<u8> {
    let text = answer(secret, id);
    let seed = mac(secret, &format!("captcha-draw:{id}"));
    // Seeded from the challenge, so every server draws the same picture for the same id.
    let mut rng = crate::util::XorShift(u64::from_le_bytes(seed[..8].try_into().unwrap_or([7; 8])) | 1);
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut px = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let shade = 242 + ((x + y * 2) % 9) as u8;
            px[(y * w + x) * 3..][..3].copy_from_slice(&[shade, shade, 250]);
        }
    }
    // Faint lines behind the characters.
    for _ in 0..2 {
        let (mut x, mut y) = (0.0f32, rng.unit() * h as f32);
        let dy = (rng.unit() - 0.5) * 0.4;
        for _ in 0..w {
            if y >= 0.0 && (y as usize) < h && (x as usize) < w {
                px[(y as usize * w + x as usize) * 3..][..3].copy_from_slice(&[170, 180, 205]);
            }
            x += 1.0;
            y += dy;
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
    let step = w as f32 / LEN as f32;
    let glyphs: Vec<G> = text
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let angle = (rng.unit() - 0.5) * 0.3;
            G {
                bits: glyph(c),
                cx: step * (i as f32 + 0.5) + (rng.unit() - 0.5) * 6.0,
                cy: h as f32 / 2.0 + (rng.unit() - 0.5) * 6.0,
                cos: angle.cos(),
                sin: angle.sin(),
                scale: 6.4 + rng.unit() * 0.6,
                color: [(rng.next() % 50) as u8, (rng.next() % 50) as u8, 70 + (rng.next() % 60) as u8],
            }
        })
        .collect();
    for y in 0..h {
        for x in 0..w {
            for g in &glyphs {
                let dx = x as f32 - g.cx;
                let dy = y as f32 - g.cy;
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
    for _ in 0..120 {
        let i = (rng.next() as usize) % (w * h);
        let c = 150 + (rng.next() % 80) as u8;
        px[i * 3..][..3].copy_from_slice(&[c, c, 240]);
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
    /// The picture to show (a picture challenge).
    pub image: Option<String>,
    /// The question to ask, in the request's language (a question challenge); answered in
    /// digits or in words.
    pub question: Option<String>,
    pub expires_in: i64,
}

pub fn challenge(app: &App, kind: Kind, lang: Lang) -> Challenge {
    let id = new_id_of(&app.secret, kind, crate::util::now() + TTL_SECS);
    let (image, question) = match kind {
        Kind::Image => (Some(format!("/captcha/{id}.png")), None),
        Kind::Question => (None, Some(question(&app.secret, &id, lang))),
    };
    Challenge { image, question, id, expires_in: TTL_SECS }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ChallengeQuery {
    /// `image` (default) or `question`: a sum in words, for those who cannot read the picture.
    pub kind: Option<String>,
}

/// A new challenge (used by the refresh button and API clients).
#[utoipa::path(get, path = "/api/v1/captcha", tag = "auth", params(ChallengeQuery), responses((status = 200, body = Challenge)))]
pub async fn api_new(State(app): State<App>, ctx: crate::web::Ctx, Query(q): Query<ChallengeQuery>) -> Json<Challenge> {
    Json(challenge(&app, Kind::from_query(q.kind.as_deref()), ctx.lang))
}

pub async fn image(State(app): State<App>, Path(file): Path<String>) -> Result<Response, AppError> {
    let id = file.strip_suffix(".png").ok_or(AppError::NotFound)?;
    check_id(&app.secret, id).ok_or(AppError::NotFound)?;
    if kind_of(id) != Kind::Image {
        return Err(AppError::NotFound);
    }
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

    #[test]
    fn answers_use_only_unmistakable_characters() {
        let secret = b"0123456789abcdef0123456789abcdef";
        for _ in 0..200 {
            let a = answer(secret, &new_id(secret));
            assert!((4..=5).contains(&a.len()), "{a}");
            assert!(!a.chars().any(|c| "0OQD1lIL8B5SZV".contains(c)), "{a}");
        }
    }

    #[test]
    fn questions_are_sums_in_words_answered_in_digits_or_words() {
        let secret = b"0123456789abcdef0123456789abcdef";
        for _ in 0..50 {
            let id = new_id_of(secret, Kind::Question, 4_000_000_000);
            assert_eq!(kind_of(&id), Kind::Question);
            assert!(check_id(secret, &id).is_some());
            let n: usize = answer(secret, &id).parse().expect("digits");
            assert!((1..=17).contains(&n));
            let zh = question(secret, &id, Lang::Zh);
            assert!(zh.ends_with("等于几？") && !zh.chars().any(|c| c.is_ascii_digit()), "{zh}");
            let en = question(secret, &id, Lang::En);
            assert!(en.starts_with("What is ") && !en.chars().any(|c| c.is_ascii_digit()), "{en}");
            assert_eq!(normalise_answer(ZH_DIGITS[n]), n.to_string());
            assert_eq!(normalise_answer(&format!(" {} ", EN_NUMBERS[n].to_uppercase())), n.to_string());
        }
        assert_eq!(normalise_answer("１２"), "12");
    }
}
