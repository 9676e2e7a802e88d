package state

import (
	"slices"

	"voiceid/match"
)

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
