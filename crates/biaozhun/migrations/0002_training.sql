-- Training sessions: the home page's "recent trainings" box reads this table.
-- The training room (courses, enrolment, exams, certificates) grows it later.
CREATE TABLE training_sessions (
    id {{ID}},
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    created_at BIGINT NOT NULL
);
CREATE INDEX training_sessions_upcoming ON training_sessions (status, starts_at);
