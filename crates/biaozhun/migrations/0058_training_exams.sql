-- Examinations of the training room (docs/training.md, "Examinations"): question banks, exams
-- drawn from a bank by rules and tied to a session, attempts with the draw each candidate got,
-- and the answers saved as the candidate goes (one row per attempt and question, the client's
-- sequence number deciding which of two saves is the newer).
CREATE TABLE exam_banks (
    id {{ID}},
    title TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- kind: single, multiple, truefalse, short. options: the choices, one a line (choice kinds).
-- answer: the right options' indices (0-based, ascending, comma-separated), 'true'/'false',
-- or a short answer's reference text. A question is known by its text within its bank, so a
-- re-import updates it.
CREATE TABLE exam_questions (
    id {{ID}},
    bank_id BIGINT NOT NULL REFERENCES exam_banks(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    points BIGINT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    UNIQUE (bank_id, body)
);
CREATE INDEX exam_questions_draw ON exam_questions (bank_id, topic, kind);

-- rules: JSON [{"topic","kind","count","points"}]. admit: 'enrolled' or 'attended'.
-- Times are Unix seconds; time_limit in seconds; scores in points.
CREATE TABLE exams (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES training_sessions(id),
    bank_id BIGINT NOT NULL REFERENCES exam_banks(id),
    title TEXT NOT NULL,
    rules TEXT NOT NULL,
    time_limit BIGINT NOT NULL,
    pass_mark BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    admit TEXT NOT NULL,
    cert_kind TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX exams_by_session ON exams (session_id);

-- status: open, submitted (waiting for a teacher's marks) or marked. deadline: the start plus
-- the time limit, or the exam's close when earlier; the server's clock against it decides.
CREATE TABLE exam_attempts (
    id {{ID}},
    exam_id BIGINT NOT NULL REFERENCES exams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    number BIGINT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    submitted_at BIGINT,
    auto_submitted BIGINT NOT NULL DEFAULT 0,
    score BIGINT,
    max_score BIGINT NOT NULL,
    passed BIGINT,
    certificate_id BIGINT,
    saves BIGINT NOT NULL DEFAULT 0,
    UNIQUE (exam_id, user_id, number)
);
CREATE INDEX exam_attempts_due ON exam_attempts (status, deadline);

-- The draw of one attempt: the questions in the order the candidate sees them, the order of
-- their options (original indices, comma-separated) and the points each is worth.
CREATE TABLE exam_attempt_items (
    attempt_id BIGINT NOT NULL REFERENCES exam_attempts(id),
    position BIGINT NOT NULL,
    question_id BIGINT NOT NULL REFERENCES exam_questions(id),
    option_order TEXT NOT NULL DEFAULT '',
    points BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, question_id),
    UNIQUE (attempt_id, position)
);

-- One answer per attempt and question, upserted; seq is the client's sequence number (or the
-- server's clock in milliseconds), a save with a lower one than stored changes nothing.
-- awarded: points given (NULL until marked); marked_by: the teacher of a short answer.
CREATE TABLE exam_answers (
    attempt_id BIGINT NOT NULL REFERENCES exam_attempts(id),
    question_id BIGINT NOT NULL REFERENCES exam_questions(id),
    answer TEXT NOT NULL,
    seq BIGINT NOT NULL,
    saved_at BIGINT NOT NULL,
    awarded BIGINT,
    marked_by BIGINT,
    PRIMARY KEY (attempt_id, question_id)
);
