-- The specs room: local technical specifications (地方技术规范) through their lifecycle on
-- the workflow engine, drafts as numbered versions, comments of the public consultation
-- with the working group's answers, and the review panel.
CREATE TABLE specs (
    id {{ID}},
    title TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    related_numbers TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users(id),
    org_id BIGINT,
    drafting_orgs TEXT NOT NULL DEFAULT '',
    committee_id BIGINT,
    -- The 查新 report of the validity check on the title and related numbers (JSON).
    novelty TEXT NOT NULL DEFAULT '[]',
    -- Who must act in this stage, and by when (reminders and the owner's queue).
    stage_owner_id BIGINT,
    stage_due_at BIGINT,
    reminded_at BIGINT,
    consultation_opened_at BIGINT,
    consultation_ends_at BIGINT,
    replaces TEXT NOT NULL DEFAULT '',
    number TEXT NOT NULL DEFAULT '',
    serial BIGINT,
    published_at BIGINT,
    -- When the published specification was written into the standards catalogue (the clock
    -- retries until it is).
    catalogued_at BIGINT,
    review_due_at BIGINT,
    flagged_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX specs_stage ON specs (stage, updated_at);
CREATE INDEX specs_committee ON specs (committee_id, stage);
CREATE INDEX specs_owner ON specs (stage_owner_id, stage_due_at);
CREATE UNIQUE INDEX specs_serial ON specs (serial);

CREATE TABLE spec_drafts (
    id {{ID}},
    spec_id BIGINT NOT NULL REFERENCES specs(id),
    no BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (spec_id, no)
);

CREATE TABLE spec_comments (
    id {{ID}},
    spec_id BIGINT NOT NULL REFERENCES specs(id),
    draft_no BIGINT NOT NULL,
    clause TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    proposed TEXT NOT NULL DEFAULT '',
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    answered_by BIGINT,
    answered_at BIGINT
);
CREATE INDEX spec_comments_spec ON spec_comments (spec_id, id);

CREATE TABLE spec_panel (
    spec_id BIGINT NOT NULL REFERENCES specs(id),
    user_id BIGINT NOT NULL,
    assigned_by BIGINT,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (spec_id, user_id)
);
