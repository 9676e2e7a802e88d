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

// The compact rows RememberPeople writes carry every field of a person: a
// field added to match.Person or match.Number and left out of the rows
// would come back empty in the fast lane, and this test names it.
func TestRememberedRowsCarryEveryFieldOfAPerson(t *testing.T) {
	var p match.Person
	fill(t, reflect.ValueOf(&p).Elem(), "Person")
	p.Provider = "aircall" // the row is kept per provider; it comes back from the key
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	if err := db.RememberPeople("aircall", "1", []match.Person{p}); err != nil {
		t.Fatal(err)
	}
	got, _, err := db.RememberedPeople("aircall")
	if err != nil || len(got.People) != 1 {
		t.Fatalf("remembered %+v, err %v", got, err)
	}
	back := reflect.ValueOf(got.People[0])
	for i := range back.NumField() {
		if back.Field(i).IsZero() {
			t.Errorf("Person.%s came back empty", back.Type().Field(i).Name)
		}
	}
	for i := range back.FieldByName("Numbers").Index(0).NumField() {
		if back.FieldByName("Numbers").Index(0).Field(i).IsZero() {
			t.Errorf("Number.%s came back empty", back.FieldByName("Numbers").Index(0).Type().Field(i).Name)
		}
	}
}

// fill sets every field of v to a value that is not the zero value.
func fill(t *testing.T, v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), v.Type().Field(i).Name)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0), name)
	default:
		t.Fatalf("%s: a %s field; teach fill (and the remembered rows) about it", name, v.Kind())
	}
}
