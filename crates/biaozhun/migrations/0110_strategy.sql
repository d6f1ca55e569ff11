-- The strategy room: outlines loaded from data files (their structure kept as JSON, read
-- whole), values reported by departments with evidence, the daily snapshot of every
-- indicator (the trend charts read it by indicator and day, never rescanning records),
-- and progress reports per task and responsible unit (a workflow).

CREATE TABLE strategy_outlines (
    id {{ID}},
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    data TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);

-- A value a responsible department files for an indicator no room computes, with its
-- evidence (a note and a link or document reference).
CREATE TABLE strategy_reported (
    id {{ID}},
    outline TEXT NOT NULL,
    indicator TEXT NOT NULL,
    value BIGINT NOT NULL,
    as_of BIGINT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL,
    reported_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX strategy_reported_ind ON strategy_reported (outline, indicator, as_of);

-- One value per indicator and day (day = Unix day number), kept by the daily snapshot.
CREATE TABLE strategy_values (
    outline TEXT NOT NULL,
    indicator TEXT NOT NULL,
    day BIGINT NOT NULL,
    value BIGINT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (outline, indicator, day)
);

-- A progress report of one responsible unit (a department or a district) on one task for
-- one period (`2026-Q4`). `unit_kind`/`unit_key` name the scoped role that files it.
CREATE TABLE strategy_reports (
    id {{ID}},
    outline TEXT NOT NULL,
    task_no BIGINT NOT NULL,
    unit_kind TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    period TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    figures TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (outline, task_no, unit_kind, unit_key, period)
);
CREATE INDEX strategy_reports_state ON strategy_reports (state, updated_at);
CREATE INDEX strategy_reports_unit ON strategy_reports (unit_kind, unit_key);

-- Evidence files of a report, checked by the house's upload kit.
CREATE TABLE strategy_evidence (
    id {{ID}},
    report_id BIGINT NOT NULL REFERENCES strategy_reports(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX strategy_evidence_report ON strategy_evidence (report_id);
