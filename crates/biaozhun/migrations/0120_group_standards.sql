-- Group standards (团体标准) on the specification lifecycle: a specification's kind ('local':
-- DB4401/T numbering; 'group': the association's T/<code> numbering), numbered per kind; the
-- member vote or council approval that stands in for the government's approval (the voters
-- seated for each round and what each voted); the free-to-read text where the association
-- allows it.
ALTER TABLE specs ADD COLUMN kind TEXT NOT NULL DEFAULT 'local';
ALTER TABLE specs ADD COLUMN vote_round BIGINT NOT NULL DEFAULT 0;
ALTER TABLE specs ADD COLUMN vote_body TEXT NOT NULL DEFAULT '';
ALTER TABLE specs ADD COLUMN free_to_read BIGINT NOT NULL DEFAULT 0;
DROP INDEX specs_serial;
CREATE UNIQUE INDEX specs_kind_serial ON specs (kind, serial);
CREATE INDEX specs_kind_stage ON specs (kind, stage, updated_at);

-- One row per seated voter and round: the choice ('' until cast; yes, no, abstain) with its
-- comment and time. Rows stay after the round closes: the record of who voted what.
CREATE TABLE spec_ballots (
    spec_id BIGINT NOT NULL REFERENCES specs(id),
    round BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    org_name TEXT NOT NULL DEFAULT '',
    choice TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    cast_at BIGINT,
    seated_by BIGINT,
    seated_at BIGINT NOT NULL,
    PRIMARY KEY (spec_id, round, user_id)
);
CREATE INDEX spec_ballots_user ON spec_ballots (user_id);

-- The published text offered free to read (a PDF or text file, at most one per standard).
CREATE TABLE spec_texts (
    spec_id BIGINT PRIMARY KEY REFERENCES specs(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    uploaded_by BIGINT,
    uploaded_at BIGINT NOT NULL
);
