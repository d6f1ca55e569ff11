-- Requests per minute against the anonymous and per-account budgets of the expensive public
-- routes (search, validity check), summed over every server. Each server adds what it served
-- about once a second and reads the totals back (web/ratelimit.rs); rows older than a few
-- minutes are deleted. Transient: left out of backups.
CREATE TABLE rate_counts (
    class TEXT NOT NULL,
    key TEXT NOT NULL,
    minute BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (class, key, minute)
);
