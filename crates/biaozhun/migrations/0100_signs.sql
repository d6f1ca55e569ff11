-- Public information signs (公共信息标志): the register by place, inspections with their
-- photos, rectification cases (workflow kind `sign_case`) and per-district counts kept in
-- the same transaction as the records they count.
CREATE TABLE signs (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    set_name TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL,
    street TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL,
    lat_e6 BIGINT,
    lon_e6 BIGINT,
    sign_type TEXT NOT NULL,
    standard TEXT NOT NULL,
    owner_org BIGINT,
    conforming BIGINT NOT NULL DEFAULT 0,
    inspected_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX signs_district ON signs (district, id);

CREATE TABLE sign_inspections (
    id {{ID}},
    sign_id BIGINT NOT NULL REFERENCES signs(id),
    inspector BIGINT NOT NULL,
    conforming BIGINT NOT NULL,
    findings TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX sign_inspections_sign ON sign_inspections (sign_id, id);

CREATE TABLE sign_photos (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES sign_inspections(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sign_photos_inspection ON sign_photos (inspection_id);

CREATE TABLE sign_cases (
    id {{ID}},
    sign_id BIGINT NOT NULL REFERENCES signs(id),
    inspection_id BIGINT NOT NULL,
    district TEXT NOT NULL,
    owner_org BIGINT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_cases_sign ON sign_cases (sign_id, state);
CREATE INDEX sign_cases_due ON sign_cases (state, due_at);

CREATE TABLE sign_district_counts (
    district TEXT PRIMARY KEY,
    signs BIGINT NOT NULL DEFAULT 0,
    conforming BIGINT NOT NULL DEFAULT 0,
    inspections BIGINT NOT NULL DEFAULT 0,
    open_cases BIGINT NOT NULL DEFAULT 0
);
