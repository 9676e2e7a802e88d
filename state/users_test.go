package state

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"voiceid/match"
)

// The nightly re-run on an unchanged org rewrites no user rows: the users
// table is rewritten only when the users differ from the last run's.
func TestRememberUsersRewritesOnlyWhenTheUsersChange(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	users := []UserRef{{ID: "005A", Username: "ann@x", Name: "Ann"}, {ID: "005B", Username: "bob@x", Name: "Bob"}}
	writes := func() int64 {
		var n int64
		db.db.QueryRow("SELECT total_changes()").Scan(&n)
		return n
	}
	if err := db.RememberUsers(users); err != nil {
		t.Fatal(err)
	}
	before := writes()
	if err := db.RememberUsers(users); err != nil {
		t.Fatal(err)
	}
	if w := writes() - before; w != 0 {
		t.Errorf("the same users again wrote %d rows", w)
	}
	users[1].Name = "Robert"
	if err := db.RememberUsers(users); err != nil {
		t.Fatal(err)
	}
	if u, err := db.FindUser("bob@x"); err != nil || u.Name != "Robert" {
		t.Errorf("a renamed user was not remembered: %+v, %v", u, err)
	}
	if err := db.RememberUsers(users[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindUser("bob@x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a user gone from Salesforce is still remembered: %v", err)
	}
}

// go test ./state -run XXX -bench RememberUsers: the first run of a 100,000-user org.
func BenchmarkRememberUsers(b *testing.B) {
	users := make([]UserRef, 100_000)
	for i := range users {
		users[i] = UserRef{ID: fmt.Sprintf("005%015d", i), Username: fmt.Sprintf("user%d@example.com.prod", i), Name: fmt.Sprintf("User %d", i)}
	}
	for b.Loop() {
		b.StopTimer()
		db := open(b, filepath.Join(b.TempDir(), "state.db"))
		b.StartTimer()
		if err := db.RememberUsers(users); err != nil {
			b.Fatal(err)
		}
	}
}

// Version 6 keeps the remembered users as one list; a file from version 5
// keeps its users, still found by username in any case.
func TestUsersSurviveTheMoveToOneList(t *testing.T) {
	_, names := latest()
	path := filepath.Join(t.TempDir(), "state.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names[:5] {
		src, _ := migrations.ReadFile(name)
		if _, err := raw.Exec(string(src)); err != nil {
			t.Fatal(err)
		}
	}
	raw.Exec(fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = 5", applicationID))
	if _, err := raw.Exec("INSERT INTO users (id, username, name, seen_at) VALUES ('005B', 'Bea@Example.com', 'Bea', '2026-01-01T00:00:00Z'), ('005A', 'al@example.com', 'Al', '2026-01-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db := open(t, path)
	u, err := db.FindUser("bea@EXAMPLE.com")
	if err != nil || u != (UserRef{ID: "005B", Username: "Bea@Example.com", Name: "Bea"}) {
		t.Errorf("by username after the move: %+v, %v", u, err)
	}
	all, err := db.Users()
	if err != nil || len(all) != 2 || all["005A"].Name != "Al" {
		t.Errorf("users after the move: %+v, %v", all, err)
	}
}

// The remembered list holds any characters a Salesforce name can, and finds
// a username in any case the way SQLite's NOCASE did: ASCII letters only.
func TestRememberedUsersKeepEveryCharacter(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	odd := []UserRef{
		{ID: "005C", Username: "Zoë.Ünal@Example.com", Name: "Zoë \"Z\" Ünal\t(ops)"},
		{ID: "005A", Username: "ann@x", Name: "Ann\nLine, <b>&amp;</b> 日本"},
		{ID: "005B", Username: "bob@x", Name: ""},
	}
	if err := db.RememberUsers(odd); err != nil {
		t.Fatal(err)
	}
	all, err := db.Users()
	if err != nil || len(all) != 3 {
		t.Fatalf("users: %+v, %v", all, err)
	}
	for _, u := range odd {
		if all[u.ID] != u {
			t.Errorf("remembered %+v, want %+v", all[u.ID], u)
		}
	}
	if u, err := db.FindUser("ZOë.ÜNAL@EXAMPLE.COM"); err != nil || u.ID != "005C" {
		t.Errorf("ASCII letters in another case: %+v, %v", u, err)
	}
	if _, err := db.FindUser("ZOË.Ünal@Example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a non-ASCII letter in another case was found (NOCASE folds ASCII only): %v", err)
	}
	if u, err := db.FindUser("005B"); err != nil || u.Username != "bob@x" {
		t.Errorf("by id: %+v, %v", u, err)
	}
}

// A complete run's Salesforce users come back whole, every field of them,
// with when Salesforce began answering the read and what was read; a
// snapshot cut short is an error that says so, never fewer users.
func TestRememberedSalesforceUsersComeBackWhole(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	if _, ok, err := db.RememberedSalesforce(); ok || err != nil {
		t.Fatalf("before any run: ok %v, err %v", ok, err)
	}
	var full match.User
	fill(t, reflect.ValueOf(&full).Elem(), "User")
	users := []match.User{full, {ID: "005B", Username: "zoë@x", Name: "Zoë \"Z\"\n日本"}}
	readAt := time.Date(2026, 12, 4, 2, 30, 1, 0, time.UTC)
	if err := db.RememberSalesforce(readAt, "org 00D at https://x: Id,Username", users); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.RememberedSalesforce()
	if err != nil || !ok || !got.ReadAt.Equal(readAt) || got.Source != "org 00D at https://x: Id,Username" || !reflect.DeepEqual(got.Users, users) {
		t.Fatalf("remembered %+v (ok %v, err %v), want %+v", got, ok, err, users)
	}
	back := reflect.ValueOf(got.Users[0])
	for i := range back.NumField() {
		if back.Field(i).IsZero() {
			t.Errorf("User.%s came back empty", back.Type().Field(i).Name)
		}
	}

	var data []byte
	if err := db.db.QueryRow("SELECT data FROM salesforce_snapshot").Scan(&data); err != nil {
		t.Fatal(err)
	}
	rr, err := inflateRows(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, short := range map[string]string{
		"in the middle of a row": rr.data[:len(rr.data)-3],
		"after a whole row":      "\x03" + rr.data[1:], // says 3 users, holds 2
	} {
		cut, err := compress(func(w io.Writer) error { _, err := io.WriteString(w, rowsMagic+short); return err })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.db.Exec("UPDATE salesforce_snapshot SET data = ?", cut); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.RememberedSalesforce(); ok || err == nil || !strings.Contains(err.Error(), "cut short") {
			t.Errorf("a snapshot cut short %s: %d users, ok %v, err %v", name, len(got.Users), ok, err)
		}
	}
}
