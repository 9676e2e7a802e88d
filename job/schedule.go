package job

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule calls run on each tick of the cron spec (in loc) until ctx ends,
// then waits for the run in progress. Runs never overlap: a tick that comes
// during a run is skipped and logged. run is the seam: the command passes a
// whole job, tests a function of their own (with testing/synctest, cron's
// clock is virtual too).
func Schedule(ctx context.Context, spec string, loc *time.Location, log *slog.Logger, run func() (next bool)) error {
	c := cron.New(cron.WithLocation(loc), cron.WithChain(cron.SkipIfStillRunning(cronLog{log})))
	var id cron.EntryID
	id, err := c.AddFunc(spec, func() {
		if run() {
			log.Info("next run", "at", c.Entry(id).Next.Format(time.RFC3339))
		}
	})
	if err != nil {
		return err
	}
	c.Start()
	log.Info("schedule started", "cron", spec, "timezone", loc.String(), "next", c.Entry(id).Next.Format(time.RFC3339))
	<-ctx.Done()
	log.Info("stopping: waiting for the run in progress to finish")
	<-c.Stop().Done()
	log.Info("schedule stopped")
	return nil
}

// cronLog passes robfig/cron's skipped ticks and errors to slog, and drops
// its chatter (wake, run, ...).
type cronLog struct{ log *slog.Logger }

func (c cronLog) Info(msg string, kv ...any) {
	if msg == "skip" {
		c.log.Warn("tick skipped: the previous run is still going")
	}
}

func (c cronLog) Error(err error, msg string, kv ...any) {
	c.log.Error("schedule: "+msg, append(kv, "error", err)...)
}
