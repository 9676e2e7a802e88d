-- version 4: the lock is a lease. Its holder refreshes heartbeat_at while it
-- runs; a holder whose heartbeat is older than the lease is taken over on any
-- host, because in a container every run is pid 1 on a new hostname. A lock
-- written by an older voiceid counts as last heard of when it started.
ALTER TABLE lock ADD COLUMN heartbeat_at TEXT NOT NULL DEFAULT '';
UPDATE lock SET heartbeat_at = started_at;

-- when a change's batch went to Salesforce: with "sending", it dates the write
-- an administrator looks for in Salesforce's field history
ALTER TABLE changes ADD COLUMN sent_at TEXT;

-- a run's counts come from its changes (the audit trail), never from totals
-- written when the run ends: a killed or failed run never wrote them
ALTER TABLE runs DROP COLUMN changes;
ALTER TABLE runs DROP COLUMN applied;
ALTER TABLE runs DROP COLUMN failed;
