-- version 8: the fast lane (sync --new). A run says which lane it ran in:
-- complete (every directory read in full) or new (only what is new since the
-- last complete run). The people a complete run read of a provider that can
-- read "only what is new" are remembered, with the mark to read on from, as
-- one gzipped list of compact rows each (state/rows.go).
ALTER TABLE runs ADD COLUMN lane TEXT NOT NULL DEFAULT 'complete';
CREATE TABLE people_snapshot (
    provider TEXT PRIMARY KEY,
    taken_at TEXT NOT NULL,
    mark     TEXT NOT NULL,
    data     BLOB NOT NULL
);
-- The Salesforce users a complete run read, whole, for a fast run that reads
-- only the users changed since (SystemModstamp): when Salesforce began
-- answering that read (read_at, by its own clock), and what was read (source:
-- the org, the instance and the fields selected).
CREATE TABLE salesforce_snapshot (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    taken_at TEXT NOT NULL,
    read_at  TEXT NOT NULL,
    source   TEXT NOT NULL,
    data     BLOB NOT NULL
);
