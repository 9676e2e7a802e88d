-- version 6: the users the last run read are kept as one list, gzipped JSON
-- [[id, username, name], ...] in the order the run read them, instead of
-- 100,000 rows in two B-trees (writing those took 0.7 s of a 100,000-user
-- run); pin and the conflicts list read it whole. Rows remembered before move
-- over as plain JSON, in id order.
CREATE TABLE users_snapshot (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    taken_at TEXT NOT NULL,
    data     BLOB NOT NULL
);
INSERT INTO users_snapshot (id, taken_at, data)
    SELECT 1, max(seen_at),
        (SELECT json_group_array(json_array(id, username, name)) FROM (SELECT id, username, name FROM users ORDER BY id))
    FROM users HAVING count(*) > 0;
DROP TABLE users;
-- No query looks changes up by user (history reads a run's changes by run_id),
-- so the index that every recorded change paid for goes.
DROP INDEX changes_user;
