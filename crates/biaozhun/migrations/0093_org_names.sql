-- Organisations (orgs/): the names an organisation was registered under before its current
-- one, newest last (written when a registration refreshes the name).
CREATE TABLE org_name_history (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    until_at BIGINT NOT NULL
);
CREATE INDEX org_name_history_org ON org_name_history (org_id, id);
