// Package state is voiceid's memory and the administrator's audit trail: a
// SQLite file holding every run, every change planned or written, conflicts
// with their history, manual pins, and the lock that keeps runs one at a time.
package state

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"voiceid/directory"
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
)

// LockedError says another run holds the lock.
type LockedError struct {
	PID     int
	Host    string
	Started time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another voiceid run holds the state lock (pid %d on %s, started %s)", e.PID, e.Host, e.Started.Format(time.RFC3339))
}

// DB is an open state file.
type DB struct {
	db   *sql.DB
	path string
	Now  func() time.Time
}

// Open opens (creating it 0600 if missing) and migrates the state file.
func Open(path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("state path %s: directory %s does not exist", path, dir)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	f.Close()
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	s := &DB{db: db, path: path, Now: time.Now}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state path %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *DB) Close() error { return s.db.Close() }

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

func (s *DB) migrate() error {
	var ver, app int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&ver); err != nil {
		if strings.Contains(err.Error(), "not a database") {
			return fmt.Errorf("%w: the file is not a SQLite database", ErrNotState)
		}
		return err
	}
	if err := s.db.QueryRow("PRAGMA application_id").Scan(&app); err != nil {
		return err
	}
	want, names := latest()
	if ver == 0 {
		var tables int
		if err := s.db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
			return err
		}
		if tables > 0 {
			return fmt.Errorf("%w: it is a SQLite database with other tables", ErrNotState)
		}
	} else if app != applicationID {
		return fmt.Errorf("%w: its application id is %#x", ErrNotState, app)
	}
	if ver > want {
		return fmt.Errorf("%w: schema version %d, this binary knows up to %d; use a newer voiceid", ErrTooNew, ver, want)
	}
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

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Lock takes the one-run lock. A lock whose holder process is gone (killed)
// on this host is taken over. release gives the lock back.
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
	var pid int
	var h, started string
	switch err := conn.QueryRowContext(ctx, "SELECT pid, host, started_at FROM lock WHERE id = 1").Scan(&pid, &h, &started); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	case h != host || alive(pid):
		return nil, &LockedError{PID: pid, Host: h, Started: parseTS(started)}
	}
	if _, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO lock (id, pid, host, started_at, token) VALUES (1, ?, ?, ?, ?)",
		os.Getpid(), host, ts(s.Now()), token); err != nil {
		return nil, err
	}
	// runs still "running" belong to a process that is gone: say so
	if _, err := conn.ExecContext(ctx, `UPDATE runs SET status = 'failed', finished_at = ?,
		reason = 'interrupted: the process ended before the run finished' WHERE status = 'running'`, ts(s.Now())); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	commit = true
	return func() error {
		_, err := s.db.Exec("DELETE FROM lock WHERE id = 1 AND token = ?", token)
		return err
	}, nil
}

// Run is one row of the run history.
type Run struct {
	ID         int64
	Mode       string // dry-run | apply
	Backfill   bool
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string // running | ok | partial | aborted | failed
	Reason     string
	Changes    int
	Applied    int
	Failed     int
	Conflicts  int
	APICalls   map[string]int64
	// Report writes the run's JSON report (FinishRun stores it compressed); nil: none.
	Report func(io.Writer) error
}

