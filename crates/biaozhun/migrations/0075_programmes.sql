-- The programmes room (docs/programmes.md): programme types configured as data (one row per
-- version of a type; an application keeps the version it was made under), applications on
-- the workflow engine, the reviewers assigned to one application with their conflict-of-
-- interest declaration and scores, and the objections filed during the public notice (公示).

CREATE TABLE programme_types (
    id {{ID}},
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    -- The whole configuration (form, stages, deadlines, scoring sheet, aggregation) as JSON.
    config TEXT NOT NULL,
    opens_at BIGINT,
    closes_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE applications (
    id {{ID}},
    type_id BIGINT NOT NULL REFERENCES programme_types(id),
    programme TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    -- The form's answers as JSON (keys of the type's fields).
    data TEXT NOT NULL DEFAULT '{}',
    -- The subsidy's work (item and standard number or work item), normalised: one live
    -- application per work (cleared when it is withdrawn or rejected).
    work_key TEXT,
    -- Aggregated expert scores in hundredths of a point (base part and bonus part).
    score_base BIGINT,
    score_bonus BIGINT,
    grade TEXT NOT NULL DEFAULT '',
    amount_fen BIGINT,
    notice_until BIGINT,
    valid_until BIGINT,
    submitted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_queue ON applications (state, updated_at, id);
CREATE INDEX applications_updated ON applications (updated_at, id);
CREATE INDEX applications_org ON applications (org_id, updated_at);
CREATE INDEX applications_programme ON applications (programme, state);
CREATE UNIQUE INDEX applications_work ON applications (work_key) WHERE work_key IS NOT NULL;

-- A reviewer assigned to one application (the scoped role `reviewer` on ("application", id)
-- grants the access; this row keeps the declaration). coi: pending, none (declared no
-- conflict: may read and score), conflict (declared one: removed from the panel).
CREATE TABLE application_reviewers (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    coi TEXT NOT NULL DEFAULT 'pending',
    coi_note TEXT NOT NULL DEFAULT '',
    declared_at BIGINT,
    assigned_by BIGINT,
    assigned_at BIGINT NOT NULL,
    -- Totals of the reviewer's submitted sheet, hundredths of a point.
    total_base BIGINT,
    total_bonus BIGINT,
    scored_at BIGINT,
    PRIMARY KEY (application_id, user_id)
);
CREATE INDEX application_reviewers_user ON application_reviewers (user_id, coi);

-- One line of a reviewer's scoring sheet; na = 1 for an item that cannot apply (full marks).
CREATE TABLE application_scores (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    criterion TEXT NOT NULL,
    points BIGINT NOT NULL,
    na BIGINT NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (application_id, user_id, criterion)
);

-- An objection filed during the public notice; staff resolve every one before the final step.
CREATE TABLE application_objections (
    id {{ID}},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    resolution TEXT NOT NULL DEFAULT '',
    resolved_by BIGINT,
    resolved_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX application_objections_app ON application_objections (application_id, status);
