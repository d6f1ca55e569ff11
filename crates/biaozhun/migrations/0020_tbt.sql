-- TBT early warning: WTO TBT notifications, their symbols and families, enterprise
-- profiles and subscriptions, matches (alerts), concerns and consolidated comments (通报评议).
-- Dates of the notification world (distribution, deadlines) are calendar days stored as
-- 'YYYY-MM-DD' text: they compare and sort as text on both databases.

CREATE TABLE tbt_notifications (
    id {{ID}},
    symbol TEXT NOT NULL UNIQUE,
    root_symbol TEXT NOT NULL,
    parent_id BIGINT,
    doc_kind TEXT NOT NULL DEFAULT 'notification',
    member TEXT NOT NULL,
    members TEXT NOT NULL DEFAULT '[]',
    member_text TEXT NOT NULL DEFAULT '',
    distribution_date TEXT,
    agency TEXT NOT NULL DEFAULT '',
    notified_under TEXT NOT NULL DEFAULT '[]',
    products_text TEXT NOT NULL DEFAULT '',
    hs TEXT NOT NULL DEFAULT '[]',
    ics TEXT NOT NULL DEFAULT '[]',
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    objectives TEXT NOT NULL DEFAULT '[]',
    keywords TEXT NOT NULL DEFAULT '[]',
    regions TEXT NOT NULL DEFAULT '',
    notification_type TEXT NOT NULL DEFAULT '',
    proposed_adoption TEXT NOT NULL DEFAULT '',
    adoption_date TEXT,
    proposed_entry_into_force TEXT NOT NULL DEFAULT '',
    entry_into_force_date TEXT,
    comment_text TEXT NOT NULL DEFAULT '',
    comment_deadline TEXT,
    domestic_deadline TEXT,
    domestic_set BIGINT NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT '',
    link_notification TEXT NOT NULL DEFAULT '',
    link_summary TEXT NOT NULL DEFAULT '',
    links_full TEXT NOT NULL DEFAULT '[]',
    source_url TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    matched BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tbt_notifications_root ON tbt_notifications (root_symbol);
CREATE INDEX tbt_notifications_deadline ON tbt_notifications (comment_deadline);
CREATE INDEX tbt_notifications_domestic ON tbt_notifications (domestic_deadline);
CREATE INDEX tbt_notifications_matched ON tbt_notifications (matched);
CREATE INDEX tbt_notifications_dist ON tbt_notifications (distribution_date);

-- Every symbol a notification carries (joint notifications have several).
CREATE TABLE tbt_symbols (
    symbol TEXT PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES tbt_notifications(id) ON DELETE CASCADE
);
CREATE INDEX tbt_symbols_notification ON tbt_symbols (notification_id);

-- An enterprise's products (HS codes) and target markets; owner is a user or an organisation.
CREATE TABLE tbt_profiles (
    id {{ID}},
    owner_kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    hs TEXT NOT NULL DEFAULT '[]',
    markets TEXT NOT NULL DEFAULT '[]',
    keywords TEXT NOT NULL DEFAULT '[]',
    frequency TEXT NOT NULL DEFAULT 'immediate',
    updated_by BIGINT,
    updated_at BIGINT NOT NULL,
    UNIQUE (owner_kind, owner_id)
);

CREATE TABLE tbt_subscriptions (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id BIGINT,
    name TEXT NOT NULL DEFAULT '',
    members TEXT NOT NULL DEFAULT '[]',
    hs TEXT NOT NULL DEFAULT '[]',
    ics TEXT NOT NULL DEFAULT '[]',
    keywords TEXT NOT NULL DEFAULT '[]',
    frequency TEXT NOT NULL DEFAULT 'immediate',
    profile_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tbt_subscriptions_user ON tbt_subscriptions (user_id);

CREATE TABLE tbt_matches (
    id {{ID}},
    subscription_id BIGINT NOT NULL REFERENCES tbt_subscriptions(id) ON DELETE CASCADE,
    notification_id BIGINT NOT NULL REFERENCES tbt_notifications(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    frequency TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    notified_at BIGINT,
    UNIQUE (subscription_id, notification_id)
);
CREATE INDEX tbt_matches_pending ON tbt_matches (notified_at, frequency);
CREATE INDEX tbt_matches_user ON tbt_matches (user_id, created_at);

-- Secret token of a user's iCalendar feed of comment deadlines.
CREATE TABLE tbt_calendar_tokens (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Consolidated comment on a notification (通报评议意见).
CREATE TABLE tbt_comments (
    id {{ID}},
    notification_id BIGINT NOT NULL REFERENCES tbt_notifications(id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'draft',
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tbt_comments_state ON tbt_comments (state);

-- A comment's history is the workflow engine's event log (kind 'tbt_comment'): the table
-- tbt_comment_history that stood here is moved there by 0007, which on a new database runs
-- before this file, so this file no longer creates it.

-- A concern raised by an enterprise or expert on a notification.
CREATE TABLE tbt_concerns (
    id {{ID}},
    notification_id BIGINT NOT NULL REFERENCES tbt_notifications(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    clauses TEXT NOT NULL DEFAULT '',
    trade_impact TEXT NOT NULL DEFAULT '',
    attachment_name TEXT,
    attachment_type TEXT,
    attachment {{BLOB}},
    comment_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tbt_concerns_notification ON tbt_concerns (notification_id);
