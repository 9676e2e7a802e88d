-- voiceid state, version 1: runs, the audit trail of changes, conflicts with
-- their lifecycle, manual pins, and the one-run-at-a-time lock.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    mode        TEXT    NOT NULL CHECK (mode IN ('dry-run', 'apply')),
    backfill    INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'aborted', 'failed')),
    reason      TEXT    NOT NULL DEFAULT '',
    changes     INTEGER NOT NULL DEFAULT 0,
    applied     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    conflicts   INTEGER NOT NULL DEFAULT 0,
    api_calls   TEXT    NOT NULL DEFAULT '{}', -- JSON: provider -> HTTP requests
    report      TEXT                           -- the run's JSON report, as written
);

CREATE TABLE changes (
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
    status    TEXT    NOT NULL CHECK (status IN ('planned', 'applied', 'failed', 'skipped')),
    error     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX changes_run ON changes (run_id);
CREATE INDEX changes_user ON changes (user_id);

CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE, -- kind|provider|value|person ids|user ids
    kind        TEXT    NOT NULL,
    provider    TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    person_ids  TEXT    NOT NULL, -- JSON array
    user_ids    TEXT    NOT NULL, -- JSON array
    detail      TEXT    NOT NULL DEFAULT '',
    first_seen  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    resolved_at TEXT,
    first_run   INTEGER NOT NULL,
    last_run    INTEGER NOT NULL
);
CREATE INDEX conflicts_open ON conflicts (resolved_at);

CREATE TABLE pins (
    user_id    TEXT NOT NULL,
    provider   TEXT NOT NULL,
    person_id  TEXT NOT NULL DEFAULT '', -- '' with none = 1
    none       INTEGER NOT NULL DEFAULT 0,
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, provider)
);

CREATE TABLE lock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    pid        INTEGER NOT NULL,
    host       TEXT    NOT NULL,
    started_at TEXT    NOT NULL,
    token      TEXT    NOT NULL
);
