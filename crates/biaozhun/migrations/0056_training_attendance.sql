-- Attendance, the day-before reminder, and the continuing-education hours ledger.
ALTER TABLE training_enrolments ADD COLUMN attended_at BIGINT;
ALTER TABLE training_enrolments ADD COLUMN checked_in_by BIGINT;
ALTER TABLE training_enrolments ADD COLUMN reminded_at BIGINT;

-- Hours credited to a person: one row per attended session (the session's hours when the
-- person was checked in), counted in the year (Beijing time) the session started. Rows
-- without a session are left for hours credited otherwise (an exam held on paper, later).
CREATE TABLE training_hours (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    session_id BIGINT REFERENCES training_sessions(id),
    year BIGINT NOT NULL,
    hours BIGINT NOT NULL,
    title TEXT NOT NULL,
    credited_at BIGINT NOT NULL,
    credited_by BIGINT,
    UNIQUE (user_id, session_id)
);
CREATE INDEX training_hours_by_year ON training_hours (user_id, year);
