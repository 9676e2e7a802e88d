-- version 5: small facts about the state itself. users_digest: a hash of the users the
-- last run remembered, so that a night when nobody changed skips rewriting
-- 100,000 rows.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
