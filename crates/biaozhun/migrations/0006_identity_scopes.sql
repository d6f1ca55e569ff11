-- Look-alike user names and scoped API tokens (docs/reliability/security.md, issue 11 items 9, 10).
--
-- username_skeleton: the confusable skeleton (UTS #39) of the case-folded NFKC name, computed by
-- auth::identity. A unique index makes two names that look alike (`user1`, `usеr1` with a Cyrillic
-- е, `userl`) impossible to store side by side, even when both are registered at the same moment.
-- Accounts made before this migration get theirs at the next start (auth::store::fill_skeletons);
-- until then the column is NULL, which the index allows any number of times.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);

-- scopes: what a token may do, a comma-separated subset of read,write,admin (read always). Tokens
-- made before scopes existed acted with all of their owner's rights, and keep doing so.
-- parent_id: the token that made this one (NULL when made in a browser session or on the command
-- line); revoking a token revokes every token it made, and theirs.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write,admin';
ALTER TABLE api_tokens ADD COLUMN parent_id BIGINT REFERENCES api_tokens(id);
CREATE INDEX api_tokens_parent ON api_tokens (parent_id);
