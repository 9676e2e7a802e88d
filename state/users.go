package state

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"voiceid/match"
)

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

// RememberedUsers are the Salesforce users a complete run read, whole, for
// the fast lane: when Salesforce began answering that read (its own clock)
// and what was read (Source, as the Salesforce client names it).
type RememberedUsers struct {
	Users   []match.User
	ReadAt  time.Time
	Source  string
	TakenAt time.Time
}

// RememberSalesforce keeps the users a complete run read, replacing what an
// earlier run kept (rows.go: one compact row per user).
func (s *DB) RememberSalesforce(readAt time.Time, source string, users []match.User) (err error) {
	defer func() { err = s.written(err) }()
	data, err := packRows(users, func(rw *rowWriter, u *match.User) {
		for _, v := range []string{u.ID, u.Username, u.Name, u.Email, u.Phone, u.MobilePhone, u.Extension, u.CountryCode, u.Country} {
			rw.str(v)
		}
		rw.num(len(u.Fields))
		for _, f := range u.Fields {
			rw.str(string(f.Provider))
			rw.str(f.Value)
		}
	})
	if err != nil {
		return err
	}
	_, err = s.db.Exec("INSERT OR REPLACE INTO salesforce_snapshot (id, taken_at, read_at, source, data) VALUES (1, ?, ?, ?, ?)",
		ts(s.Now()), ts(readAt), source, data)
	return err
}

// RememberedSalesforce reads what RememberSalesforce kept; ok is false when
// no complete run kept anything yet.
func (s *DB) RememberedSalesforce() (r RememberedUsers, ok bool, err error) {
	var taken, readAt string
	var data []byte
	err = s.db.QueryRow("SELECT taken_at, read_at, source, data FROM salesforce_snapshot WHERE id = 1").Scan(&taken, &readAt, &r.Source, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	r.Users, err = unpackRows(data, func(rr *rowReader) match.User {
		u := match.User{ID: rr.str(), Username: rr.str(), Name: rr.str(), Email: rr.str(), Phone: rr.str(),
			MobilePhone: rr.str(), Extension: rr.str(), CountryCode: rr.str(), Country: rr.str()}
		if n := rr.num(); n > 0 && rr.err == nil {
			u.Fields = make(match.Fields, min(n, rr.left()))
			for i := range u.Fields {
				u.Fields[i] = match.FieldValue{Provider: match.Provider(rr.str()), Value: rr.str()}
			}
		}
		return u
	})
	if err != nil {
		return RememberedUsers{}, false, fmt.Errorf("remembered Salesforce users: %w", err)
	}
	r.ReadAt, r.TakenAt = parseTS(readAt), parseTS(taken)
	return r, true, nil
}
