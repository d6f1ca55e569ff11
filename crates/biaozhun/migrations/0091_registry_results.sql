-- Conformity testing and certification (registry/results.rs): bodies registered by staff
-- with their accreditation scope (standard bases), and the results they record for a
-- product against a standard. `accepted` (0/1): staff mark bodies whose results the
-- government accepts.
CREATE TABLE registry_bodies (
    id {{ID}},
    org_id BIGINT NOT NULL UNIQUE REFERENCES organisations(id) ON DELETE CASCADE,
    accreditation TEXT NOT NULL DEFAULT '',
    accepted BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One standard base of a body's accreditation scope.
CREATE TABLE registry_body_scope (
    body_id BIGINT NOT NULL REFERENCES registry_bodies(id) ON DELETE CASCADE,
    base TEXT NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (body_id, base)
);

CREATE TABLE registry_results (
    id {{ID}},
    body_id BIGINT NOT NULL REFERENCES registry_bodies(id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES registry_products(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    norm TEXT NOT NULL,
    base TEXT NOT NULL,
    outcome TEXT NOT NULL,
    report_no TEXT NOT NULL,
    tested_on BIGINT NOT NULL,
    valid_until BIGINT,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX registry_results_report ON registry_results (body_id, report_no, norm);
CREATE INDEX registry_results_product ON registry_results (product_id);
CREATE INDEX registry_results_created ON registry_results (created_at);
