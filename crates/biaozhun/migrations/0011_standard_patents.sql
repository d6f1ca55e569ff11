-- Patents disclosed for a standard (专利信息 / 涉及专利), as declared: "; "-separated
-- entries, each the patent number with its title and holder as published.
ALTER TABLE standards ADD COLUMN patents TEXT NOT NULL DEFAULT '';
