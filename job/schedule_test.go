package job

import (
	"bytes"
	"context"
	"fmt"
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
		err := Schedule(ctx, time.UTC, log, Lane{Name: "complete", Spec: "@every 1s", Run: func() bool {
			start := time.Now()
			time.Sleep(1600 * time.Millisecond) // every run takes 1.6 s: the tick in its middle must be skipped
			mu.Lock()
			spans = append(spans, [2]time.Time{start, time.Now()})
			mu.Unlock()
			return true
		}})
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

// The fast lane and the complete run share one schedule and never overlap:
// a fast tick during a complete run is skipped and logged, and a complete
// tick during a fast run waits for it, then runs.
func TestScheduleRunsBothLanesAndNeverOverlapsThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		var mu sync.Mutex
		type span struct {
			lane       string
			start, end time.Time
		}
		var spans []span
		runFor := func(lane string, d time.Duration) func() bool {
			return func() bool {
				start := time.Now()
				time.Sleep(d)
				mu.Lock()
				spans = append(spans, span{lane, start, time.Now()})
				mu.Unlock()
				return true
			}
		}
		ctx, stop := context.WithTimeout(t.Context(), 11*time.Second)
		defer stop()
		begin := time.Now()
		err := Schedule(ctx, time.UTC, log,
			Lane{Name: "complete", Spec: "@every 5s", Run: runFor("complete", 2300*time.Millisecond)},
			Lane{Name: "new", Spec: "@every 3s", Fast: true, Run: runFor("new", 1200*time.Millisecond)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range spans {
			for j := range i {
				if spans[i].start.Before(spans[j].end) && spans[j].start.Before(spans[i].end) {
					t.Errorf("%s run %v-%v overlaps %s run %v-%v", spans[i].lane, spans[i].start, spans[i].end, spans[j].lane, spans[j].start, spans[j].end)
				}
			}
		}
		// fast 3-4.2 s; complete 5-7.3 s, so the fast tick at 6 s is skipped; fast 9-10.2 s;
		// the complete tick at 10 s waits for that fast run and starts at 10.2 s
		var got []string
		for _, s := range spans {
			got = append(got, fmt.Sprintf("%s@%v", s.lane, s.start.Sub(begin)))
		}
		if want := "[new@3s complete@5s new@9s complete@10.2s]"; fmt.Sprint(got) != want {
			t.Errorf("runs %v, want %s:\n%s", got, want, logs.String())
		}
		if !strings.Contains(logs.String(), "does all the fast lane would") {
			t.Errorf("no skipped fast tick logged:\n%s", logs.String())
		}
	})
}
