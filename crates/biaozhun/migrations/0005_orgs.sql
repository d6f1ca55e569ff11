-- Organisations (orgs/): invitations that the invited person accepts or declines, and each
-- user's choice of whom they act for. Joining an organisation is only ever an accepted
-- invitation (or the applicant's own approved membership application); nothing adds an
-- account to an organisation without its owner's act.

-- An invitation to an address (not to an account): the answer to the inviting
-- administrator is the same whether the address has an account or not. `email_key` is the
-- address as users.email_key keeps it (trimmed, lower case). `expires_at` ends a pending
-- invitation; its status stays 'pending' and readers compare the time.
CREATE TABLE org_invitations (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    org_role TEXT NOT NULL DEFAULT 'staff',
    status TEXT NOT NULL DEFAULT 'pending',
    invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX org_invitations_email ON org_invitations (email_key, status);
CREATE INDEX org_invitations_org ON org_invitations (org_id, created_at);
-- At most one open invitation per organisation and address.
CREATE UNIQUE INDEX org_invitations_open ON org_invitations (org_id, email_key) WHERE status = 'pending';

-- Whom a user acts for: an organisation, or (org_id NULL) themselves. No row: the only
-- organisation of the user if there is exactly one, else themselves (orgs::model::choose).
CREATE TABLE org_acting (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    chosen_at BIGINT NOT NULL
);
