-- The training room: what a session needs beyond the home page's first table (0002), and
-- the enrolments with their waiting list.
ALTER TABLE training_sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'promotion';
ALTER TABLE training_sessions ADD COLUMN online_url TEXT NOT NULL DEFAULT '';
ALTER TABLE training_sessions ADD COLUMN capacity BIGINT;
ALTER TABLE training_sessions ADD COLUMN fee_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE training_sessions ADD COLUMN teachers TEXT NOT NULL DEFAULT '';
ALTER TABLE training_sessions ADD COLUMN hours BIGINT NOT NULL DEFAULT 0;
ALTER TABLE training_sessions ADD COLUMN cancel_until BIGINT;
ALTER TABLE training_sessions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE training_sessions ADD COLUMN roster_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE training_sessions ADD COLUMN created_by BIGINT;
ALTER TABLE training_sessions ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX training_sessions_kind ON training_sessions (kind, starts_at);

-- One row per person and session: enrolled, waitlisted (ordered by queue_no, a number taken in turn) or
-- cancelled. A person who enrols again after cancelling takes their row back.
CREATE TABLE training_enrolments (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES training_sessions(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    queue_no BIGINT NOT NULL,
    enrolled_by BIGINT,
    org_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (session_id, user_id)
);
CREATE INDEX training_enrolments_queue ON training_enrolments (session_id, status, queue_no);
CREATE INDEX training_enrolments_user ON training_enrolments (user_id, status);
