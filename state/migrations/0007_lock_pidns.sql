-- version 7: a killed holder on this host is taken over at once, when its pid
-- is not running. A pid means something only in its own pid namespace: two
-- containers sharing the host's network also share its hostname, and each
-- counts pids from 1. pidns names the holder's namespace; '' (a lock written
-- by an older voiceid) never matches, so such a lock waits out its lease.
ALTER TABLE lock ADD COLUMN pidns TEXT NOT NULL DEFAULT '';
