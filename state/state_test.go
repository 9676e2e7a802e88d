package state

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"voiceid/directory"
	"voiceid/match"
)

func open(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func pragma(t *testing.T, path, name string) int {
	t.Helper()
	uri, err := dsn(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigratesFromEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	if _, err := db.StartRun("dry-run", false); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if v := pragma(t, path, "user_version"); v != Version() || Version() < 2 {
		t.Errorf("user_version %d, Version() %d", v, Version())
	}
	if a := pragma(t, path, "application_id"); a != applicationID {
		t.Errorf("application_id %#x", a)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", st.Mode().Perm())
	}
}

func TestMigratesFromEveryEarlierVersion(t *testing.T) {
	_, names := latest()
	for from := 1; from < len(names); from++ {
		path := filepath.Join(t.TempDir(), "state.db")
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < from; i++ {
			src, _ := migrations.ReadFile(names[i])
			if _, err := raw.Exec(string(src)); err != nil {
				t.Fatal(err)
			}
		}
		raw.Exec(fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, from))
		if _, err := raw.Exec("INSERT INTO runs (mode, started_at, status) VALUES ('apply', '2026-01-01T00:00:00Z', 'ok')"); err != nil {
			t.Fatal(err)
		}
		raw.Close()

		db := open(t, path)
		runs, err := db.Runs(10)
		if err != nil || len(runs) != 1 || runs[0].Status != "ok" {
			t.Fatalf("from v%d: runs %+v, err %v", from, runs, err)
		}
		if err := db.RememberUsers([]UserRef{{ID: "005A", Username: "a@x"}}); err != nil {
			t.Errorf("from v%d: the newest tables are missing: %v", from, err)
		}
		db.Close()
		if v := pragma(t, path, "user_version"); v != Version() {
			t.Errorf("from v%d: now at %d, want %d", from, v, Version())
		}
	}
}

func TestRefusesNewerAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.db")
	open(t, newer).Close()
	raw, _ := sql.Open("sqlite", newer)
	raw.Exec("PRAGMA user_version = 99")
	raw.Close()
	if _, err := Open(newer); !errors.Is(err, ErrTooNew) {
		t.Errorf("newer file: %v", err)
	}

	foreign := filepath.Join(dir, "other.db")
	raw, _ = sql.Open("sqlite", foreign)
	raw.Exec("CREATE TABLE invoices (id INTEGER)")
	raw.Close()
	if _, err := Open(foreign); !errors.Is(err, ErrNotState) {
		t.Errorf("another application's SQLite file: %v", err)
	}

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("this is not a database, just some text that is long enough to have a header"), 0o600)
	if _, err := Open(text); !errors.Is(err, ErrNotState) {
		t.Errorf("a text file: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing", "state.db")); err == nil {
		t.Error("a state path in a missing directory was accepted")
	}
}

