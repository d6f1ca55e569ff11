-- SPS notifications in the TBT room, and the specific trade concerns (STCs) raised in the
-- WTO TBT and SPS committees.
-- A notification is made under one agreement: 'tbt' (G/TBT/…) or 'sps' (G/SPS/…). The SPS
-- fields: emergency measures (SPS Art. 6 / Annex B para. 6; TBT 2.10 / 5.7), the relevant
-- international standards ('codex', 'woah', 'ippc', 'none' as a JSON list) and whether the
-- measure conforms to them ('yes', 'no', '' unknown), and the enquiry point.
ALTER TABLE tbt_notifications ADD COLUMN agreement TEXT NOT NULL DEFAULT 'tbt';
ALTER TABLE tbt_notifications ADD COLUMN emergency BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tbt_notifications ADD COLUMN intl_standards TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tbt_notifications ADD COLUMN conformity TEXT NOT NULL DEFAULT '';
ALTER TABLE tbt_notifications ADD COLUMN enquiry_point TEXT NOT NULL DEFAULT '';
CREATE INDEX tbt_notifications_agreement ON tbt_notifications (agreement, distribution_date);

-- A subscription (and a profile) may keep to one agreement and, for SPS, to objectives
-- (food_safety, animal_health, plant_protection, human_pests, territory); empty = any.
ALTER TABLE tbt_subscriptions ADD COLUMN agreements TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tbt_subscriptions ADD COLUMN sps_objectives TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tbt_profiles ADD COLUMN agreements TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tbt_profiles ADD COLUMN sps_objectives TEXT NOT NULL DEFAULT '[]';

-- A specific trade concern, keyed by its committee and number (TBT IMS ID, SPS STC number).
-- Members are WTO member codes (JSON lists); meetings are JSON [{date, meeting}].
CREATE TABLE trade_concerns (
    id {{ID}},
    agreement TEXT NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    raising TEXT NOT NULL DEFAULT '[]',
    maintaining TEXT NOT NULL DEFAULT '[]',
    meetings TEXT NOT NULL DEFAULT '[]',
    first_raised TEXT,
    status TEXT NOT NULL DEFAULT 'not_reported',
    hs TEXT NOT NULL DEFAULT '[]',
    source_url TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (agreement, number)
);
CREATE INDEX trade_concerns_first ON trade_concerns (first_raised);

-- The notifications a concern refers to, by normalised symbol (looked up in tbt_symbols when
-- read, so concerns and notifications may be imported in any order).
CREATE TABLE trade_concern_symbols (
    concern_id BIGINT NOT NULL REFERENCES trade_concerns(id) ON DELETE CASCADE,
    symbol TEXT NOT NULL,
    PRIMARY KEY (concern_id, symbol)
);
CREATE INDEX trade_concern_symbols_symbol ON trade_concern_symbols (symbol);
