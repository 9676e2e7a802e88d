package fakeclock

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestSleepMovesTimeAndRecordsTheWaits(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := New(start)
	if c.Longest() != 0 || c.Total() != 0 {
		t.Fatalf("a new clock has waited %v (longest %v)", c.Total(), c.Longest())
	}
	for _, d := range []time.Duration{time.Second, 5 * time.Second, 2 * time.Second} {
		if err := c.Sleep(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Now().Sub(start); got != 8*time.Second {
		t.Errorf("time moved %v, want 8s", got)
	}
	if want := []time.Duration{time.Second, 5 * time.Second, 2 * time.Second}; !slices.Equal(c.Slept(), want) {
		t.Errorf("slept %v, want %v", c.Slept(), want)
	}
	if c.Total() != 8*time.Second || c.Longest() != 5*time.Second {
		t.Errorf("total %v, longest %v", c.Total(), c.Longest())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || c.Now().Sub(start) != 8*time.Second {
		t.Errorf("a cancelled sleep: %v, time moved to %v", err, c.Now())
	}
}
