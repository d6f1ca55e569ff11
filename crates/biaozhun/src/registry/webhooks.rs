//! Webhooks for subscribers: a signed-in user registers an `https://` (or `http://`) address
//! and gets a secret once. Each change to public declarations and results (`declaration.
//! declared`, `declaration.flagged`, `declaration.cleared`, `result.recorded`) becomes, in the
//! changing transaction, one delivery per active subscription and one job. The job POSTs the
//! JSON body with `X-Biaozhun-Delivery` (the same id on every retry), `X-Biaozhun-Event` and
//! `X-Biaozhun-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`; an answer
//! other than 2xx fails the job, which the queue retries with backoff (30 s, 60 s, …). The
//! delivery log keeps the attempts and the last answer. A delivery is at least once: a
//! subscriber drops a delivery id it has seen.

use crate::App;
use crate::db::Tx;
use crate::web::{Access, AppError, AppResult, Ctx, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/webhooks", Access::User, api_list)
        .post("/api/v1/webhooks", Access::User, api_create)
        .get("/api/v1/webhooks/{id}/deliveries", Access::User, api_deliveries)
}

/// The signature header's value for a body.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Queues `event` with `data` for every active subscription, in the caller's transaction.
pub async fn emit(tx: &mut Tx, event: &str, data: Value) -> Result<(), sqlx::Error> {
    let hooks: Vec<i64> = sqlx::query_scalar("SELECT id FROM registry_webhooks WHERE active = 1").fetch_all(&mut **tx).await?;
    let now = crate::util::now();
    for hook in hooks {
        let id = random_hex(16);
        let payload = json!({"id": id, "event": event, "created_at": now, "data": data}).to_string();
        sqlx::query("INSERT INTO registry_webhook_deliveries (id, webhook_id, event, payload, created_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(&id)
            .bind(hook)
            .bind(event)
            .bind(&payload)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        crate::jobs::enqueue(tx, "registry_webhook", json!({"delivery": id}), Some(&format!("registry_webhook:{id}"))).await?;
    }
    Ok(())
}

/// True for an address a webhook may not reach unless the operator allows it: loopback,
/// private (RFC 1918, unique local), link-local, shared (100.64/10), unspecified,
/// multicast and broadcast addresses, and IPv4 mapped into IPv6 the same way.
pub fn internal(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_loopback() || v.is_private() || v.is_link_local() || v.is_unspecified() || v.is_multicast() || v.is_broadcast() || (o[0] == 100 && (o[1] & 0xc0) == 64) || o[0] == 0
        }
        IpAddr::V6(v) => {
            if let Some(m) = v.to_ipv4_mapped() {
                return internal(IpAddr::V4(m));
            }
            let s = v.segments();
            v.is_loopback() || v.is_unspecified() || v.is_multicast() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Where a delivery may go: the host and the checked address to pin the request to (none
/// when private addresses are allowed), or why not.
async fn reachable(url: &str, allow_private: bool) -> Result<Option<(String, std::net::SocketAddr)>, String> {
    if allow_private {
        return Ok(None);
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().ok_or("no host")?.trim_start_matches('[').trim_end_matches(']').to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port)).await.map_err(|e| format!("{host}: {e}"))?.collect();
    match addrs.iter().find(|a| internal(a.ip())) {
        Some(a) => Err(format!("{host} resolves to {} inside the network", a.ip())),
        None => addrs.first().map(|a| Some((host.clone(), *a))).ok_or_else(|| format!("{host}: no address")),
    }
}

/// The `registry_webhook` job: one delivery attempt.
pub async fn deliver_job(app: App, _job: i64, payload: Value) -> anyhow::Result<()> {
    let id = payload.get("delivery").and_then(Value::as_str).ok_or_else(|| anyhow::anyhow!("no delivery"))?.to_string();
    let row: Option<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT d.status, d.event, d.payload, w.url, w.secret FROM registry_webhook_deliveries d JOIN registry_webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
    )
    .bind(&id)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some((status, event, body, url, secret)) = row else { return Ok(()) };
    if status == "delivered" {
        return Ok(());
    }
    // The address is resolved here and the request pinned to what was checked, so a name
    // that resolves elsewhere a moment later (DNS rebinding) reaches nothing new.
    let target = match reachable(&url, app.config.webhooks_reach_private).await {
        Ok(t) => t,
        Err(refusal) => {
            sqlx::query("UPDATE registry_webhook_deliveries SET attempts = attempts + 1, last_error = $1, status = 'refused' WHERE id = $2").bind(&refusal).bind(&id).execute(&app.db.pool).await?;
            tracing::warn!("webhook delivery {id} to {url} refused: {refusal}");
            return Ok(());
        }
    };
    let mut client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).redirect(reqwest::redirect::Policy::none());
    if let Some((host, addr)) = target {
        client = client.resolve(&host, addr);
    }
    let answer = client
        .build()?
        .post(&url)
        .header("content-type", "application/json")
        .header("x-biaozhun-delivery", &id)
        .header("x-biaozhun-event", &event)
        .header("x-biaozhun-signature", sign(&secret, body.as_bytes()))
        .body(body.clone())
        .send()
        .await;
    let (code, error) = match &answer {
        Ok(r) => (Some(r.status().as_u16() as i64), if r.status().is_success() { String::new() } else { format!("HTTP {}", r.status().as_u16()) }),
        Err(e) => (None, crate::util::shorten(&e.to_string(), 300)),
    };
    let ok = error.is_empty();
    sqlx::query(
        "UPDATE registry_webhook_deliveries SET attempts = attempts + 1, last_status = $1, last_error = $2, status = $3, delivered_at = $4 WHERE id = $5",
    )
    .bind(code)
    .bind(&error)
    .bind(if ok { "delivered" } else { "retrying" })
    .bind(if ok { Some(crate::util::now()) } else { None })
    .bind(&id)
    .execute(&app.db.pool)
    .await?;
    if ok { Ok(()) } else { anyhow::bail!("webhook delivery {id} to {url}: {error}") }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookIn {
    /// Where to POST (`https://…` or `http://…`).
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct WebhookOut {
    pub id: i64,
    pub url: String,
    pub created_at: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    pub id: i64,
    pub url: String,
    /// The signing secret, shown this once.
    pub secret: String,
}

#[derive(Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DeliveryOut {
    pub id: String,
    pub event: String,
    /// `pending`, `retrying` or `delivered`.
    pub status: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: String,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// Subscribes an address to the registry's changes; answers the secret once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "registry", request_body = WebhookIn, responses((status = 201, body = WebhookCreated), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<WebhookIn>) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let url = input.url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|_| AppError::invalid("url", ctx.t("registry.err_webhook_url")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() || url.len() > 500 {
        return Err(AppError::invalid("url", ctx.t("registry.err_webhook_url")));
    }
    // An address written as an IP inside the network is refused at once (names are checked
    // at each delivery, when they are resolved).
    let literal = parsed.host_str().and_then(|h| h.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().ok());
    if !app.config.webhooks_reach_private && (literal.is_some_and(internal) || parsed.host_str().is_some_and(|h| h.eq_ignore_ascii_case("localhost"))) {
        return Err(AppError::invalid("url", ctx.t("registry.err_webhook_internal")));
    }
    let secret = random_hex(24);
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO registry_webhooks (user_id, url, secret, created_at) VALUES ($1,$2,$3,$4) RETURNING id")
        .bind(user)
        .bind(url)
        .bind(&secret)
        .bind(crate::util::now())
        .fetch_one(&mut *tx)
        .await?;
    crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "registry.webhook", target: format!("webhook:{id}"), detail: url.to_string() }).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(WebhookCreated { id, url: url.to_string(), secret })).into_response())
}

