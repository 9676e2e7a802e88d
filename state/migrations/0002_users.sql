-- version 2: the Salesforce users the last run read, so that commands can
-- name users by username and show names next to ids without calling Salesforce.
CREATE TABLE users (
    id       TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    name     TEXT NOT NULL DEFAULT '',
    seen_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE);
