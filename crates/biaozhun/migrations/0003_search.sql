-- Change log followed by every server's search index (a derived copy of the database).
CREATE TABLE search_changes (
    id {{ID}},
    domain TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX search_changes_at ON search_changes (at);

-- Files uploaded for background work (imports), removed when the job is done with them.
CREATE TABLE uploads (
    id {{ID}},
    filename TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    size BIGINT NOT NULL,
    uploader_id BIGINT,
    created_at BIGINT NOT NULL
);

-- What a finished job has to say (JSON: {"summary": "...", "link": "/..."} and its own fields).
ALTER TABLE jobs ADD COLUMN result TEXT NOT NULL DEFAULT '';
