-- version 3: a change can be "sending": its batch went to Salesforce and no
-- answer was recorded yet. A run killed in that moment leaves it so, which
-- tells the truth (outcome unknown) instead of "planned". SQLite changes a
-- CHECK constraint only by rebuilding the table.
CREATE TABLE changes_v3 (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs (id),
    user_id   TEXT    NOT NULL,
    username  TEXT    NOT NULL DEFAULT '',
    name      TEXT    NOT NULL DEFAULT '',
    provider  TEXT    NOT NULL,
    field     TEXT    NOT NULL,
    old       TEXT    NOT NULL,
    new       TEXT    NOT NULL,
    rule      TEXT    NOT NULL,
    status    TEXT    NOT NULL CHECK (status IN ('planned', 'sending', 'applied', 'failed', 'skipped')),
    error     TEXT    NOT NULL DEFAULT ''
);
INSERT INTO changes_v3 SELECT id, run_id, user_id, username, name, provider, field, old, new, rule, status, error FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v3 RENAME TO changes;
CREATE INDEX changes_run ON changes (run_id);
CREATE INDEX changes_user ON changes (user_id);
