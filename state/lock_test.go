package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
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

func TestLockIsExclusiveUntilReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	release, err := db.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	other := open(t, path)
	_, err = other.Lock(context.Background())
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if r2, err := other.Lock(context.Background()); err != nil {
		t.Fatalf("lock after release: %v", err)
	} else {
		r2()
	}
}

// A run killed in a container leaves a lock from pid 1 on a hostname no
// later pod has: it is taken over once its heartbeat is older than the lease.
func TestLockOfASilentHolderIsTakenOverAfterTheLease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	killed := time.Date(2026, 11, 1, 2, 30, 0, 0, time.UTC)
	db.Now = func() time.Time { return killed }
	runID, _ := db.StartRun("apply", false)
	if _, err := db.db.Exec("INSERT INTO lock (id, pid, host, started_at, heartbeat_at, token) VALUES (1, 1, 'voiceid-7f9c-x2', ?, ?, 'x')",
		ts(killed.Add(-time.Hour)), ts(killed)); err != nil {
		t.Fatal(err)
	}
	other, err := Open(path, Lease(2*time.Minute, 20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.Now = func() time.Time { return killed.Add(2*time.Minute - time.Second) }
	_, err = other.Lock(context.Background())
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 1 || le.Host != "voiceid-7f9c-x2" || !le.Heartbeat.Equal(killed) {
		t.Fatalf("within the lease: %v", err)
	}
	other.Now = func() time.Time { return killed.Add(2*time.Minute + time.Second) }
	release, err := other.Lock(context.Background())
	if err != nil {
		t.Fatalf("a holder silent for longer than the lease was not taken over: %v", err)
	}
	defer release()
	runs, _ := db.Runs(1)
	if runs[0].ID != runID || runs[0].Status != "failed" || !strings.Contains(runs[0].Reason, "interrupted") {
		t.Errorf("the silent holder's run: %+v", runs[0])
	}
}

// A holder heartbeats while it lives, so it is never taken over however long
// it runs; its heartbeat stops when it releases the lock; and one that stops
// heartbeating without releasing (killed) loses the lock after the lease.
func TestLockHeartbeatKeepsALiveHolderAndStopsOnRelease(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(dir, "state.db")
		opt := Lease(2*time.Minute, 20*time.Second)
		holder, err := Open(path, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		other, err := Open(path, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		heartbeat := func() time.Time {
			var beat string
			holder.db.QueryRow("SELECT coalesce((SELECT heartbeat_at FROM lock), '')").Scan(&beat)
			return parseTS(beat)
		}

		release, err := holder.Lock(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for range 10 { // a long run: 10 leases
			time.Sleep(2 * time.Minute)
			synctest.Wait()
			if _, err := other.Lock(context.Background()); err == nil {
				t.Fatalf("a live holder's lock was taken over after %s", time.Since(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)))
			}
			if age := time.Since(heartbeat()); age > 20*time.Second {
				t.Fatalf("heartbeat %s old while the holder lives", age)
			}
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if !heartbeat().IsZero() {
			t.Error("the lock row is still there after release")
		}

		// killed: the heartbeat stops, the lock row stays
		if _, err := holder.Lock(context.Background()); err != nil {
			t.Fatal(err)
		}
		holder.stopHeartbeat()
		last := heartbeat()
		time.Sleep(2*time.Minute - time.Second)
		if !heartbeat().Equal(last) {
			t.Error("the heartbeat went on after it was stopped")
		}
		if _, err := other.Lock(context.Background()); err == nil {
			t.Fatal("taken over before the lease ran out")
		}
		time.Sleep(2 * time.Second)
		release, err = other.Lock(context.Background())
		if err != nil {
			t.Fatalf("a holder that stopped heartbeating was not taken over after the lease: %v", err)
		}
		release()
	})
}
