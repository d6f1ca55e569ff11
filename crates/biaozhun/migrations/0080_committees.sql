-- The committees room: technical committees, subcommittees and working groups (TC/SC/WG)
-- at international, national, provincial and city level, and their members.
CREATE TABLE committees (
    id {{ID}},
    -- As written for people (`ISO/TC 176`, `SAC/TC 28/SC 1`) and as matched (`ISO/TC176`).
    number TEXT NOT NULL,
    number_key TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL,
    parent_id BIGINT REFERENCES committees(id),
    -- 届: the term the committee is in.
    term TEXT NOT NULL DEFAULT '',
    guiding_unit TEXT NOT NULL DEFAULT '',
    mirror_number TEXT NOT NULL DEFAULT '',
    secretariat TEXT NOT NULL DEFAULT '',
    secretariat_uscc TEXT NOT NULL DEFAULT '',
    -- GB/T 2260 code of the Guangzhou district the secretariat is in; empty outside Guangzhou.
    district_code TEXT NOT NULL DEFAULT '',
    chair TEXT NOT NULL DEFAULT '',
    secretary TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    source TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX committees_level ON committees (level, number_key);
CREATE INDEX committees_district ON committees (district_code);
CREATE INDEX committees_parent ON committees (parent_id);

CREATE TABLE committee_members (
    id {{ID}},
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    name TEXT NOT NULL,
    -- chair, vice_chair, secretary, deputy_secretary, member, observer
    role TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    term_from BIGINT,
    term_to BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (committee_id, name, role)
);
