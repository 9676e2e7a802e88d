package state

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiceid/directory"
	"voiceid/match"
)

func open(t *testing.T, path string) *DB {
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
	raw, err := sql.Open("sqlite", path)
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

func TestLockIsExclusiveAndTakesOverFromTheDead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	release, err := db.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	other := open(t, path)
	_, err = other.Lock(context.Background())
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
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

	// A lock left by a process that died, and its unfinished run.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	runID, _ := db.StartRun("apply", false)
	host, _ := os.Hostname()
	if _, err := db.db.Exec("INSERT INTO lock (id, pid, host, started_at, token) VALUES (1, ?, ?, '2026-01-01T00:00:00Z', 'x')", dead.Process.Pid, host); err != nil {
		t.Fatal(err)
	}
	release, err = other.Lock(context.Background())
	if err != nil {
		t.Fatalf("a dead holder's lock was not taken over: %v", err)
	}
	defer release()
	runs, _ := db.Runs(1)
	if runs[0].ID != runID || runs[0].Status != "failed" || runs[0].Reason == "" {
		t.Errorf("the dead process's run: %+v", runs[0])
	}
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
			st, errs := make([]string, end-i), make([]string, end-i)
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
