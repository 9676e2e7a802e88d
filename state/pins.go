package state

import (
	"fmt"
	"time"

	"voiceid/match"
)

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
