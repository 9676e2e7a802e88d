package state

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// A file voiceid refuses is left exactly as it was: not a byte of another
// program's database changes (journal_mode=WAL alone rewrites its header),
// and no -wal or -shm file appears beside it.
func TestRefusedFilesAreLeftUntouched(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "crm.db")
	raw, _ := sql.Open("sqlite", foreign)
	if _, err := raw.Exec("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	newer := filepath.Join(dir, "newer.db")
	open(t, newer).Close()
	raw, _ = sql.Open("sqlite", newer)
	raw.Exec("PRAGMA journal_mode = DELETE; PRAGMA user_version = 99")
	raw.Close()
	for _, path := range []string{foreign, newer} {
		before, _ := os.ReadFile(path)
		for name, open := range map[string]func(string, ...Option) (*DB, error){"Open": Open, "OpenExisting": OpenExisting} {
			if _, err := open(path); !errors.Is(err, ErrNotState) && !errors.Is(err, ErrTooNew) {
				t.Errorf("%s(%s): %v, want it refused", name, filepath.Base(path), err)
			}
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("%s changed although it was refused", filepath.Base(path))
		}
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + side); err == nil {
				t.Errorf("%s%s was created beside a refused file", filepath.Base(path), side)
			}
		}
	}
}

// A state file others can read (it holds names and emails) is made 0600 by
// the next run, with its -wal and -shm files, and the change is told once;
// a reading command leaves the mode alone.
func TestAStateFileOthersCanReadIsMade0600OnceAndSaidSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path).Close()
	for _, side := range []string{"-wal", "-shm"} {
		os.WriteFile(path+side, nil, 0o644) // left by an older run; empty ones are valid
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(p, 0o644)
	}
	db, err := OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 || len(db.Notices) != 0 {
		t.Errorf("a reading command changed the mode to %v or spoke: %q", st.Mode().Perm(), db.Notices)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v after a run, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	if len(db.Notices) == 0 || !strings.Contains(db.Notices[0], "readable by others") {
		t.Errorf("the change was not told: %q", db.Notices)
	}
	if db, _ = Open(path); len(db.Notices) != 0 {
		t.Errorf("told again on the next run: %q", db.Notices)
	}
	db.Close()
}