func TestConflictLifecycleAcrossThreeRuns(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	clock := time.Date(2026, 11, 1, 2, 30, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	a := match.Conflict{Kind: match.SharedNumber, Provider: directory.RingCentral, Value: "+16505550100", PersonIDs: []string{"1", "2"}, UserIDs: []string{}}
	b := match.Conflict{Kind: match.DuplicateEmail, Provider: directory.Aircall, Value: "x@y", PersonIDs: []string{"9"}, UserIDs: []string{"005A", "005B"}}
	c := match.Conflict{Kind: match.StaleIdentifier, Provider: directory.RingCentral, Value: "999", PersonIDs: []string{"999"}, UserIDs: []string{"005C"}}
	see := func(cs ...match.Conflict) map[string]time.Time {
		t.Helper()
		id, _ := db.StartRun("apply", false)
		first, err := db.SeeConflicts(id, cs)
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(24 * time.Hour)
		return first
	}
	day := func(n int) time.Time { return time.Date(2026, 11, n, 2, 30, 0, 0, time.UTC) }

	see(a, b)
	first := see(b, c) // a resolved, b seen again, c new
	if !first[b.Key()].Equal(day(1)) || !first[c.Key()].Equal(day(2)) {
		t.Errorf("first seen after run 2: %v", first)
	}
	if _, open := first[a.Key()]; open {
		t.Error("a conflict run 2 no longer found is still open")
	}
	all, _ := db.Conflicts(true)
	for _, x := range all {
		switch x.Key() {
		case a.Key():
			if !x.ResolvedAt.Equal(day(2)) || !x.LastSeen.Equal(day(1)) {
				t.Errorf("a: resolved %v, last seen %v", x.ResolvedAt, x.LastSeen)
			}
		case b.Key():
			if !x.LastSeen.Equal(day(2)) || !x.ResolvedAt.IsZero() {
				t.Errorf("b: last seen %v, resolved %v", x.LastSeen, x.ResolvedAt)
			}
		}
	}
	first = see(a) // a comes back: a new first-seen; b and c resolved
	if !first[a.Key()].Equal(day(3)) || len(first) != 1 {
		t.Errorf("after run 3: %v", first)
	}
	if cs, _ := db.Conflicts(true); len(cs) != 3 {
		t.Errorf("%d conflict rows, want 3 (one per identity, across runs)", len(cs))
	}
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

func TestPinsAndUsers(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	if err := db.RememberUsers([]UserRef{{ID: "005A", Username: "Ann@Example.com.prod", Name: "Ann"}}); err != nil {
		t.Fatal(err)
	}
	if u, err := db.FindUser("ann@example.com.PROD"); err != nil || u.ID != "005A" {
		t.Errorf("by username: %+v, %v", u, err)
	}
	if _, err := db.FindUser("bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	db.SetPin(Pin{Pin: match.Pin{UserID: "005A", Provider: directory.RingCentral, PersonID: "1"}, Note: "first"})
	db.SetPin(Pin{Pin: match.Pin{UserID: "005A", Provider: directory.RingCentral, PersonID: "2"}, Note: "second"})
	db.SetPin(Pin{Pin: match.Pin{UserID: "005A", Provider: directory.Aircall, None: true}})
	pins, _ := db.Pins()
	if len(pins) != 2 || pins[1].PersonID != "2" || pins[1].Note != "second" || !pins[0].None {
		t.Errorf("pins %+v", pins)
	}
	if err := db.DeletePin("005A", directory.Aircall); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePin("005A", directory.Aircall); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

// BenchmarkRecordChanges measures writing a backfill's audit trail: 35,000
// changes in one transaction, then their outcomes in batches of 200.
func BenchmarkRecordChanges(b *testing.B) {
	changes := make([]Change, 35_000)
	for i := range changes {
		changes[i] = Change{Change: match.Change{Provider: directory.RingCentral, UserID: fmt.Sprintf("005B%014d", i),
			Username: fmt.Sprintf("user%d@example.com.prod", i), New: fmt.Sprint(62804120004 + i), Rule: match.RuleEmail},
			Field: "cnx__RingCentral_User_Identifier__c", Status: "planned"}
	}
	for b.Loop() {
		db, err := Open(filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		run, _ := db.StartRun("apply", true)
		ids, err := db.RecordChanges(run, changes)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(ids); i += 200 {
			end := min(len(ids), i+200)
			st, errs := make([]match.ChangeStatus, end-i), make([]string, end-i)
			for k := range st {
				st[k] = "applied"
			}
			if err := db.SetChangeStatus(ids[i:end], st, errs); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
	}
}

func TestReportsAreStoredCompressedAndReadBackWhole(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "voiceid.db"))
	big := []byte(`{"changes":[` + strings.Repeat(`{"salesforce_user_id":"005B00000000001","rule":"email"},`, 20000) + `{}]}`)
	id, err := db.StartRun("apply", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(Run{ID: id, Status: "ok", Report: func(w io.Writer) error { _, err := w.Write(big); return err }}); err != nil {
		t.Fatal(err)
	}
	var stored int
	db.db.QueryRow("SELECT length(report) FROM runs WHERE id = ?", id).Scan(&stored)
	if stored == 0 || stored > len(big)/10 {
		t.Errorf("stored %d bytes for a %d-byte report, want it compressed", stored, len(big))
	}
	got, err := db.Report(id)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes (err %v), want the %d bytes written", len(got), err, len(big))
	}

	// a report stored plain, as before compression, still reads
	old, _ := db.StartRun("apply", false)
	db.db.Exec("UPDATE runs SET status = 'ok', report = ? WHERE id = ?", `{"schema_version":1}`, old)
	if got, err := db.Report(old); err != nil || string(got) != `{"schema_version":1}` {
		t.Errorf("plain report read back as %q, %v", got, err)
	}
	unfinished, _ := db.StartRun("apply", false)
	if _, err := db.Report(unfinished); err == nil || !strings.Contains(err.Error(), "no report") {
		t.Errorf("unfinished run: err = %v, want 'has no report'", err)
	}
}

// The path reaches SQLite as a path: characters that mean something in a
// URI (%, ?, #, space) or are not ASCII neither move the file nor drop the
// settings that follow the path.
func TestStatePathWithAnyCharacter(t *testing.T) {
	for _, name := range []string{"a%41b", "q?x", "h#x", "with space", "ünïcødé", "a&b=c;d+e"} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, name)
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "state.db")
			db := open(t, path)
			if _, err := db.StartRun("dry-run", false); err != nil {
				t.Fatal(err)
			}
			for pragma, want := range map[string]string{"busy_timeout": "10000", "synchronous": "2", "journal_mode": "wal", "foreign_keys": "1"} {
				var got string
				if err := db.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
					t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
				}
			}
			db.Close()
			if st, err := os.Stat(path); err != nil || st.Size() == 0 {
				t.Fatalf("no state at %s: %v", path, err)
			}
			if v := pragma(t, path, "user_version"); v != Version() {
				t.Errorf("the file at the path has schema version %d", v)
			}
			entries, _ := os.ReadDir(parent)
			if len(entries) != 1 {
				t.Errorf("files beside the directory: %v", entries)
			}
		})
	}
}

