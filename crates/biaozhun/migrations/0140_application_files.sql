-- Programme attachments as files (docs/programmes.md, "Attachments"): the files an applicant
-- uploads for the attachments its programme type requires, kept in the database with the
-- application. Replacing a file keeps the earlier one (replaced_at set, replaced_by naming
-- its successor), so the history of what was submitted stays readable; the current file of
-- an attachment is the one without replaced_at (at most one: the partial unique index).
-- Links given as answers before (att_<key> in applications.data) are no longer read.

CREATE TABLE application_files (
    id {{ID}},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    -- The attachment's key in the type's configuration (`attachments[].key`).
    attachment TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    replaced_at BIGINT,
    replaced_by BIGINT
);
CREATE INDEX application_files_app ON application_files (application_id, attachment, id);
CREATE UNIQUE INDEX application_files_current ON application_files (application_id, attachment) WHERE replaced_at IS NULL;
