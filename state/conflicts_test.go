package state

import (
	"path/filepath"
	"testing"
	"time"

	"voiceid/match"
	"voiceid/provider/aircall"
	"voiceid/provider/ringcentral"
)

func TestConflictLifecycleAcrossThreeRuns(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	clock := time.Date(2026, 11, 1, 2, 30, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	a := match.Conflict{Kind: match.SharedNumber, Provider: ringcentral.Name, Value: "+16505550100", PersonIDs: []string{"1", "2"}, UserIDs: []string{}}
	b := match.Conflict{Kind: match.DuplicateEmail, Provider: aircall.Name, Value: "x@y", PersonIDs: []string{"9"}, UserIDs: []string{"005A", "005B"}}
	c := match.Conflict{Kind: match.StaleIdentifier, Provider: ringcentral.Name, Value: "999", PersonIDs: []string{"999"}, UserIDs: []string{"005C"}}
	see := func(cs ...match.Conflict) map[string]time.Time {
		t.Helper()
		id, _ := db.StartRun("apply", false)
		first, err := db.SeeConflicts(id, cs)
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(24 * time.Hour)
		return first
	}
	day := func(n int) time.Time { return time.Date(2026, 11, n, 2, 30, 0, 0, time.UTC) }

	see(a, b)
	first := see(b, c) // a resolved, b seen again, c new
	if !first[b.Key()].Equal(day(1)) || !first[c.Key()].Equal(day(2)) {
		t.Errorf("first seen after run 2: %v", first)
	}
	if _, open := first[a.Key()]; open {
		t.Error("a conflict run 2 no longer found is still open")
	}
	all, _ := db.Conflicts(true)
	for _, x := range all {
		switch x.Key() {
		case a.Key():
			if !x.ResolvedAt.Equal(day(2)) || !x.LastSeen.Equal(day(1)) {
				t.Errorf("a: resolved %v, last seen %v", x.ResolvedAt, x.LastSeen)
			}
		case b.Key():
			if !x.LastSeen.Equal(day(2)) || !x.ResolvedAt.IsZero() {
				t.Errorf("b: last seen %v, resolved %v", x.LastSeen, x.ResolvedAt)
			}
		}
	}
	first = see(a) // a comes back: a new first-seen; b and c resolved
	if !first[a.Key()].Equal(day(3)) || len(first) != 1 {
		t.Errorf("after run 3: %v", first)
	}
	if cs, _ := db.Conflicts(true); len(cs) != 3 {
		t.Errorf("%d conflict rows, want 3 (one per identity, across runs)", len(cs))
	}
}
