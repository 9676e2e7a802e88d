package aircall

import (
	"testing"

	"voiceid/provider/aircall/aircallsim"
)

// The bench's real-account minutes are at voiceid's own default budget: the
// simulator, which cannot import the reader, states it again.
func TestSimulatorStatesTheDefaultBudget(t *testing.T) {
	if aircallsim.DefaultBudget != DefaultRequestsPerMinute {
		t.Errorf("aircallsim.DefaultBudget is %d, the reader's default %d", aircallsim.DefaultBudget, DefaultRequestsPerMinute)
	}
}