// StartRun records the start of a run and returns its id.
func (s *DB) StartRun(mode string, backfill bool) (int64, error) {
	res, err := s.db.Exec("INSERT INTO runs (mode, backfill, started_at, status) VALUES (?, ?, ?, 'running')",
		mode, backfill, ts(s.Now()))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// FinishRun records how a run ended.
func (s *DB) FinishRun(r Run) error {
	calls, _ := json.Marshal(r.APICalls)
	var report any // NULL: no report
	if r.Report != nil {
		b, err := compress(r.Report)
		if err != nil {
			return err
		}
		report = b
	}
	_, err := s.db.Exec(`UPDATE runs SET finished_at = ?, status = ?, reason = ?, changes = ?, applied = ?, failed = ?,
		conflicts = ?, api_calls = ?, report = ? WHERE id = ?`,
		ts(s.Now()), r.Status, r.Reason, r.Changes, r.Applied, r.Failed, r.Conflicts, string(calls), report, r.ID)
	return err
}

// compress gzips a report for the runs table: a backfill's report is tens of
// megabytes of JSON, and one is kept per run. Reports stored before this are
// plain JSON; Report tells the two apart by gzip's magic bytes.
func compress(write func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // the level is valid: no error
	if err := write(zw); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Runs lists the most recent runs first.
func (s *DB) Runs(limit int) ([]Run, error) {
	rows, err := s.db.Query(`SELECT id, mode, backfill, started_at, coalesce(finished_at, ''), status, reason, changes, applied,
		failed, conflicts, api_calls FROM runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, finished, calls string
		if err := rows.Scan(&r.ID, &r.Mode, &r.Backfill, &started, &finished, &r.Status, &r.Reason, &r.Changes,
			&r.Applied, &r.Failed, &r.Conflicts, &calls); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = parseTS(started), parseTS(finished)
		json.Unmarshal([]byte(calls), &r.APICalls)
		out = append(out, r)
	}
	return out, rows.Err()
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
	if !bytes.HasPrefix(rep, []byte{0x1f, 0x8b}) {
		return rep, nil // stored plain, before reports were compressed
	}
	zr, err := gzip.NewReader(bytes.NewReader(rep))
	if err != nil {
		return nil, fmt.Errorf("run %d: stored report: %w", runID, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("run %d: stored report: %w", runID, err)
	}
	return out, nil
}

// Change is one row of the audit trail.
type Change struct {
	match.Change
	Field  string
	Status string // planned | applied | failed | skipped
	Error  string
}

// RecordChanges stores a run's changes in one transaction and returns their row ids.
func (s *DB) RecordChanges(runID int64, cs []Change) ([]int64, error) {
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
		c.Provider, c.Rule = directory.Provider(prov), match.Rule(rule)
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetChangeStatus records the outcome of written changes, by row id, in one transaction.
func (s *DB) SetChangeStatus(ids []int64, status []string, errs []string) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare("UPDATE changes SET status = ?, error = ? WHERE id = ?")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, id := range ids {
		if _, err := stmt.Exec(status[i], errs[i], id); err != nil {
			return err
		}
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
func (s *DB) SeeConflicts(runID int64, cs []match.Conflict) (map[string]time.Time, error) {
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
		c.Kind, c.Provider = match.Kind(kind), directory.Provider(prov)
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
		p.Provider, p.CreatedAt = directory.Provider(prov), parseTS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPin stores (or replaces) a pin.
func (s *DB) SetPin(p Pin) error {
	_, err := s.db.Exec(`INSERT OR REPLACE INTO pins (user_id, provider, person_id, none, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.UserID, string(p.Provider), p.PersonID, p.None, p.Note, p.CreatedBy, ts(s.Now()))
	return err
}

// DeletePin removes a pin; ErrNotFound if there was none.
func (s *DB) DeletePin(userID string, prov directory.Provider) error {
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
func (s *DB) RememberUsers(users []UserRef) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("DELETE FROM users"); err != nil {
		return err
	}
	stmt, err := tx.Prepare("INSERT OR REPLACE INTO users (id, username, name, seen_at) VALUES (?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := ts(s.Now())
	for _, u := range users {
		if _, err := stmt.Exec(u.ID, u.Username, u.Name, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FindUser finds a remembered user by id or username (any case).
func (s *DB) FindUser(key string) (UserRef, error) {
	var u UserRef
	err := s.db.QueryRow("SELECT id, username, name FROM users WHERE id = ? OR username = ? COLLATE NOCASE", key, key).Scan(&u.ID, &u.Username, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %q: %w among the users of the last run", key, ErrNotFound)
	}
	return u, err
}

// Users maps remembered user ids to their users.
func (s *DB) Users() (map[string]UserRef, error) {
	rows, err := s.db.Query("SELECT id, username, name FROM users")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]UserRef{}
	for rows.Next() {
		var u UserRef
		if err := rows.Scan(&u.ID, &u.Username, &u.Name); err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// Path is the file's path.
func (s *DB) Path() string { return s.path }
