package main

import (
	"context"
	"errors"
	"os"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"voiceid/job"
	"voiceid/salesforce"
	"voiceid/state"
)

func TestBulkJobPastTheDeadlineFailsTheRunAndLeavesRowsSending(t *testing.T) {
	sb, _ := startTestSandbox(t, 200, 11, "")
	src, _ := os.ReadFile(sb.ConfigPath)
	edited := strings.Replace(string(src), "[salesforce]\n", "[salesforce]\nbulk_threshold = 20\nbulk_poll_timeout = \"10m\"\n", 1)
	if err := os.WriteFile(sb.ConfigPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, sb.ConfigPath)
	sb.Salesforce.HoldJobs = true // the job never leaves InProgress
	var mu gosync.Mutex
	start := time.Now() // the simulator checks the sign-in's JWT against real time
	now := start
	rep, err := runJob(cfg, func(o *job.Options) {
		o.Backfill = true
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		o.Sleep = func(ctx context.Context, d time.Duration) error { // fake time: a wait only moves the clock
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(d)
			return ctx.Err()
		}
	})
	if !errors.Is(err, salesforce.ErrBulkDeadline) || rep == nil || rep.Run.Status != "failed" {
		t.Fatalf("err %v: want the run to fail on the Bulk poll deadline", err)
	}
	if took := now.Sub(start); took < 10*time.Minute || took > 11*time.Minute {
		t.Errorf("the run took %s of fake time, want just past bulk_poll_timeout (10m)", took)
	}
	db, err := state.Open(cfg.State.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	trail, _ := db.ChangesOf(rep.Run.ID)
	if len(trail) <= 20 {
		t.Fatalf("%d changes: too few to go through Bulk API 2.0", len(trail))
	}
	for _, c := range trail {
		if c.Status != "sending" {
			t.Errorf("change for %s is %q: a job nobody saw finish leaves its rows sending", c.UserID, c.Status)
		}
	}
}
