// Package state is voiceid's memory and the administrator's audit trail: a
// SQLite file holding every run, every change planned or written, conflicts
// with their history, manual pins, and the lock that keeps runs one at a time.
package state

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// applicationID marks a SQLite file as voiceid state ("vcid").
const applicationID = 0x76636964

// Errors callers branch on.
var (
	ErrNotState = errors.New("not a voiceid state file")
	ErrTooNew   = errors.New("state file is newer than this voiceid")
	ErrNotFound = errors.New("not found")
	ErrNoState  = errors.New("no state file exists there")
	ErrDamaged  = errors.New("state file is damaged")
	// ErrReplaced is a state file removed or replaced while open: SQLite
	// would go on writing to the file it opened, which nobody can read any more.
	ErrReplaced = errors.New("state file was removed or replaced while the run held it")
)

func (e *LockedError) Error() string {
	return fmt.Sprintf("another voiceid run holds the state lock (pid %d on %s, started %s, last heartbeat %s); it is taken over at once if that process stops on this host, else once its heartbeat is %s old",
		e.PID, e.Host, e.Started.Format(time.RFC3339), e.Heartbeat.Format(time.RFC3339), e.Lease)
}

// DB is an open state file.
type DB struct {
	db   *sql.DB
	path string
	opts options
	Now  func() time.Time
	Log  *slog.Logger // hears a lock taken over from a holder that is gone; nil: nobody
	// Notices are what opening changed that the administrator should hear
	// once (a file others could read, made 0600).
	Notices []string

	file          os.FileInfo // the file opened at path: its device and inode
	stopHeartbeat func()      // set while this DB holds the lock
}

// Option changes how the state file is opened.
type Option func(*options)

type options struct {
	lease     time.Duration
	heartbeat time.Duration
	growth    int                   // pages the file may grow by; < 0: no limit
	fault     func(op string) error // tests: fails the write named op
}

// GrowthLimit lets the file grow by at most pages pages (SQLite's
// max_page_count) while open; writes past it fail with SQLite's own
// "database or disk is full". For tests: a full disk without a full disk.
func GrowthLimit(pages int) Option {
	return func(o *options) { o.growth = pages }
}

// Fault makes the writes of the audit trail fail as fault says: it is asked
// before each ("mark": a batch marked sending, "outcome": Salesforce's answers
// recorded, "finish": the end of a run) and a non-nil error is that write's
// error. For tests: a state file that fails at one precise step.
func Fault(fault func(op string) error) Option {
	return func(o *options) { o.fault = fault }
}

// failing is the error the Fault option gives for op; nil without one.
func (s *DB) failing(op string) error {
	if s.opts.fault == nil {
		return nil
	}
	return s.opts.fault(op)
}

// Open opens the state file and migrates it, creating it 0600 if missing
// (an empty file is taken as a new state, and made 0600 too).
func Open(path string, opts ...Option) (*DB, error) { return openState(path, true, opts) }

// OpenExisting opens an existing state file; commands that only read the
// state use it, so that a mistyped [state] path fails instead of creating a file.
func OpenExisting(path string, opts ...Option) (*DB, error) { return openState(path, false, opts) }

