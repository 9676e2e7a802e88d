package salesforce

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"voiceid/internal/fakeclock"
	"voiceid/sandbox"
)

// jobStates counts the simulator's ingest jobs by state.
func jobStates(sim *sandbox.SalesforceSim) map[string]int {
	n := map[string]int{}
	for _, st := range sim.Jobs() {
		n[st]++
	}
	return n
}

func TestBulkPollGivesUpAtTheDeadlineAndSettlesNothing(t *testing.T) {
	users := orgUsers(30)
	clk := fakeclock.New(time.Now()) // the simulator checks the sign-in's JWT against real time
	start := clk.Now()
	sim, sf := mustStart(t, users, func(c *Config) {
		c.BulkThreshold, c.BulkPollTimeout, c.Now, c.Sleep = 10, 30*time.Minute, clk.Now, clk.Sleep
	})
	sim.HoldJobs = true
	changes := changesFor(users, 30)
	sent, settled := 0, 0
	out, err := sf.Apply(context.Background(), changes, Hooks{
		Sending: func(idx []int) error { sent += len(idx); return nil },
		Settled: func(idx []int, _ []Outcome) { settled += len(idx) }})
	if !errors.Is(err, ErrBulkDeadline) {
		t.Fatalf("err = %v, want the poll deadline", err)
	}
	var id string
	for j := range sim.Jobs() {
		id = j
	}
	for _, want := range []string{id, "InProgress", `"sending"`, "next run", "bulk_poll_timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("deadline error does not say %q: %v", want, err)
		}
	}
	if took := clk.Now().Sub(start); took < 30*time.Minute || took > 30*time.Minute+maxPoll {
		t.Errorf("gave up after %s of fake time, want 30m (+ at most one poll interval)", took)
	}
	if clk.Slept()[0] != 500*time.Millisecond || clk.Slept()[1] != time.Second || clk.Slept()[2] != 2*time.Second || max(clk.Slept()[0], clk.Slept()[len(clk.Slept())-1]) > 30*time.Second {
		t.Errorf("poll waits %v: want 0.5s, 1s, 2s, ... backing off to at most 30s", clk.Slept())
	}
	if sent != len(changes) || settled != 0 {
		t.Errorf("%d sent, %d settled: every row was sent and none may be settled (they stay sending)", sent, settled)
	}
	for i, o := range out {
		if o.Applied || o.Code != "" {
			t.Errorf("change %d has an outcome %+v; the job never said", i, o)
		}
	}
	if st := jobStates(sim); st["Aborted"] != 1 {
		t.Errorf("job states %v: the stuck job should be aborted", st)
	}
}

func TestBulkPollStopsWhenTheRunIsCancelled(t *testing.T) {
	users := orgUsers(30)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waits := 0
	sim, sf := mustStart(t, users, func(c *Config) {
		c.BulkThreshold = 10
		c.Sleep = func(ctx context.Context, _ time.Duration) error {
			if waits++; waits == 3 {
				cancel() // a signal arrives during the third wait
			}
			return ctx.Err()
		}
	})
	sim.HoldJobs = true
	_, err := sf.Apply(ctx, changesFor(users, 30), Hooks{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	if waits != 3 {
		t.Errorf("%d waits: the poll went on after the cancellation", waits)
	}
}

func TestBulkJobCreateAnswered500LeavesNoOpenOrphan(t *testing.T) {
	users := orgUsers(30)
	sim, sf := mustStart(t, users, func(c *Config) { c.BulkThreshold = 10 })
	sim.JobsPerPage = 1 // the orphan is on the list's second page
	if _, err := sf.Apply(context.Background(), changesFor(users, 30), Hooks{}); err != nil {
		t.Fatal(err)
	}
	sim.LoseJobCreate = 1
	changes := changesFor(users, 30)
	for i := range changes {
		changes[i].New += "0"
	}
	out, err := sf.Apply(context.Background(), changes, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if !o.Applied {
			t.Errorf("change %d: %+v", i, o)
		}
	}
	st := jobStates(sim)
	if st["JobComplete"] != 2 || st["Aborted"] != 1 || st["Open"] != 0 || len(sim.Jobs()) != 3 {
		t.Errorf("job states %v: want one job done per run, the orphan aborted, none open", st)
	}
	if u, _ := sim.User(users[0].ID); u.Identifiers["ringcentral"] != "8000000" {
		t.Errorf("second run's value not written: %q", u.Identifiers["ringcentral"])
	}
}

func TestBulkJobCreateResetIsCreatedOnceMore(t *testing.T) {
	users := orgUsers(30)
	sim, sf := mustStart(t, users, func(c *Config) { c.BulkThreshold = 10 })
	sim.Inject(sandbox.Fault{Path: "/services/data/v65.0/jobs/ingest", Method: "POST", Reset: true})
	out, err := sf.Apply(context.Background(), changesFor(users, 30), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].Applied {
		t.Errorf("outcome %+v", out[0])
	}
	if st := jobStates(sim); st["JobComplete"] != 1 || len(sim.Jobs()) != 1 {
		t.Errorf("job states %v: want exactly one job", st)
	}
}

func TestBulkFailedResultWithBlankSfIdFallsBackToUploadedId(t *testing.T) {
	users := orgUsers(30)
	sim, sf := mustStart(t, users, func(c *Config) { c.BulkThreshold = 10 })
	sim.BlankFailedIDs = true
	sim.Reject[users[4].ID] = "INSUFFICIENT_ACCESS_OR_READONLY"
	out, err := sf.Apply(context.Background(), changesFor(users, 30), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if out[4].Applied || out[4].Code != "INSUFFICIENT_ACCESS_OR_READONLY" {
		t.Errorf("failed row without sf__Id: %+v, want its sf__Error", out[4])
	}
	if !out[3].Applied {
		t.Errorf("successful row: %+v", out[3])
	}
}
