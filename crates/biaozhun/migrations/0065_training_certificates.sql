-- Certificates of the training room: issued by staff (on passing an exam held on paper, or
-- on completing a session), each with a unique number GZBA-YYYY-NNNNNN-C (C a MOD 11-2 check
-- character), issue and expiry dates (local day starts), revocation with a reason, and the
-- two expiry reminders (60 and 7 days before), each sent once.
CREATE TABLE training_certificates (
    id {{ID}},
    number TEXT NOT NULL UNIQUE,
    year BIGINT NOT NULL,
    serial BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    holder_name TEXT NOT NULL,
    title TEXT NOT NULL,
    session_id BIGINT REFERENCES training_sessions(id),
    issued_on BIGINT NOT NULL,
    expires_on BIGINT NOT NULL,
    issued_by BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by BIGINT,
    revoke_reason TEXT,
    reminded_60_at BIGINT,
    reminded_7_at BIGINT,
    UNIQUE (year, serial)
);
CREATE INDEX training_certificates_by_user ON training_certificates (user_id);
CREATE INDEX training_certificates_by_expiry ON training_certificates (expires_on);
