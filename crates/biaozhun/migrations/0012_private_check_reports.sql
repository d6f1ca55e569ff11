-- Check reports (查新报告) become private. Each belongs to an owner: 'u:<user>',
-- 'o:<organisation>', or 'a:<SHA-256 of the key an anonymous browser holds in a cookie>'.
-- The public verifies a report by a separate random code that shows its summary only; the
-- sequential number identifies it to its owner and no longer opens it to anyone. Items are
-- stored packed (standards/reports/codec.rs) instead of as JSON objects in `items`, which
-- new rows leave empty. An anonymous report expires a week after it was made; a user's
-- stays until the user deletes it.
ALTER TABLE standard_checks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE standard_checks ADD COLUMN verify_code TEXT;
ALTER TABLE standard_checks ADD COLUMN packed {{BLOB}};
ALTER TABLE standard_checks ADD COLUMN expires_at BIGINT;
CREATE UNIQUE INDEX standard_checks_verify_code ON standard_checks (verify_code);
CREATE INDEX standard_checks_owner ON standard_checks (owner, created_at);
CREATE INDEX standard_checks_user ON standard_checks (user_id, created_at);
CREATE INDEX standard_checks_expires ON standard_checks (expires_at);

-- Reports made before: a user's stays theirs (its verification code is drawn when it is
-- next opened); an anonymous one, which no browser can prove to own, expires a week after
-- it was made.
UPDATE standard_checks SET owner = 'u:' || CAST(user_id AS TEXT) WHERE user_id IS NOT NULL;
UPDATE standard_checks SET expires_at = created_at + 604800 WHERE user_id IS NULL;