func TestDamagedFileIsRefusedWithTheFix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	plannedRun(t, db, 3000)
	db.Close() // checkpoints the WAL into the file

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	mid := len(raw) / page / 2 * page
	copy(raw[mid:mid+page], bytes.Repeat([]byte{0xA5}, page))
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("a damaged file opened: %v", err)
	}
	for _, want := range []string{path, "integrity check says", "backup", "move it aside"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

// plannedRun starts a run with n planned changes and returns their row ids.
func plannedRun(t *testing.T, db *DB, n int) (int64, []int64) {
	t.Helper()
	run, err := db.StartRun("apply", true)
	if err != nil {
		t.Fatal(err)
	}
	cs := make([]Change, n)
	for i := range cs {
		cs[i] = Change{Change: match.Change{Provider: directory.RingCentral, UserID: fmt.Sprintf("005B%014d", i), New: fmt.Sprint(62804120004 + i), Rule: match.RuleEmail},
			Field: "cnx__RingCentral_User_Identifier__c", Status: "planned"}
	}
	ids, err := db.RecordChanges(run, cs)
	if err != nil {
		t.Fatal(err)
	}
	return run, ids
}

func TestEmptyFileBecomesANewStateAt0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	db := open(t, path)
	if _, err := db.StartRun("dry-run", false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, want mode 0600", f, err)
		}
	}
	db.Close()
	if v := pragma(t, path, "user_version"); v != Version() {
		t.Errorf("user_version %d, want %d", v, Version())
	}
}

func TestOpenExistingNeverCreatesAFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "voicied.db")
	_, err := OpenExisting(missing)
	if !errors.Is(err, ErrNoState) || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "[state] path") {
		t.Errorf("a missing state file: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("OpenExisting created %v", entries)
	}
	path := filepath.Join(dir, "state.db")
	open(t, path).Close()
	db, err := OpenExisting(path)
	if err != nil {
		t.Fatalf("an existing state file: %v", err)
	}
	db.Close()
}

