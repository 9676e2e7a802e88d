package aircall

import (
	"context"
	"testing"

	"voiceid/match"
	"voiceid/provider/aircall/aircallsim"
)

// Ids padded with white space (a proxy's fault: no provider documents it)
// are read as the ids themselves: the people read are those of the unpadded
// directory, ids used to find number holders and to drop repeats included.

func TestAircallPaddedIDsAreReadTrimmed(t *testing.T) {
	// number holders come from single numbers (read by id) or from the list
	for _, list := range []aircallsim.ListUsers{aircallsim.ListOmitsUsers, aircallsim.ListEmbedsUsers} {
		read := func(pad bool) []match.Person {
			org := aircallOrg(60, hourly)
			org.Numbers[0].UserIDs = append(org.Numbers[0].UserIDs, 99999) // a holder the users list does not name
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