func openState(path string, create bool, opts []Option) (_ *DB, err error) {
	o := options{lease: 2 * time.Minute, heartbeat: 20 * time.Second, growth: -1}
	for _, f := range opts {
		f(&o)
	}
	if o.heartbeat <= 0 {
		o.heartbeat = 20 * time.Second // a ticker needs a period
	}
	if err := prepareFile(path, create); err != nil {
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	s := &DB{path: path, opts: o, Now: time.Now}
	ver, err := s.inspect()
	if err != nil {
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	if create { // a run or a pin: the file is voiceid's, so its mode is too
		if s.Notices, err = tighten(path); err != nil {
			return nil, fmt.Errorf("state path %s: %w", path, err)
		}
	}
	if err := s.connect(""); err != nil {
		return nil, err
	}
	// the pool has not opened the file yet: taken now, the identity is the file SQLite will open
	if s.file, err = os.Stat(path); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	if err := s.migrate(ver); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	if o.growth >= 0 {
		var pages int
		if err := s.db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("state path %s: %w", path, err)
		}
		s.db.Close() // every connection of the pool must carry the limit: open them again with it
		if err := s.connect(fmt.Sprintf("max_page_count(%d)", pages+o.growth)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Probe tells, without changing the file, whether a run could use the state
// file at path: an existing one is voiceid's, undamaged, not newer than this
// binary, and writable by this user; a missing one could be created in its
// directory (a temporary file is made there and removed). exists says which.
func Probe(path string) (exists bool, err error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		f, err := os.CreateTemp(dir, ".voiceid-probe-*")
		if err != nil {
			return false, fmt.Errorf("state path %s does not exist and cannot be created: %w", path, err)
		}
		f.Close()
		return false, os.Remove(f.Name())
	case err != nil:
		return false, fmt.Errorf("state path %s: %w", path, err)
	case st.IsDir():
		return true, fmt.Errorf("state path %s: it is a directory; [state] path names the file, e.g. %s", path, filepath.Join(path, "voiceid.db"))
	}
	if _, err := (&DB{path: path}).inspect(); err != nil {
		return true, fmt.Errorf("state path %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0) // opening for writing writes nothing
	if err != nil {
		return true, fmt.Errorf("state path %s: %w", path, err)
	}
	return true, f.Close()
}

// tighten makes a state file that others may read (it holds names and
// emails) 0600, with its -wal and -shm files, and says so; reading commands
// leave modes alone. Windows keeps no such bits.
func tighten(path string) ([]string, error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	var notices []string
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return nil, err
		}
		if mode := st.Mode().Perm(); mode&0o077 != 0 {
			if err := os.Chmod(p, mode&0o700|0o600); err != nil {
				return nil, fmt.Errorf("it is readable by others (%#o) and could not be made 0600: %w; chmod 600 it", mode, err)
			}
			notices = append(notices, fmt.Sprintf("state file %s was readable by others (%#o); it holds names and emails, so voiceid made it %#o", p, mode, mode&0o700|0o600))
		}
	}
	return notices, nil
}

// prepareFile makes sure a file is at path for SQLite to open, 0600 when
// this creates it or it is empty (SQLite would create it 0644; its -wal and
// -shm files take the mode of the database file).
func prepareFile(path string, create bool) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return fmt.Errorf("%w; check [state] path in the config (a sync creates the file)", ErrNoState)
	case errors.Is(err, fs.ErrNotExist):
		if dir, derr := os.Stat(filepath.Dir(path)); derr != nil || !dir.IsDir() {
			return fmt.Errorf("directory %s does not exist", filepath.Dir(path))
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		return f.Close()
	case err != nil:
		return err
	case st.IsDir():
		return fmt.Errorf("it is a directory; [state] path names the file, e.g. %s", filepath.Join(path, "voiceid.db"))
	case st.Size() == 0:
		return os.Chmod(path, 0o600)
	}
	return nil
}

// connect opens the pool on the file with the pragmas every connection needs, and extra.
func (s *DB) connect(extra string) error {
	// synchronous=FULL syncs the WAL at every commit, so a "sending" mark
	// survives a power loss too, not only a crash; one fsync per batch of 200.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"}
	if extra != "" {
		pragmas = append(pragmas, extra)
	}
	name, err := dsn(s.path, pragmas...)
	if err == nil {
		s.db, err = sql.Open("sqlite", name)
	}
	if err != nil {
		return fmt.Errorf("state path %s: %w", s.path, err)
	}
	return nil
}

// dsn is a file: URI for path with these pragmas. The path is escaped, so
// that %, ?, # and spaces in a directory name stay part of the path instead
// of ending it (the driver and SQLite split the name at the first ?).
func dsn(path string, pragmas ...string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: p}).String() + "?" + url.Values{"_pragma": pragmas}.Encode(), nil
}

// Close closes the file.
func (s *DB) Close() error {
	if s.stopHeartbeat != nil {
		s.stopHeartbeat()
	}
	return s.db.Close()
}

// Version is the schema version this binary writes.
func Version() int {
	n, _ := latest()
	return n
}

