package state

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
