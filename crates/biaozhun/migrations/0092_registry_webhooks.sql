-- Webhooks for subscribers of the registry's open data (registry/webhooks.rs): each change
-- to a public declaration or a result is one delivery per active subscription, signed with
-- the subscription's secret (HMAC-SHA256), sent by the job queue and retried with backoff
-- under the same delivery id; the log keeps each delivery's attempts and last answer.
CREATE TABLE registry_webhooks (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX registry_webhooks_user ON registry_webhooks (user_id);

CREATE TABLE registry_webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES registry_webhooks(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX registry_webhook_deliveries_hook ON registry_webhook_deliveries (webhook_id, created_at);
