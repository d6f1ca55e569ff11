-- A sign set is renamed, moved or given another owner after it is made: `version` guards
-- the edit as `signs.version` guards a sign's (a stale one is refused with 409).
ALTER TABLE sign_sets ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
