package dialpad

import (
	"testing"

	"voiceid/provider/dialpad/dialpadsim"
)

// The bench's real-account minutes are at voiceid's own default budget: the
// simulator, which cannot import the reader, states it again.
func TestSimulatorStatesTheDefaultBudget(t *testing.T) {
	if dialpadsim.DefaultBudget != DefaultRequestsPerSecond {
		t.Errorf("dialpadsim.DefaultBudget is %d, the reader's default %d", dialpadsim.DefaultBudget, DefaultRequestsPerSecond)
	}
}
