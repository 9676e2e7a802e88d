-- version 8: the fast lane (sync --new). A run says which lane it ran in:
-- complete (every directory read in full) or new (only what is new since the
-- last complete run). The people a complete run read of a provider that can
-- read "only what is new" are remembered, with the mark to read on from, as
-- one gzipped JSON list each.
ALTER TABLE runs ADD COLUMN lane TEXT NOT NULL DEFAULT 'complete';
CREATE TABLE people_snapshot (
    provider TEXT PRIMARY KEY,
    taken_at TEXT NOT NULL,
    mark     TEXT NOT NULL,
    data     BLOB NOT NULL
);
