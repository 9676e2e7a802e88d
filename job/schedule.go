package job

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Lane is one cron of a schedule: the complete run, or the fast lane.
type Lane struct {
	Name string // "complete" or "new", for the log
	Spec string // a cron expression; "" leaves the lane out
	// Fast: a tick that comes while any run is going is skipped (the run
	// going does all it would). A complete tick waits for a fast run to end,
	// and is skipped only when a complete run is still going.
	Fast bool
	Run  func() (next bool)
}

// Schedule calls each lane's run on its cron (in loc) until ctx ends, then
// waits for the run in progress. Runs never overlap, whatever their lane.
// Run is the seam: the command passes a whole job, tests a function of their
// own (with testing/synctest, cron's clock is virtual too).
func Schedule(ctx context.Context, loc *time.Location, log *slog.Logger, lanes ...Lane) error {
	c := cron.New(cron.WithLocation(loc))
	// semaphores as channels: a run waiting on one is durably blocked, which
	// testing/synctest's virtual clock needs (a sync.Mutex wait is not)
	one := make(chan struct{}, 1)           // held by the run going
	completeGoing := make(chan struct{}, 1) // held by a complete run, waiting or going
	ids := make([]cron.EntryID, len(lanes))
	for i, l := range lanes {
		if l.Spec == "" {
			continue
		}
		var err error
		ids[i], err = c.AddFunc(l.Spec, func() {
			if l.Fast {
				if !try(one) {
					log.Info("tick skipped: a run is going, and does all the fast lane would", "lane", l.Name)
					return
				}
			} else {
				if !try(completeGoing) {
					log.Warn("tick skipped: the previous complete run is still going", "lane", l.Name)
					return
				}
				defer func() { <-completeGoing }()
				one <- struct{}{} // a fast run ends in minutes: the complete run waits for it
			}
			defer func() { <-one }()
			if l.Run() {
				log.Info("next run", "lane", l.Name, "at", c.Entry(ids[i]).Next.Format(time.RFC3339))
			}
		})
		if err != nil {
			return &LaneError{Lane: l, Err: err}
		}
	}
	c.Start()
	for i, l := range lanes {
		if l.Spec != "" {
			log.Info("schedule started", "lane", l.Name, "cron", l.Spec, "timezone", loc.String(), "next", c.Entry(ids[i]).Next.Format(time.RFC3339))
		}
	}
	<-ctx.Done()
	log.Info("stopping: waiting for the run in progress to finish")
	<-c.Stop().Done()
	log.Info("schedule stopped")
	return nil
}

// try takes a semaphore if it is free.
func try(sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
		return false
	}
}

// LaneError is a lane whose cron expression cron refuses.
type LaneError struct {
	Lane Lane
	Err  error
}

func (e *LaneError) Error() string { return e.Lane.Spec + ": " + e.Err.Error() }
func (e *LaneError) Unwrap() error { return e.Err }
