// Package state is voiceid's memory and the administrator's audit trail: a
// SQLite file holding every run, every change planned or written, conflicts
// with their history, manual pins, and the lock that keeps runs one at a time.
package state

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"voiceid/match"
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

// LockedError says another run holds the lock.
type LockedError struct {
	PID       int
	Host      string
	Started   time.Time
	Heartbeat time.Time     // the holder's last sign of life
	Lease     time.Duration // how long after it the lock is taken over
}

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

// Lease sets how long a lock holder may go without a heartbeat before
// another run takes the lock over, and how often a holder heartbeats (well
// under the lease). The defaults are 2 minutes and 20 seconds.
func Lease(lease, heartbeat time.Duration) Option {
	return func(o *options) { o.lease, o.heartbeat = lease, heartbeat }
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

// Lock takes the one-run lock. The lock is a lease: until release, a
// goroutine refreshes its heartbeat. A holder is gone, and its lock taken over
// at once, when it is on this host and its pid is not running (killed); a
// holder elsewhere (a container's run is pid 1 on a new hostname each time)
// is gone once its heartbeat is older than the lease, or lies further than
// the lease in the future (a clock was changed). release gives the lock back.
func (s *DB) Lock(ctx context.Context) (release func() error, err error) {
	host, _ := os.Hostname()
	b := make([]byte, 8)
	rand.Read(b)
	token := hex.EncodeToString(b)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// BEGIN IMMEDIATE: two processes racing for the lock serialise here
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	commit := false
	defer func() {
		if !commit {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	now := s.Now()
	var held LockedError
	var started, beat, pidns string
	why := ""
	switch err := conn.QueryRowContext(ctx, "SELECT pid, host, started_at, heartbeat_at, pidns FROM lock WHERE id = 1").Scan(&held.PID, &held.Host, &started, &beat, &pidns); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		held.Started, held.Heartbeat, held.Lease = parseTS(started), parseTS(beat), s.opts.lease
		if why = s.gone(held, pidns, host, now); why == "" {
			return nil, &held
		}
	}
	if _, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO lock (id, pid, host, started_at, heartbeat_at, token, pidns) VALUES (1, ?, ?, ?, ?, ?, ?)",
		os.Getpid(), host, ts(now), ts(now), token, pidNamespace()); err != nil {
		return nil, err
	}
	// runs still "running" belong to a holder that is gone: say so
	reason := "interrupted: the run ended without recording its end (killed, or its state file could not be written)"
	if why != "" {
		reason += fmt.Sprintf("; its lock (pid %d on %s) was taken over because %s", held.PID, held.Host, why)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE runs SET status = 'failed', finished_at = ?, reason = ? WHERE status = 'running'`, ts(now), reason); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	commit = true
	if why != "" && s.Log != nil {
		s.Log.Warn("state lock taken over", "pid", held.PID, "host", held.Host, "started", held.Started, "heartbeat", held.Heartbeat, "because", why)
	}
	s.stopHeartbeat = s.heartbeat(token)
	return func() error {
		s.stopHeartbeat()
		_, err := s.db.Exec("DELETE FROM lock WHERE id = 1 AND token = ?", token)
		return err
	}, nil
}

// gone says why the holder of the lock is gone, or "" while it may live. Its
// pid is looked up only in the holder's own pid namespace on this host; this
// very process's pid may be another of its runs (schedule): alive.
func (s *DB) gone(h LockedError, pidns, host string, now time.Time) string {
	here := h.Host == host && pidns != "" && pidns == pidNamespace()
	switch {
	case here && h.PID != os.Getpid() && processGone(h.PID):
		return "its process is not running on this host"
	case h.Heartbeat.Sub(now) > h.Lease:
		return fmt.Sprintf("its heartbeat (%s) lies more than the lease ahead of this host's clock: a clock was changed", h.Heartbeat.Format(time.RFC3339))
	case now.Sub(h.Heartbeat) >= h.Lease:
		return fmt.Sprintf("its heartbeat is older than the lease (%s)", h.Lease)
	}
	return ""
}

// heartbeat refreshes the lock's heartbeat until the returned stop is called.
// A beat that fails (the file busy, full) is tried again at the next tick,
// well before the lease runs out.
func (s *DB) heartbeat(token string) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.opts.heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				s.db.Exec("UPDATE lock SET heartbeat_at = ? WHERE id = 1 AND token = ?", ts(s.Now()), token)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit); <-done })
	}
}

// Run is one row of the run history.
type Run struct {
	ID         int64
	Mode       string // dry-run | apply
	Backfill   bool
	StartedAt  time.Time
	FinishedAt time.Time
	Status     match.RunStatus
	Reason     string
	Counts     // from the audit trail; FinishRun does not take them
	Conflicts  int
	APICalls   map[string]int64
	// Report writes the run's JSON report (FinishRun stores it compressed); nil: none.
	Report func(io.Writer) error
}

// Counts are a run's changes by their status in the audit trail.
type Counts struct {
	Changes int
	Applied int
	Failed  int
	Sending int // sent, no answer recorded: the run stopped with the batch in flight
}

// counts sums each run's changes by status: the trail is the one
// source, for runs that were killed or failed too.
const counts = `count(*) AS changes, coalesce(sum(status = '` + string(match.ChangeApplied) + `'), 0) AS applied,
	coalesce(sum(status = '` + string(match.ChangeFailed) + `'), 0) AS failed, coalesce(sum(status = '` + string(match.ChangeSending) + `'), 0) AS sending`

// StartRun records the start of a run and returns its id.
func (s *DB) StartRun(mode string, backfill bool) (int64, error) {
	res, err := s.db.Exec("INSERT INTO runs (mode, backfill, started_at, status) VALUES (?, ?, ?, '"+string(match.RunRunning)+"')",
		mode, backfill, ts(s.Now()))
	if err != nil {
		return 0, s.written(err)
	}
	return res.LastInsertId()
}

// FinishRun records how a run ended.
func (s *DB) FinishRun(r Run) error {
	if err := s.failing("finish"); err != nil {
		return s.written(err)
	}
	calls, _ := json.Marshal(r.APICalls)
	var report any // NULL: no report
	if r.Report != nil {
		b, err := compress(r.Report)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		report = b
	}
	_, err := s.db.Exec(`UPDATE runs SET finished_at = ?, status = ?, reason = ?, conflicts = ?, api_calls = ?, report = ? WHERE id = ?`,
		ts(s.Now()), r.Status, r.Reason, r.Conflicts, string(calls), report, r.ID)
	return s.written(err)
}

// compress gzips what write writes: a report for the runs table (a
// backfill's report is tens of megabytes of JSON, one kept per run) or the
// remembered users. Reports stored before this are plain JSON; inflate tells
// the two apart by gzip's magic bytes.
func compress(write func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // the level is valid: no error
	if err := write(zw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Runs lists the most recent runs first.
func (s *DB) Runs(limit int) ([]Run, error) {
	rows, err := s.db.Query(`SELECT id, mode, backfill, started_at, coalesce(finished_at, ''), status, reason,
		coalesce(c.changes, 0), coalesce(c.applied, 0), coalesce(c.failed, 0), coalesce(c.sending, 0), conflicts, api_calls
		FROM runs LEFT JOIN (SELECT run_id, `+counts+` FROM changes GROUP BY run_id) c ON c.run_id = runs.id ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, finished, calls string
		if err := rows.Scan(&r.ID, &r.Mode, &r.Backfill, &started, &finished, &r.Status, &r.Reason, &r.Changes,
			&r.Applied, &r.Failed, &r.Sending, &r.Conflicts, &calls); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = parseTS(started), parseTS(finished)
		json.Unmarshal([]byte(calls), &r.APICalls)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountsOf counts a run's changes by status in the audit trail.
func (s *DB) CountsOf(runID int64) (Counts, error) {
	var c Counts
	err := s.db.QueryRow("SELECT "+counts+" FROM changes WHERE run_id = ?", runID).Scan(&c.Changes, &c.Applied, &c.Failed, &c.Sending)
	return c, err
}

// Report returns the JSON report a run wrote.
func (s *DB) Report(runID int64) ([]byte, error) {
	var rep []byte
	err := s.db.QueryRow("SELECT report FROM runs WHERE id = ?", runID).Scan(&rep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %d: %w", runID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, fmt.Errorf("run %d has no report (it did not finish)", runID)
	}
	out, err := inflate(rep)
	if err != nil {
		return nil, fmt.Errorf("run %d: stored report: %w", runID, err)
	}
	return out, nil
}

// inflate is b gunzipped, or b itself when it is not gzipped (reports and
// users stored before they were compressed).
func inflate(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Change is one row of the audit trail.
type Change struct {
	match.Change
	Field  string
	Status match.ChangeStatus
	Error  string
}

// RecordChanges stores a run's changes in one transaction and returns their row ids.
func (s *DB) RecordChanges(runID int64, cs []Change) (_ []int64, err error) {
	defer func() { err = s.written(err) }()
	tx, err := s.db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(`INSERT INTO changes (run_id, user_id, username, name, provider, field, old, new, rule, status, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	ids := make([]int64, len(cs))
	for i, c := range cs {
		res, err := stmt.Exec(runID, c.UserID, c.Username, c.Name, string(c.Provider), c.Field, c.Old, c.New, string(c.Rule), c.Status, c.Error)
		if err != nil {
			return nil, err
		}
		ids[i], _ = res.LastInsertId()
	}
	return ids, tx.Commit()
}

// ChangesOf lists a run's changes in the order they were planned.
func (s *DB) ChangesOf(runID int64) ([]Change, error) {
	rows, err := s.db.Query(`SELECT user_id, username, name, provider, field, old, new, rule, status, error
		FROM changes WHERE run_id = ? ORDER BY id`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var prov, rule string
		if err := rows.Scan(&c.UserID, &c.Username, &c.Name, &prov, &c.Field, &c.Old, &c.New, &rule, &c.Status, &c.Error); err != nil {
			return nil, err
		}
		c.Provider, c.Rule = match.Provider(prov), match.Rule(rule)
		out = append(out, c)
	}
	return out, rows.Err()
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

// MarkSending records that these changes (row ids) are about to go to
// Salesforce. When it returns nil the marks are committed, and durable
// (synchronous=FULL), in the file at the state path; on an error the batch
// must not be sent.
func (s *DB) MarkSending(ids []int64) error {
	if err := s.Same(); err != nil {
		return err
	}
	if err := s.failing("mark"); err != nil {
		return s.written(err)
	}
	now := ts(s.Now())
	return s.updateRanges("UPDATE changes SET status = '"+string(match.ChangeSending)+"', sent_at = ? WHERE id BETWEEN ? AND ?", ids, func(int) []any { return []any{now} })
}

// SetChangeStatus records the outcome of written changes, by row id, in one transaction.
func (s *DB) SetChangeStatus(ids []int64, status []match.ChangeStatus, errs []string) error {
	if err := s.failing("outcome"); err != nil {
		return s.written(err)
	}
	return s.updateRanges("UPDATE changes SET status = ?, error = ? WHERE id BETWEEN ? AND ?", ids, func(i int) []any { return []any{status[i], errs[i]} })
}

// updateRanges runs query, in one transaction, once for each stretch of
// consecutive ids whose args(i) are equal, binding args and then the first
// and last id of the stretch. A run's changes have consecutive ids, so a
// Bulk job's 10,000 marks are one statement instead of 10,000.
func (s *DB) updateRanges(query string, ids []int64, args func(i int) []any) (err error) {
	defer func() { err = s.written(err) }()
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := 0; i < len(ids); {
		a, j := args(i), i+1
		for j < len(ids) && ids[j] == ids[j-1]+1 && slices.Equal(args(j), a) {
			j++
		}
		if _, err := stmt.Exec(append(a, ids[i], ids[j-1])...); err != nil {
			return err
		}
		i = j
	}
	return tx.Commit()
}

// Conflict is a conflict with its history.
type Conflict struct {
	match.Conflict
	FirstSeen  time.Time
	LastSeen   time.Time
	ResolvedAt time.Time // zero while open
}

// SeeConflicts records that a run found these conflicts: new ones are
// inserted, known ones get a new last-seen time, and open ones this run no
// longer finds are resolved. It returns each conflict's first-seen time.
func (s *DB) SeeConflicts(runID int64, cs []match.Conflict) (_ map[string]time.Time, err error) {
	defer func() { err = s.written(err) }()
	now := ts(s.Now())
	tx, err := s.db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	seen := map[string]bool{}
	for _, c := range cs {
		k := c.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		pids, _ := json.Marshal(c.PersonIDs)
		uids, _ := json.Marshal(c.UserIDs)
		if _, err := tx.Exec(`INSERT INTO conflicts (key, kind, provider, value, person_ids, user_ids, detail, first_seen, last_seen, first_run, last_run)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET last_seen = excluded.last_seen, last_run = excluded.last_run, detail = excluded.detail,
				resolved_at = NULL, first_seen = CASE WHEN conflicts.resolved_at IS NULL THEN conflicts.first_seen ELSE excluded.first_seen END`,
			k, string(c.Kind), string(c.Provider), c.Value, string(pids), string(uids), c.Detail, now, now, runID, runID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec("UPDATE conflicts SET resolved_at = ? WHERE resolved_at IS NULL AND last_run <> ?", now, runID); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FirstSeen()
}

// FirstSeen maps the key of every open conflict to its first-seen time.
func (s *DB) FirstSeen() (map[string]time.Time, error) {
	rows, err := s.db.Query("SELECT key, first_seen FROM conflicts WHERE resolved_at IS NULL")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var k, fs string
		if err := rows.Scan(&k, &fs); err != nil {
			return nil, err
		}
		out[k] = parseTS(fs)
	}
	return out, rows.Err()
}

// Conflicts lists conflicts, open ones only unless all is set.
func (s *DB) Conflicts(all bool) ([]Conflict, error) {
	q := `SELECT kind, provider, value, person_ids, user_ids, detail, first_seen, last_seen, coalesce(resolved_at, '') FROM conflicts`
	if !all {
		q += " WHERE resolved_at IS NULL"
	}
	rows, err := s.db.Query(q + " ORDER BY provider, kind, value")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		var kind, prov, pids, uids, first, last, resolved string
		if err := rows.Scan(&kind, &prov, &c.Value, &pids, &uids, &c.Detail, &first, &last, &resolved); err != nil {
			return nil, err
		}
		c.Kind, c.Provider = match.Kind(kind), match.Provider(prov)
		json.Unmarshal([]byte(pids), &c.PersonIDs)
		json.Unmarshal([]byte(uids), &c.UserIDs)
		c.FirstSeen, c.LastSeen = parseTS(first), parseTS(last)
		if resolved != "" {
			c.ResolvedAt = parseTS(resolved)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Pin is a stored manual decision.
type Pin struct {
	match.Pin
	Note      string
	CreatedBy string
	CreatedAt time.Time
}

// Pins lists every pin.
func (s *DB) Pins() ([]Pin, error) {
	rows, err := s.db.Query("SELECT user_id, provider, person_id, none, note, created_by, created_at FROM pins ORDER BY user_id, provider")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Pin
	for rows.Next() {
		var p Pin
		var prov, created string
		if err := rows.Scan(&p.UserID, &prov, &p.PersonID, &p.None, &p.Note, &p.CreatedBy, &created); err != nil {
			return nil, err
		}
		p.Provider, p.CreatedAt = match.Provider(prov), parseTS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPin stores (or replaces) a pin.
func (s *DB) SetPin(p Pin) error {
	_, err := s.db.Exec(`INSERT OR REPLACE INTO pins (user_id, provider, person_id, none, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.UserID, string(p.Provider), p.PersonID, p.None, p.Note, p.CreatedBy, ts(s.Now()))
	return s.written(err)
}

// DeletePin removes a pin; ErrNotFound if there was none.
func (s *DB) DeletePin(userID string, prov match.Provider) error {
	res, err := s.db.Exec("DELETE FROM pins WHERE user_id = ? AND provider = ?", userID, string(prov))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no %s pin for user %s: %w", prov, userID, ErrNotFound)
	}
	return nil
}

// UserRef is a Salesforce user as the state remembers it.
type UserRef struct {
	ID, Username, Name string
}

// RememberUsers replaces the remembered users with those a run just read.
func (s *DB) RememberUsers(users []UserRef) (err error) {
	defer func() { err = s.written(err) }()
	h := sha256.New()
	for _, u := range users {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", u.ID, u.Username, u.Name)
	}
	digest := hex.EncodeToString(h.Sum(nil))
	var last string
	if err := s.db.QueryRow("SELECT value FROM meta WHERE key = 'users_digest'").Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if last == digest {
		return nil // the same users as last time: nothing to rewrite
	}
	data, err := compress(func(w io.Writer) error {
		enc := json.NewEncoder(w)
		io.WriteString(w, "[")
		for i, u := range users {
			if i > 0 {
				io.WriteString(w, ",")
			}
			if err := enc.Encode([3]string{u.ID, u.Username, u.Name}); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, "]")
		return err
	})
	if err != nil {
		return err
	}
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('users_digest', ?)", digest); err != nil {
		return err
	}
	if _, err := tx.Exec("INSERT OR REPLACE INTO users_snapshot (id, taken_at, data) VALUES (1, ?, ?)", ts(s.Now()), data); err != nil {
		return err
	}
	return tx.Commit()
}

// remembered reads the users the last run remembered, in the order it read them.
func (s *DB) remembered() ([]UserRef, error) {
	var data []byte
	err := s.db.QueryRow("SELECT data FROM users_snapshot WHERE id = 1").Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if data, err = inflate(data); err != nil {
		return nil, fmt.Errorf("remembered users: %w", err)
	}
	var rows [][3]string
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("remembered users: %w", err)
	}
	out := make([]UserRef, len(rows))
	for i, r := range rows {
		out[i] = UserRef{ID: r[0], Username: r[1], Name: r[2]}
	}
	return out, nil
}

// FindUser finds a remembered user by id or username (any case, as SQLite's
// NOCASE compares: ASCII letters only).
func (s *DB) FindUser(key string) (UserRef, error) {
	users, err := s.remembered()
	if err != nil {
		return UserRef{}, err
	}
	for _, u := range users {
		if u.ID == key || asciiEqualFold(u.Username, key) {
			return u, nil
		}
	}
	return UserRef{}, fmt.Errorf("user %q: %w among the users of the last run", key, ErrNotFound)
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Users maps remembered user ids to their users.
func (s *DB) Users() (map[string]UserRef, error) {
	users, err := s.remembered()
	if err != nil {
		return nil, err
	}
	out := make(map[string]UserRef, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// Path is the file's path.
func (s *DB) Path() string { return s.path }
