package state

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// earlier run kept. They are written one row at a time into the gzip stream:
// at 20,000 people a whole JSON document would double the run's peak heap.
func (s *DB) RememberPeople(p match.Provider, mark string, people []match.Person) (err error) {
	defer func() { err = s.written(err) }()
	data, err := compress(func(w io.Writer) error {
		enc := json.NewEncoder(w)
		io.WriteString(w, "[")
		for i := range people {
			if i > 0 {
				io.WriteString(w, ",")
			}
			if err := enc.Encode(rowOf(&people[i])); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, "]")
		return err
	})
	if err != nil {
		return err
	}
	_, err = s.db.Exec("INSERT OR REPLACE INTO people_snapshot (provider, taken_at, mark, data) VALUES (?, ?, ?, ?)",
		string(p), ts(s.Now()), mark, data)
	return err
}

// personRow is a remembered person as one JSON array (no field names):
// id, eligible, owner, state, name, email, further emails, extension, numbers.
type personRow struct {
	ID        string
	Eligible  bool
	Owner     match.Owner
	State     string
	Name      string
	Email     string
	Emails    []string
	Extension string
	Numbers   []numberRow
}

// numberRow is a number as [raw, direct].
type numberRow struct {
	Raw    string
	Direct bool
}

func (r personRow) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{r.ID, r.Eligible, r.Owner, r.State, r.Name, r.Email, r.Emails, r.Extension, r.Numbers})
}

func (r *personRow) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, &[]any{&r.ID, &r.Eligible, &r.Owner, &r.State, &r.Name, &r.Email, &r.Emails, &r.Extension, &r.Numbers})
}

func (n numberRow) MarshalJSON() ([]byte, error) { return json.Marshal([]any{n.Raw, n.Direct}) }

func (n *numberRow) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, &[]any{&n.Raw, &n.Direct})
}

func rowOf(p *match.Person) personRow {
	r := personRow{ID: p.ID, Eligible: p.Eligible, Owner: p.Owner, State: p.State, Name: p.Name, Email: p.Email,
		Emails: p.Emails, Extension: p.Extension}
	for _, n := range p.Numbers {
		r.Numbers = append(r.Numbers, numberRow{n.Raw, n.Direct})
	}
	return r
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
	if data, err = inflate(data); err != nil {
		return r, false, fmt.Errorf("remembered %s people: %w", p, err)
	}
	var rows []personRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return r, false, fmt.Errorf("remembered %s people: %w", p, err)
	}
	r.People = make([]match.Person, len(rows))
	for i, x := range rows {
		r.People[i] = match.Person{Provider: p, ID: x.ID, Eligible: x.Eligible, Owner: x.Owner, State: x.State, Name: x.Name,
			Email: x.Email, Emails: x.Emails, Extension: x.Extension}
		for _, n := range x.Numbers {
			r.People[i].Numbers = append(r.People[i].Numbers, match.Number{Raw: n.Raw, Direct: n.Direct})
		}
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
