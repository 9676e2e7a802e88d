package state

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"voiceid/match"
)

// A complete run's people of a provider read in part come back whole, with
// the mark to read on from; the next complete run's replace them.
func TestRememberedPeopleComeBackWholeAndTheNextRunReplacesThem(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	at := time.Date(2026, 12, 4, 2, 30, 0, 0, time.UTC)
	db.Now = func() time.Time { return at }
	if _, ok, err := db.RememberedPeople("aircall"); ok || err != nil {
		t.Fatalf("before any run: ok %v, err %v", ok, err)
	}
	people := []match.Person{
		{Provider: "aircall", ID: "51001", Eligible: true, Owner: match.OwnerPerson, Name: "Zoë O'Neil", Email: "zoe@example.com",
			Numbers: []match.Number{{Raw: "+33 1 23 45 67 89", Direct: true}}},
		{Provider: "aircall", ID: "51002", Owner: match.OwnerPerson, State: "not in the user list"},
	}
	if err := db.RememberPeople("aircall", "1764800000", people); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.RememberedPeople("aircall")
	if err != nil || !ok || got.Mark != "1764800000" || !got.TakenAt.Equal(at) || !reflect.DeepEqual(got.People, people) {
		t.Fatalf("remembered %+v (ok %v, err %v), want %+v", got, ok, err, people)
	}
	if err := db.RememberPeople("aircall", "1764900000", people[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.RememberedPeople("aircall"); got.Mark != "1764900000" || len(got.People) != 1 {
		t.Errorf("after the next run: %+v", got)
	}
}
