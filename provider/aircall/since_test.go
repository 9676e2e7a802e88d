package aircall

import (
	"context"
	"strconv"
	"testing"

	"voiceid/provider"
)

// The fast lane reads only the users created since the last complete read
// (the list with from, docs/providers/aircall.md) and each one's numbers with
// a read of its own: at most 2 + 1 a new user calls, however large the
// company. The users of the mark's second, which the complete read saw, are
// left out whether from includes its own second or not.
func TestAircallReadsOnlyTheUsersCreatedSinceTheMark(t *testing.T) {
	clk := newClock()
	then := aircallOrg(300, hourly)
	sim, r := acSim(t, then, clk)
	sim.RateLimit = 0
	if _, err := r.People(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	mark := r.Mark()
	if want := strconv.FormatInt(hourly(299).Unix(), 10); mark != want {
		t.Fatalf("mark %s, want the newest user's created_at %s", mark, want)
	}
	const hires = 3
	for _, exclusive := range []bool{false, true} { // whether from includes its own second: UNCONFIRMED
		sinceMark(t, mark, hires, exclusive)
	}
}

func sinceMark(t *testing.T, mark string, hires int, exclusive bool) {
	t.Helper()
	now := aircallOrg(300+hires, hourly) // the same company, three users later
	sim, r := acSim(t, now, newClock())
	sim.RateLimit, sim.ExclusiveBounds = 0, exclusive
	var inc provider.Incremental = r
	people, err := inc.PeopleSince(context.Background(), mark)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range people {
		got[p.ID] = len(p.Numbers)
	}
	want := map[string]int{"51300": 1, "51301": 1, "51302": 1}
	if len(got) != len(want) {
		t.Fatalf("exclusive bounds %v: read %v, want the users created from the mark's second on, each with its line: %v", exclusive, got, want)
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("user %s: %d numbers, want %d", id, got[id], n)
		}
	}
	if calls := r.Calls(); calls > int64(2+hires) {
		t.Errorf("%d calls for %d new users, want at most %d", calls, hires, 2+hires)
	}
	if r.Mark() != strconv.FormatInt(hourly(302).Unix(), 10) {
		t.Errorf("mark after the read %s, want the newest new user's second", r.Mark())
	}
}
