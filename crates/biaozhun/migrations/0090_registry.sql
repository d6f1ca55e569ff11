-- The registry room (registry/): products of organisations, the standards each follows with
-- the indicators declared, and the public self-declarations (自我声明公开).

-- A product of an organisation. Its key within the organisation is (name, model), which
-- makes a re-run import change nothing; a GTIN names one trade item, so it is unique where
-- given ('' when the product has none).
CREATE TABLE registry_products (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    gtin TEXT NOT NULL DEFAULT '',
    hs TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX registry_products_key ON registry_products (org_id, name, model);
CREATE UNIQUE INDEX registry_products_gtin ON registry_products (gtin) WHERE gtin <> '';

-- The standards a product follows: the number as typed, its normalised spelling and base
-- (standards::model::ident), and the indicators declared against it. Indexed on the base so
-- that every product affected by a change of one standard is found at once.
CREATE TABLE registry_product_standards (
    product_id BIGINT NOT NULL REFERENCES registry_products(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    norm TEXT NOT NULL,
    base TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    indicators TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, norm)
);
CREATE INDEX registry_links_base ON registry_product_standards (base, product_id);
CREATE INDEX registry_links_norm ON registry_product_standards (norm, product_id);

-- A public self-declaration: an organisation declares that a product follows the standards
-- linked to it. `flag` names the problem found with a cited standard ('' when none):
-- `replaced:<norm>=><successor>` or `withdrawn:<norm>`.
CREATE TABLE registry_declarations (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES registry_products(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'public',
    flag TEXT NOT NULL DEFAULT '',
    declared_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX registry_declarations_product ON registry_declarations (product_id);
CREATE INDEX registry_declarations_org ON registry_declarations (org_id, status);

-- What happened to a declaration (declared, flagged, re-checked), newest last.
CREATE TABLE registry_declaration_events (
    id {{ID}},
    declaration_id BIGINT NOT NULL REFERENCES registry_declarations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX registry_declaration_events_decl ON registry_declaration_events (declaration_id, id);

-- The last standards change event the registry has followed (one row).
CREATE TABLE registry_cursor (
    id BIGINT PRIMARY KEY,
    last_event BIGINT NOT NULL
);
