package dialpad

import (
	"context"
	"testing"

	"voiceid/match"
)

// Ids padded with white space (a proxy's fault: no provider documents it)
// are read as the ids themselves: the people read are those of the unpadded
// directory, ids used to find number holders and to drop repeats included.

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
