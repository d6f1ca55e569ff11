-- Materials of a training session (attachments): uploaded by staff and the session's
-- teachers, seen by those enrolled and staff, or by everyone when marked public.
CREATE TABLE training_materials (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES training_sessions(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    public BIGINT NOT NULL DEFAULT 0,
    uploaded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX training_materials_session ON training_materials (session_id);
