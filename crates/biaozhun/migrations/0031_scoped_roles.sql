-- Roles held on one thing rather than site-wide: a city department or district (its
-- strategy reports), the secretary of a committee, the reviewer or expert assigned to one
-- record (a TBT comment, an application). (An organisation's administrators stay in
-- org_users, with the organisation.) `scope_kind`
-- names what the key identifies (district, department, committee, tbt_comment, organisation,
-- …); `scope_key` is its code or id as text. Domains decide what a role lets its holder do
-- on their records (their policy.rs); the kernel only stores and answers "does this hold".
CREATE TABLE scoped_roles (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    granted_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, role, scope_kind, scope_key)
);
CREATE INDEX scoped_roles_scope ON scoped_roles (scope_kind, scope_key, role);