func latest() (int, []string) {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	return len(names), names
}

// inspect reads the file's header facts on a read-only connection that sets
// no pragma, before anything may write to it: another program's database, a
// newer voiceid's state or a damaged file is refused untouched (journal_mode
// WAL alone would rewrite another file's header). It returns the schema version.
func (s *DB) inspect() (int, error) {
	name, err := dsn(s.path, "busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	ro, err := sql.Open("sqlite", name+"&mode=ro")
	if err != nil {
		return 0, err
	}
	defer ro.Close()
	var ver, app int
	if err := ro.QueryRow("PRAGMA user_version").Scan(&ver); err != nil {
		if code(err) == sqlite3.SQLITE_NOTADB {
			return 0, fmt.Errorf("%w: the file is not a SQLite database", ErrNotState)
		}
		return 0, s.damaged(err)
	}
	if err := ro.QueryRow("PRAGMA application_id").Scan(&app); err != nil {
		return 0, s.damaged(err)
	}
	if ver == 0 {
		var tables int
		if err := ro.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
			return 0, s.damaged(err)
		}
		if tables > 0 {
			return 0, fmt.Errorf("%w: it is a SQLite database with other tables", ErrNotState)
		}
	} else if app != applicationID {
		return 0, fmt.Errorf("%w: its application id is %#x", ErrNotState, app)
	}
	if want := Version(); ver > want {
		return 0, fmt.Errorf("%w: schema version %d, this binary knows up to %d; use a newer voiceid", ErrTooNew, ver, want)
	}
	return ver, s.check(ro)
}

// migrate brings a file that inspect accepted at version ver to this binary's schema.
func (s *DB) migrate(ver int) error {
	want, names := latest()
	for i := ver; i < want; i++ {
		src, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(string(src)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", names[i], err)
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", i+1, applicationID)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// check runs SQLite's quick_check: a damaged file is refused before a run
// adds to it, with what SQLite found and what to do.
func (s *DB) check(db *sql.DB) error {
	rows, err := db.Query("PRAGMA quick_check(5)")
	if err != nil {
		return s.damaged(err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.damaged(err)
		}
		if line != "ok" {
			found = append(found, strings.ReplaceAll(line, "\n", " "))
		}
	}
	if err := rows.Err(); err != nil {
		return s.damaged(err)
	}
	if len(found) > 0 {
		return s.damagedBy(strings.Join(found, "; "))
	}
	return nil
}

// damaged names SQLite's corruption errors as ErrDamaged; other errors pass.
func (s *DB) damaged(err error) error {
	if c := code(err); c != sqlite3.SQLITE_CORRUPT && c != sqlite3.SQLITE_NOTADB {
		return err
	}
	return s.damagedBy(err.Error())
}

// damagedBy is ErrDamaged with what SQLite found and the fix.
func (s *DB) damagedBy(found string) error {
	return fmt.Errorf("%w: SQLite's integrity check says: %s; restore the file from a backup, or move it aside (rename it to %s.damaged) so that the next run starts a fresh state, without the old history, conflicts and pins",
		ErrDamaged, found, filepath.Base(s.path))
}

// written names the file in SQLite's error from a write, with the fix when
// the disk (or GrowthLimit) is full; other errors pass as they are.
func (s *DB) written(err error) error {
	switch code(err) {
	case 0:
		return err
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("state file %s: %w; make room on its disk", s.path, err)
	}
	return fmt.Errorf("state file %s: %w", s.path, err)
}

// code is the primary SQLite result code of err; 0 if err is not from SQLite.
func code(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Same confirms that the file at the state path is still the file this DB
// opened (same device and inode): a state directory removed or a file
// replaced mid-run would otherwise take the audit trail with it unnoticed.
func (s *DB) Same() error {
	st, err := os.Stat(s.path)
	if err != nil || !os.SameFile(st, s.file) {
		what := "another file is there now"
		if err != nil {
			what = err.Error()
		}
		return fmt.Errorf("%w: %s (%s); what this run records goes nowhere anyone can read", ErrReplaced, s.path, what)
	}
	return nil
}

// Path is the file's path.
func (s *DB) Path() string { return s.path }
