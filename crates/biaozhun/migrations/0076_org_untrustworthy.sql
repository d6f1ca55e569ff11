-- Organisations marked seriously untrustworthy (严重失信) by staff (audited, orgs/store.rs
-- `set_untrustworthy`): programmes refuse subsidies to them.
ALTER TABLE organisations ADD COLUMN untrustworthy BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN untrustworthy_note TEXT NOT NULL DEFAULT '';
