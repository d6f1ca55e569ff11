-- The experts room (专家库): expert profiles with their entry into the pool (a workflow),
-- the fields a draw reads (indexed), availability, talent-tier applications (百千万), and
-- the random draws with their recorded seed and snapshot, and the invitations they send.

-- An expert's profile. `user_id` is the account that keeps it (NULL for an expert imported
-- without an account); `email_key` (trimmed, lower case) and `id_number` are the keys an
-- import matches on. Contact data (email, phone, id_number) is shown to staff only.
CREATE TABLE experts (
    id {{ID}},
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    org_name TEXT NOT NULL DEFAULT '',
    org_uscc TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    qualifications TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT '',
    intl_roles TEXT NOT NULL DEFAULT '',
    committees TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    email_key TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    id_number TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft',
    tier TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX experts_user ON experts (user_id);
CREATE INDEX experts_email_key ON experts (email_key);
CREATE INDEX experts_id_number ON experts (id_number);
CREATE INDEX experts_status ON experts (status, id);
CREATE INDEX experts_tier ON experts (tier, status);

-- What a draw selects on: each ICS code of an expert with its parents (13.020.10 gives 13,
-- 13.020 and 13.020.10) and the industry, one row each, so the eligible query is an index
-- lookup by field.
CREATE TABLE expert_fields (
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    PRIMARY KEY (field, expert_id)
);
CREATE INDEX expert_fields_expert ON expert_fields (expert_id);

-- Periods an expert is not available (days in Beijing time, as Unix seconds of their start).
CREATE TABLE expert_unavailable (
    id {{ID}},
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    from_day BIGINT NOT NULL,
    to_day BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX expert_unavailable_days ON expert_unavailable (to_day, from_day);
CREATE INDEX expert_unavailable_expert ON expert_unavailable (expert_id);

-- Applications for recognition of a talent tier (high_end 百, expert 千, backbone 万).
CREATE TABLE expert_tier_applications (
    id {{ID}},
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    tier TEXT NOT NULL,
    statement TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX expert_tier_applications_status ON expert_tier_applications (status, id);

-- A draw: the request, the seed (an unsigned 64-bit number as decimal text), the algorithm's
-- name, the snapshot of the eligible pool (JSON) with its SHA-256, and the result.
CREATE TABLE expert_draws (
    id {{ID}},
    title TEXT NOT NULL DEFAULT '',
    request TEXT NOT NULL,
    seed TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    panel TEXT NOT NULL,
    backups TEXT NOT NULL,
    review_day BIGINT,
    answer_days BIGINT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per drawn expert: the panel (invited at once) and the backups in their order
-- (reserve until a decline calls them). `token_hash` is the SHA-256 of the answer link's token.
CREATE TABLE expert_invitations (
    id {{ID}},
    draw_id BIGINT NOT NULL REFERENCES expert_draws(id) ON DELETE CASCADE,
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    position BIGINT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    token_hash TEXT NOT NULL DEFAULT '',
    deadline BIGINT,
    replaces BIGINT,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    UNIQUE (draw_id, expert_id)
);
CREATE INDEX expert_invitations_draw ON expert_invitations (draw_id, position);
CREATE INDEX expert_invitations_expert ON expert_invitations (expert_id, status);
CREATE INDEX expert_invitations_due ON expert_invitations (status, deadline);