/// The caller's subscriptions.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "registry", responses((status = 200, body = [WebhookOut])))]
pub async fn api_list(State(app): State<App>, ctx: Ctx) -> AppResult<Json<Vec<WebhookOut>>> {
    let user = ctx.require_user()?.id;
    Ok(Json(sqlx::query_as("SELECT id, url, created_at FROM registry_webhooks WHERE user_id = $1 ORDER BY id").bind(user).fetch_all(&app.db.pool).await?))
}

/// The delivery log of one of the caller's subscriptions, newest first (404 for another's).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "registry", params(("id" = i64, Path)), responses((status = 200, body = [DeliveryOut]), (status = 404)))]
pub async fn api_deliveries(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<DeliveryOut>>> {
    let user = ctx.require_user()?.id;
    let mine: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_webhooks WHERE id = $1 AND user_id = $2").bind(id).bind(user).fetch_optional(&app.db.pool).await?;
    mine.ok_or(AppError::NotFound)?;
    Ok(Json(
        sqlx::query_as(
            "SELECT id, event, status, attempts, last_status, last_error, created_at, delivered_at FROM registry_webhook_deliveries \
             WHERE webhook_id = $1 ORDER BY created_at DESC LIMIT 500",
        )
        .bind(id)
        .fetch_all(&app.db.pool)
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_inside_the_network_are_internal() {
        for a in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fc00::1", "fe80::1", "::ffff:127.0.0.1", "224.0.0.1"] {
            assert!(super::internal(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "8.8.8.8", "2606:2800:220:1::1", "100.128.0.1"] {
            assert!(!super::internal(a.parse().unwrap()), "{a}");
        }
    }

    #[tokio::test]
    async fn deliveries_to_the_network_inside_are_refused_unless_allowed() {
        assert!(super::reachable("http://127.0.0.1:9/hook", false).await.unwrap_err().contains("inside the network"));
        assert!(super::reachable("http://[::1]:9/hook", false).await.is_err());
        assert!(super::reachable("http://localhost:9/hook", false).await.is_err(), "a name is judged by what it resolves to");
        assert_eq!(super::reachable("http://127.0.0.1:9/hook", true).await, Ok(None));
        let (host, addr) = super::reachable("http://93.184.216.34:8080/hook", false).await.unwrap().unwrap();
        assert_eq!((host.as_str(), addr.to_string().as_str()), ("93.184.216.34", "93.184.216.34:8080"), "pinned to the address checked");
    }

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(super::sign("Jefe", b"what do ya want for nothing?"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
