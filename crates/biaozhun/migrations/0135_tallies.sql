-- Rolled-up counts (db::tallies): one row per figure a room keeps current in the same
-- transaction as its records, read by key instead of counting the records. `until` is 0 for
-- the row that holds the figure (and marks it as filled); records that stop counting at a
-- moment (a certificate's expiry) are kept in rows by that moment. A tally's rows are
-- filled from the records on the first read (or `biaozhun admin recount`), not here: the
-- rooms' counting SQL lives with the rooms.
CREATE TABLE tallies (
    key TEXT NOT NULL,
    until BIGINT NOT NULL DEFAULT 0,
    value BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key, until)
);
