package directory

import (
	"context"
	"reflect"
	"testing"

	"voiceid/match"
	"voiceid/sandbox"
)

// Ids padded with white space (a proxy's fault: no provider documents it)
// are read as the ids themselves: the people read are those of the unpadded
// directory, ids used to find number holders and to drop repeats included.

func samePeople(t *testing.T, provider string, padded, plain []match.Person) {
	t.Helper()
	if !reflect.DeepEqual(padded, plain) {
		for i := range min(len(padded), len(plain)) {
			if !reflect.DeepEqual(padded[i], plain[i]) {
				t.Fatalf("%s: person %d read from padded ids %+v, want %+v", provider, i, padded[i], plain[i])
			}
		}
		t.Fatalf("%s: %d people read from padded ids, want %d", provider, len(padded), len(plain))
	}
}

func TestRingCentralPaddedIDsAreReadTrimmed(t *testing.T) {
	read := func(pad bool) []match.Person {
		sim, r := rcSim(t, manyEntries(10), newClock())
		sim.PadIDs = pad
		people, err := r.People(context.Background(), nil)
		if err != nil {
			t.Fatalf("padded %v: %v", pad, err)
		}
		return people
	}
	samePeople(t, "ringcentral", read(true), read(false))
}

func TestAircallPaddedIDsAreReadTrimmed(t *testing.T) {
	// number holders come from single numbers (read by id) or from the list
	for _, list := range []sandbox.ListUsers{sandbox.ListOmitsUsers, sandbox.ListEmbedsUsers} {
		read := func(pad bool) []match.Person {
			org := aircallOrg(60, hourly)
			org.AircallNumbers[0].UserIDs = append(org.AircallNumbers[0].UserIDs, 99999) // a holder the users list does not name
			sim, r := acSim(t, org, newClock())
			sim.RateLimit, sim.NumbersList, sim.PadIDs = 0, list, pad
			people, err := r.People(context.Background(), nil)
			if err != nil {
				t.Fatalf("padded %v: %v", pad, err)
			}
			return people
		}
		samePeople(t, "aircall", read(true), read(false))
	}
}

func TestDialpadPaddedIDsAreReadTrimmed(t *testing.T) {
	for _, notAdmin := range []bool{false, true} { // owners from /numbers' target_id, or from each kind's list
		read := func(pad bool) []match.Person {
			clk := newClock()
			sim := dpSim(t, 30, clk)
			sim.PadIDs, sim.NotAdmin = pad, notAdmin
			r, _ := dpReader(sim, clk, nil)
			people, err := r.People(context.Background(), nil)
			if err != nil {
				t.Fatalf("padded %v: %v", pad, err)
			}
			return people
		}
		samePeople(t, "dialpad", read(true), read(false))
	}
}
