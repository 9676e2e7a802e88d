package state

import (
	"encoding/json"
	"time"

	"voiceid/match"
)

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
