-- A TBT distribution date that could not be read is kept as written, so the notification is
-- imported and the page shows what the source said (distribution_date stays empty).
ALTER TABLE tbt_notifications ADD COLUMN distribution_raw TEXT NOT NULL DEFAULT '';

-- A joint document cited under one body (ISO 27002 for ISO/IEC 27002) is looked up by its
-- number proper.
CREATE INDEX standards_part ON standards (part);
