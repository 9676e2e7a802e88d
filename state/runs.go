package state

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"voiceid/match"
)

// Run is one row of the run history.
type Run struct {
	ID         int64
	Mode       string // dry-run | apply
	Lane       string // complete | new (the fast lane)
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

// Lanes of a run: every directory read in full, or only what is new (sync --new).
const (
	LaneComplete = "complete"
	LaneNew      = "new"
)

// StartRun records the start of a complete run and returns its id.
func (s *DB) StartRun(mode string, backfill bool) (int64, error) {
	return s.StartLane(LaneComplete, mode, backfill)
}

// StartLane records the start of a run in a lane and returns its id.
func (s *DB) StartLane(lane, mode string, backfill bool) (int64, error) {
	res, err := s.db.Exec("INSERT INTO runs (lane, mode, backfill, started_at, status) VALUES (?, ?, ?, ?, '"+string(match.RunRunning)+"')",
		lane, mode, backfill, ts(s.Now()))
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
	rows, err := s.db.Query(`SELECT id, mode, lane, backfill, started_at, coalesce(finished_at, ''), status, reason,
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
		if err := rows.Scan(&r.ID, &r.Mode, &r.Lane, &r.Backfill, &started, &finished, &r.Status, &r.Reason, &r.Changes,
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