// A run killed after writing, or one that failed, never records totals: the
// counts come from its changes in the trail.
func TestRunCountsComeFromTheTrail(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	record := func(n int) (int64, []int64) {
		t.Helper()
		run, ids := plannedRun(t, db, n)
		if err := db.MarkSending(ids); err != nil {
			t.Fatal(err)
		}
		return run, ids
	}
	settle := func(ids []int64, status match.ChangeStatus) {
		t.Helper()
		st, errs := make([]match.ChangeStatus, len(ids)), make([]string, len(ids))
		for i := range st {
			st[i] = status
		}
		if err := db.SetChangeStatus(ids, st, errs); err != nil {
			t.Fatal(err)
		}
	}

	killed, ids := record(400) // 358 applied, 42 in flight, never finished
	settle(ids[:358], "applied")
	failed, ids := record(150) // 120 applied, 30 rejected, then the run failed
	settle(ids[:120], "applied")
	settle(ids[120:], "failed")
	if err := db.FinishRun(Run{ID: failed, Status: "failed", Reason: "conflicts not recorded"}); err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]Counts{killed: {Changes: 400, Applied: 358, Sending: 42}, failed: {Changes: 150, Applied: 120, Failed: 30}}
	for _, r := range runs {
		if r.Counts != want[r.ID] {
			t.Errorf("run %d (%s) counts %+v, want %+v", r.ID, r.Status, r.Counts, want[r.ID])
		}
		if c, err := db.CountsOf(r.ID); err != nil || c != want[r.ID] {
			t.Errorf("CountsOf(%d) = %+v, %v", r.ID, c, err)
		}
	}
	if c, err := db.CountsOf(99); err != nil || c != (Counts{}) {
		t.Errorf("a run without changes: %+v, %v", c, err)
	}
}

// When the file cannot grow, marking a batch "sending" fails with SQLite's
// own error and leaves the batch as it was: the caller must not send it.
func TestMarksFailLoudlyWhenTheFileIsFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	run, ids := plannedRun(t, db, 600)
	db.Close()

	full, err := Open(path, GrowthLimit(0))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	err = full.MarkSending(ids)
	if err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("marking 600 changes sending in a full file: %v", err)
	}
	if c, _ := full.CountsOf(run); c.Sending != 0 {
		t.Errorf("%d marks of a failed transaction were kept", c.Sending)
	}
	st, errs := make([]match.ChangeStatus, len(ids)), make([]string, len(ids))
	for i := range st {
		st[i], errs[i] = "failed", strings.Repeat("FIELD_CUSTOM_VALIDATION_EXCEPTION: rejected. ", 3)
	}
	if err := full.SetChangeStatus(ids, st, errs); err == nil {
		t.Error("recording outcomes in a full file did not fail")
	}
}

// The nightly re-run on an unchanged org rewrites no user rows: the users
// table is rewritten only when the users differ from the last run's.
func TestRememberUsersRewritesOnlyWhenTheUsersChange(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	users := []UserRef{{ID: "005A", Username: "ann@x", Name: "Ann"}, {ID: "005B", Username: "bob@x", Name: "Bob"}}
	writes := func() int64 {
		var n int64
		db.db.QueryRow("SELECT total_changes()").Scan(&n)
		return n
	}
	if err := db.RememberUsers(users); err != nil {
		t.Fatal(err)
	}
	before := writes()
	if err := db.RememberUsers(users); err != nil {
		t.Fatal(err)
	}
	if w := writes() - before; w != 0 {
		t.Errorf("the same users again wrote %d rows", w)
	}
	users[1].Name = "Robert"
	if err := db.RememberUsers(users); err != nil {
		t.Fatal(err)
	}
	if u, err := db.FindUser("bob@x"); err != nil || u.Name != "Robert" {
		t.Errorf("a renamed user was not remembered: %+v, %v", u, err)
	}
	if err := db.RememberUsers(users[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindUser("bob@x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a user gone from Salesforce is still remembered: %v", err)
	}
}

// go test ./state -run XXX -bench RememberUsers: the first run of a 100,000-user org.
func BenchmarkRememberUsers(b *testing.B) {
	users := make([]UserRef, 100_000)
	for i := range users {
		users[i] = UserRef{ID: fmt.Sprintf("005%015d", i), Username: fmt.Sprintf("user%d@example.com.prod", i), Name: fmt.Sprintf("User %d", i)}
	}
	for b.Loop() {
		b.StopTimer()
		db := open(b, filepath.Join(b.TempDir(), "state.db"))
		b.StartTimer()
		if err := db.RememberUsers(users); err != nil {
			b.Fatal(err)
		}
	}
}

// Marks and outcomes are written a stretch of consecutive ids at a time:
// rows between two stretches, and rows of another run, keep their status.
func TestMarksAndOutcomesTouchOnlyTheNamedRows(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	other, otherIDs := plannedRun(t, db, 3)
	run, ids := plannedRun(t, db, 10)
	if otherIDs[2]+1 != ids[0] {
		t.Fatalf("ids %v then %v: want one run's ids to follow the other's", otherIDs, ids)
	}
	pick := func(at ...int) []int64 {
		var out []int64
		for _, i := range at {
			out = append(out, ids[i])
		}
		return out
	}
	if err := db.MarkSending(pick(0, 1, 2, 4, 5, 7, 9)); err != nil {
		t.Fatal(err)
	}
	settled := pick(0, 1, 2, 4, 5, 9)
	st := []match.ChangeStatus{match.ChangeApplied, match.ChangeApplied, match.ChangeFailed, match.ChangeApplied, match.ChangeApplied, match.ChangeFailed}
	errs := []string{"", "", "FIELD_INTEGRITY_EXCEPTION", "", "", "INVALID_CROSS_REFERENCE_KEY"}
	if err := db.SetChangeStatus(settled, st, errs); err != nil {
		t.Fatal(err)
	}
	got, err := db.ChangesOf(run)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status match.ChangeStatus
		err    string
	}{
		{"applied", ""}, {"applied", ""}, {"failed", "FIELD_INTEGRITY_EXCEPTION"}, {"planned", ""}, {"applied", ""},
		{"applied", ""}, {"planned", ""}, {"sending", ""}, {"planned", ""}, {"failed", "INVALID_CROSS_REFERENCE_KEY"},
	}
	for i, w := range want {
		if match.ChangeStatus(got[i].Status) != w.status || got[i].Error != w.err {
			t.Errorf("row %d: %s %q, want %s %q", i, got[i].Status, got[i].Error, w.status, w.err)
		}
	}
	before, err := db.ChangesOf(other)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range before {
		if c.Status != "planned" {
			t.Errorf("the other run's row %d became %s", i, c.Status)
		}
	}
}

