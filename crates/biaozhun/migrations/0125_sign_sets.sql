-- Sign sets as records of their own (all the signs of one metro station, park or hospital):
-- a name, the place (district and address) and the owner; a sign belongs to at most one.
-- `signs.set_name` stays as the set's name beside `set_id` (the API and the import name a
-- set by its name). `signs.version` guards an edit in the browser or the API: a stale one is
-- refused (409), never written over a newer one.
CREATE TABLE sign_sets (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    district TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    owner_org BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_sets_district ON sign_sets (district, id);

ALTER TABLE signs ADD COLUMN set_id BIGINT REFERENCES sign_sets(id);
ALTER TABLE signs ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX signs_set ON signs (set_id, id);

-- The names signs already carry become sets, placed in the district of their first sign.
INSERT INTO sign_sets (name, district, address, owner_org, created_at, updated_at)
SELECT s.set_name, s.district, '', s.owner_org, s.created_at, s.created_at FROM signs s
WHERE s.set_name <> '' AND s.id = (SELECT MIN(o.id) FROM signs o WHERE o.set_name = s.set_name);
UPDATE signs SET set_id = (SELECT ss.id FROM sign_sets ss WHERE ss.name = signs.set_name) WHERE set_name <> '';
