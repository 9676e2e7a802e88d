package state

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"voiceid/match"
)

// Remembered is what a complete run read of a provider that can read only
// what is new: its people, and the mark to read on from.
type Remembered struct {
	People  []match.Person
	Mark    string
	TakenAt time.Time
}

// RememberPeople keeps the people a complete run read of a provider, with
// the provider's mark, for the fast lane (sync --new), replacing what an
// earlier run kept (rows.go: one compact row per person).
func (s *DB) RememberPeople(p match.Provider, mark string, people []match.Person) (err error) {
	defer func() { err = s.written(err) }()
	data, err := packRows(people, func(rw *rowWriter, x *match.Person) {
		rw.str(x.ID)
		rw.flag(x.Eligible)
		rw.str(string(x.Owner))
		rw.str(x.State)
		rw.str(x.Name)
		rw.str(x.Email)
		rw.strs(x.Emails)
		rw.str(x.Extension)
		rw.num(len(x.Numbers))
		for _, n := range x.Numbers {
			rw.str(n.Raw)
			rw.flag(n.Direct)
		}
	})
	if err != nil {
		return err
	}
	_, err = s.db.Exec("INSERT OR REPLACE INTO people_snapshot (provider, taken_at, mark, data) VALUES (?, ?, ?, ?)",
		string(p), ts(s.Now()), mark, data)
	return err
}

// RememberedPeople reads what RememberPeople kept of a provider; ok is false
// when no complete run kept anything of it yet.
func (s *DB) RememberedPeople(p match.Provider) (r Remembered, ok bool, err error) {
	var taken string
	var data []byte
	err = s.db.QueryRow("SELECT taken_at, mark, data FROM people_snapshot WHERE provider = ?", string(p)).Scan(&taken, &r.Mark, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	r.People, err = unpackRows(data, func(rr *rowReader) match.Person {
		x := match.Person{Provider: p, ID: rr.str(), Eligible: rr.flag(), Owner: match.Owner(rr.str()), State: rr.str(),
			Name: rr.str(), Email: rr.str(), Emails: rr.strs(), Extension: rr.str()}
		if n := rr.num(); n > 0 && rr.err == nil {
			x.Numbers = make([]match.Number, min(n, rr.left()))
			for i := range x.Numbers {
				x.Numbers[i] = match.Number{Raw: rr.str(), Direct: rr.flag()}
			}
		}
		return x
	})
	if err != nil {
		return Remembered{}, false, fmt.Errorf("remembered %s people: %w", p, err)
	}
	r.TakenAt = parseTS(taken)
	return r, true, nil
}

// LastComplete is the newest complete run (not the fast lane) that read
// everything and finished (ok or partial); ok is false when there is none.
func (s *DB) LastComplete() (id int64, finished time.Time, ok bool, err error) {
	var at string
	err = s.db.QueryRow(`SELECT id, coalesce(finished_at, '') FROM runs WHERE lane = ? AND status IN (?, ?) ORDER BY id DESC LIMIT 1`,
		LaneComplete, string(match.RunOK), string(match.RunPartial)).Scan(&id, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, nil
	}
	return id, parseTS(at), err == nil, err
}
