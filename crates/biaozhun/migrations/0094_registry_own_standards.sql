-- An enterprise's own standards (企业标准, Q/…) uploaded with their technical indicators;
-- a product citing one is judged `own` (published by the enterprise) rather than unknown.
CREATE TABLE registry_own_standards (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    norm TEXT NOT NULL,
    base TEXT NOT NULL,
    title TEXT NOT NULL,
    indicators TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX registry_own_standards_norm ON registry_own_standards (org_id, norm);
CREATE INDEX registry_own_standards_lookup ON registry_own_standards (norm);
