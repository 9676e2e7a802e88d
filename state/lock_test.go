package state

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deadPID is the pid of a process that ran on this machine and has exited:
// the test binary itself, started to run no test.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// holdLock writes the lock row a holder left: its pid, host, pid namespace and last heartbeat.
func holdLock(t *testing.T, db *DB, pid int, host, pidns string, beat time.Time) {
	t.Helper()
	if _, err := db.db.Exec("INSERT OR REPLACE INTO lock (id, pid, host, started_at, heartbeat_at, token, pidns) VALUES (1, ?, ?, ?, ?, 'x', ?)",
		pid, host, ts(beat.Add(-time.Minute)), ts(beat), pidns); err != nil {
		t.Fatal(err)
	}
}

// A run killed with kill -9 on this host leaves a fresh heartbeat; its pid no
// longer runs, so the next run takes the lock at once, says so in the log,
// and records the killed run as interrupted.
func TestLockOfAKilledHolderOnThisHostIsTakenOverAtOnce(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	now := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	runID, _ := db.StartRun("apply", false)
	host, _ := os.Hostname()
	pid := deadPID(t)
	holdLock(t, db, pid, host, pidNamespace(), now.Add(-5*time.Second))
	var logged bytes.Buffer
	db.Log = slog.New(slog.NewTextHandler(&logged, nil))

	release, err := db.Lock(context.Background())
	if err != nil {
		t.Fatalf("a dead holder's lock was not taken over at once: %v", err)
	}
	defer release()
	if !strings.Contains(logged.String(), "state lock taken over") || !strings.Contains(logged.String(), "not running") {
		t.Errorf("the takeover was not logged with its reason: %q", logged.String())
	}
	runs, _ := db.Runs(1)
	if runs[0].ID != runID || runs[0].Status != "failed" || !strings.Contains(runs[0].Reason, "interrupted") ||
		!strings.Contains(runs[0].Reason, "not running") {
		t.Errorf("the killed run is recorded as %+v", runs[0])
	}
}

// A pid is looked up only where it means that process: a live one on this
// host, one from another pid namespace (a container sharing the host's
// name), one from another host, and a lock an older voiceid wrote without
// its namespace all keep the lease.
func TestLockHoldersThatMayLiveKeepTheirLease(t *testing.T) {
	host, _ := os.Hostname()
	dead := deadPID(t)
	for name, h := range map[string]struct {
		pid         int
		host, pidns string
	}{
		"a live process on this host":     {os.Getppid(), host, pidNamespace()},
		"another pid namespace":           {dead, host, "pid:[1]"},
		"another host":                    {dead, "voiceid-7f9c-x2", pidNamespace()},
		"a lock without its namespace":    {dead, host, ""},
		"this very process (a scheduler)": {os.Getpid(), host, pidNamespace()},
	} {
		db := open(t, filepath.Join(t.TempDir(), "state.db"))
		now := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		holdLock(t, db, h.pid, h.host, h.pidns, now.Add(-5*time.Second))
		_, err := db.Lock(context.Background())
		var le *LockedError
		if !errors.As(err, &le) || le.PID != h.pid {
			t.Errorf("%s: %v, want the lock refused within its lease", name, err)
		}
	}
}

// A heartbeat further ahead than the lease was written by a clock that was
// wrong (or changed since): waiting for it to age would take as long as the
// clock was off. Within one lease ahead it still counts as live.
func TestLockHeartbeatInTheFutureIsStaleBeyondOneLease(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	now := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	holdLock(t, db, 1, "voiceid-7f9c-x2", "pid:[1]", now.Add(2*time.Minute-time.Second))
	if _, err := db.Lock(context.Background()); err == nil {
		t.Fatal("a heartbeat less than a lease ahead was taken over")
	}
	holdLock(t, db, 1, "voiceid-7f9c-x2", "pid:[1]", now.Add(3*time.Hour))
	release, err := db.Lock(context.Background())
	if err != nil {
		t.Fatalf("a heartbeat 3 hours ahead kept the lock: %v", err)
	}
	release()
}
