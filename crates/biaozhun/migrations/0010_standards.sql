-- Standards catalogue: records, relations, validity-check reports, watchlists and change events.

CREATE TABLE standards (
    id {{ID}},
    number TEXT NOT NULL,                 -- as published
    norm TEXT NOT NULL UNIQUE,            -- canonical spelling (stdnum), the import key
    base TEXT NOT NULL,                   -- without year: all editions share it
    kind TEXT NOT NULL,                   -- stdnum Kind code
    prefix TEXT NOT NULL DEFAULT '',
    part TEXT NOT NULL DEFAULT '',        -- the number proper: 19001, 1.1, 60335-1
    year BIGINT,
    is_amendment BIGINT NOT NULL DEFAULT 0,
    title_zh TEXT NOT NULL DEFAULT '',
    title_en TEXT NOT NULL DEFAULT '',
    title_fr TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',      -- in_force, upcoming, withdrawn, replaced, developing, '' unknown
    published_at BIGINT,
    implemented_at BIGINT,
    withdrawn_at BIGINT,
    ics TEXT NOT NULL DEFAULT '',         -- space separated ICS codes
    ccs TEXT NOT NULL DEFAULT '',
    competent_dept TEXT NOT NULL DEFAULT '',
    committee TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    drafting_orgs TEXT NOT NULL DEFAULT '',
    drafters TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    remark TEXT NOT NULL DEFAULT '',
    fulltext_url TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    flags TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX standards_base ON standards (base);
CREATE INDEX standards_status_impl ON standards (status, implemented_at);
CREATE INDEX standards_created ON standards (created_at);

-- Relations by canonical number, so they may point at standards not (yet) imported.
-- kind: replaces (from replaces to), adopts (from adopts the international to).
CREATE TABLE standard_relations (
    from_norm TEXT NOT NULL,
    to_norm TEXT NOT NULL,
    kind TEXT NOT NULL,
    degree TEXT NOT NULL DEFAULT '',
    at BIGINT,
    PRIMARY KEY (from_norm, to_norm, kind)
);
CREATE INDEX standard_relations_to ON standard_relations (to_norm);

-- 查新报告: a saved validity check, verifiable by its number.
CREATE TABLE standard_checks (
    id {{ID}},
    check_no TEXT NOT NULL UNIQUE,
    user_id BIGINT,
    items TEXT NOT NULL,
    total BIGINT NOT NULL DEFAULT 0,
    problems BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Watchlists: owner is a user ('u:<id>') or an organisation ('o:<id>').
CREATE TABLE standard_watch (
    id {{ID}},
    owner TEXT NOT NULL,
    norm TEXT NOT NULL,
    base TEXT NOT NULL,
    added_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (owner, norm)
);
CREATE INDEX standard_watch_base ON standard_watch (base);

CREATE TABLE standard_watch_prefs (
    owner TEXT PRIMARY KEY,
    frequency TEXT NOT NULL DEFAULT 'daily',
    last_digest_at BIGINT NOT NULL DEFAULT 0
);

-- What changed about a standard (new edition, status change, implementation, withdrawal).
CREATE TABLE standard_events (
    id {{ID}},
    standard_id BIGINT NOT NULL,
    norm TEXT NOT NULL,
    base TEXT NOT NULL,
    kind TEXT NOT NULL,
    old_status TEXT NOT NULL DEFAULT '',
    new_status TEXT NOT NULL DEFAULT '',
    successor TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX standard_events_base ON standard_events (base);

-- Events waiting for an owner's daily or weekly digest.
CREATE TABLE standard_digest_queue (
    owner TEXT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (owner, event_id)
);