// Version 6 keeps the remembered users as one list; a file from version 5
// keeps its users, still found by username in any case.
func TestUsersSurviveTheMoveToOneList(t *testing.T) {
	_, names := latest()
	path := filepath.Join(t.TempDir(), "state.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names[:5] {
		src, _ := migrations.ReadFile(name)
		if _, err := raw.Exec(string(src)); err != nil {
			t.Fatal(err)
		}
	}
	raw.Exec(fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = 5", applicationID))
	if _, err := raw.Exec("INSERT INTO users (id, username, name, seen_at) VALUES ('005B', 'Bea@Example.com', 'Bea', '2026-01-01T00:00:00Z'), ('005A', 'al@example.com', 'Al', '2026-01-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db := open(t, path)
	u, err := db.FindUser("bea@EXAMPLE.com")
	if err != nil || u != (UserRef{ID: "005B", Username: "Bea@Example.com", Name: "Bea"}) {
		t.Errorf("by username after the move: %+v, %v", u, err)
	}
	all, err := db.Users()
	if err != nil || len(all) != 2 || all["005A"].Name != "Al" {
		t.Errorf("users after the move: %+v, %v", all, err)
	}
}

// The remembered list holds any characters a Salesforce name can, and finds
// a username in any case the way SQLite's NOCASE did: ASCII letters only.
func TestRememberedUsersKeepEveryCharacter(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	odd := []UserRef{
		{ID: "005C", Username: "Zoë.Ünal@Example.com", Name: "Zoë \"Z\" Ünal\t(ops)"},
		{ID: "005A", Username: "ann@x", Name: "Ann\nLine, <b>&amp;</b> 日本"},
		{ID: "005B", Username: "bob@x", Name: ""},
	}
	if err := db.RememberUsers(odd); err != nil {
		t.Fatal(err)
	}
	all, err := db.Users()
	if err != nil || len(all) != 3 {
		t.Fatalf("users: %+v, %v", all, err)
	}
	for _, u := range odd {
		if all[u.ID] != u {
			t.Errorf("remembered %+v, want %+v", all[u.ID], u)
		}
	}
	if u, err := db.FindUser("ZOë.ÜNAL@EXAMPLE.COM"); err != nil || u.ID != "005C" {
		t.Errorf("ASCII letters in another case: %+v, %v", u, err)
	}
	if _, err := db.FindUser("ZOË.Ünal@Example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a non-ASCII letter in another case was found (NOCASE folds ASCII only): %v", err)
	}
	if u, err := db.FindUser("005B"); err != nil || u.Username != "bob@x" {
		t.Errorf("by id: %+v, %v", u, err)
	}
}
