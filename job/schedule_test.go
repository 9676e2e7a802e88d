package job

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// A tick that comes while a run is going is skipped, never run alongside it.
// The clock is synctest's: cron's timers and the runs' durations are virtual,
// so the outcome is the same on a loaded machine.
func TestScheduleRunsOnTheCronAndNeverOverlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		var mu sync.Mutex
		var spans [][2]time.Time
		ctx, stop := context.WithTimeout(t.Context(), 10*time.Second+time.Millisecond)
		defer stop()
		err := Schedule(ctx, "@every 1s", time.UTC, log, func() bool {
			start := time.Now()
			time.Sleep(1600 * time.Millisecond) // every run takes 1.6 s: the tick in its middle must be skipped
			mu.Lock()
			spans = append(spans, [2]time.Time{start, time.Now()})
			mu.Unlock()
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		// ticks at 1, 2, ... 10 s; a run from 1 s to 2.6 s skips the 2 s tick, and so on
		if len(spans) != 5 {
			t.Errorf("%d runs in 10 s of 1.6 s runs on a 1 s cron, want 5:\n%s", len(spans), logs.String())
		}
		for i := 1; i < len(spans); i++ {
			if spans[i][0].Before(spans[i-1][1]) {
				t.Errorf("run %d started at %v, before run %d ended at %v", i+1, spans[i][0], i, spans[i-1][1])
			}
		}
		if n := strings.Count(logs.String(), "tick skipped"); n != 5 {
			t.Errorf("%d skipped ticks logged, want 5:\n%s", n, logs.String())
		}
		if !strings.Contains(logs.String(), "next run") || !strings.Contains(logs.String(), "schedule stopped") {
			t.Errorf("no next-run time or stop logged:\n%s", logs.String())
		}
	})
}
