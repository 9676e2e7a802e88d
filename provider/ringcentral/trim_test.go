package ringcentral

import (
	"context"
	"testing"

	"voiceid/match"
)

// Ids padded with white space (a proxy's fault: no provider documents it)
// are read as the ids themselves: the people read are those of the unpadded
// directory, ids used to find number holders and to drop repeats included.

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
