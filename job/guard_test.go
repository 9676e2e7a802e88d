package job

import (
	"errors"
	"testing"

	"voiceid/match"
)

// Clearing a field removes a user's call routing: it counts double against
// the safety threshold.
func TestSafetyCountsClearsDouble(t *testing.T) {
	s := Safety{MaxChanges: 3, MaxChangeRatio: 1}
	weigh := func(news ...string) error {
		var cs []match.Change
		for _, n := range news {
			cs = append(cs, match.Change{New: n})
		}
		return s.check(cs, 100)
	}
	for _, ok := range [][]string{{"1", "2", "3"}, {"1", ""}} {
		if err := weigh(ok...); err != nil {
			t.Errorf("%q (weight 3) under max_changes = 3: %v", ok, err)
		}
	}
	for _, over := range [][]string{{"", ""}, {"1", "2", ""}, {"1", "2", "3", "4"}} {
		if err := weigh(over...); !errors.Is(err, ErrAborted) {
			t.Errorf("%q (weight 4) passed max_changes = 3", over)
		}
	}
	s = Safety{MaxChanges: 500, MaxChangeRatio: 0.1} // the ratio decides
	if err := s.check(make([]match.Change, 11), 100); !errors.Is(err, ErrAborted) {
		t.Error("11 changes for 100 linked users passed max_change_ratio = 0.1")
	}
}

// The fast lane's metrics go beside the complete run's, labelled by lane:
// its runs every few minutes never hide how the nightly run went.
func TestMetricsFileOfEachLane(t *testing.T) {
	for lane, want := range map[string]string{"complete": "/var/lib/ne/voiceid.prom", "": "/var/lib/ne/voiceid.prom", "new": "/var/lib/ne/voiceid-new.prom"} {
		if got := MetricsFile("/var/lib/ne/voiceid.prom", lane); got != want {
			t.Errorf("lane %q: %s, want %s", lane, got, want)
		}
	}
}
