package salesforce

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"voiceid/internal/fakeclock"
	"voiceid/internal/httpx"
	"voiceid/sandbox"
)

const collections = "/services/data/v65.0/composite/sobjects"

// startOnClock is mustStart with time on a fake clock (started at the real
// now: the simulator checks the JWT's expiry against real time).
func startOnClock(t *testing.T, users []sandbox.SFUser, edit func(*Config)) (*sandbox.SalesforceSim, *Client, *fakeclock.Clock) {
	t.Helper()
	clk := fakeclock.New(time.Now())
	sim, sf := mustStart(t, users, func(c *Config) {
		c.Now, c.Sleep = clk.Now, clk.Sleep
		if edit != nil {
			edit(c)
		}
	})
	return sim, sf, clk
}

// A concurrency limit is transient and Salesforce did nothing with the
// refused request (docs/providers/salesforce.md): the write is backed off for seconds,
// growing, and sent again, whichever spelling the refusal carries.
func TestConcurrencyLimitsAreBackedOffAndTheWriteSentAgain(t *testing.T) {
	for _, msg := range []string{sandbox.SFConcurrentRequests, sandbox.SFConcurrentRequestsLong, sandbox.SFConcurrentLongTxn} {
		t.Run(msg, func(t *testing.T) {
			users := orgUsers(3)
			sim, sf, clk := startOnClock(t, users, nil)
			sim.RefuseNext(http.MethodPatch, collections, 2, msg)
			changes := changesFor(users, 3)
			out, err := sf.Apply(context.Background(), changes, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range out {
				if !o.Applied {
					t.Errorf("change %d: %+v", i, o)
				}
			}
			if n := sim.Requests(collections); n != 3 {
				t.Errorf("%d PATCH requests, want 3 (two refused, one written)", n)
			}
			if len(sim.Writes()) != len(changes) {
				t.Errorf("%d values written, want %d", len(sim.Writes()), len(changes))
			}
			// seconds, doubling, with jitter in the upper half of each
			if w := clk.Slept(); len(w) != 2 || w[0] < 2500*time.Millisecond || w[0] > 5*time.Second || w[1] < 5*time.Second || w[1] > 10*time.Second {
				t.Errorf("waits %v, want one of 2.5-5 s, then one of 5-10 s", w)
			}
		})
	}
}

// The job-creating POST is never repeated blindly, but a concurrency refusal
// comes before anything is made: it is sent again, and no orphan is hunted.
func TestBulkJobCreateRefusedForConcurrencyIsSentAgain(t *testing.T) {
	users := orgUsers(30)
	sim, sf, _ := startOnClock(t, users, func(c *Config) { c.BulkThreshold = 10 })
	sim.RefuseNext(http.MethodPost, "/services/data/v65.0/jobs/ingest", 1, sandbox.SFConcurrentLongTxn)
	out, err := sf.Apply(context.Background(), changesFor(users, 30), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if !o.Applied {
			t.Errorf("change %d: %+v", i, o)
		}
	}
	if st := jobStates(sim); len(sim.Jobs()) != 1 || st["JobComplete"] != 1 {
		t.Errorf("job states %v: want exactly one job, complete", st)
	}
}

// Only the daily allowance and limits voiceid does not know stop the run;
// neither is sent again, and nothing is written.
func TestTotalRequestsAndUnknownLimitsStopWithoutRetry(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		daily bool
	}{{sandbox.SFTotalRequests, true}, {"ConcurrentSomethingNew Limit exceeded.", false}} {
		t.Run(tc.msg, func(t *testing.T) {
			users := orgUsers(3)
			sim, sf, clk := startOnClock(t, users, nil)
			sim.RefuseNext(http.MethodPatch, collections, 5, tc.msg)
			_, err := sf.Apply(context.Background(), changesFor(users, 3), Hooks{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "REQUEST_LIMIT_EXCEEDED") {
				t.Fatalf("err = %v, want the refusal named", err)
			}
			if errors.Is(err, ErrAPILimit) != tc.daily {
				t.Errorf("errors.Is(err, ErrAPILimit) = %v, want %v: %v", !tc.daily, tc.daily, err)
			}
			if n := sim.Requests(collections); n != 1 || len(clk.Slept()) != 0 || len(sim.Writes()) != 0 {
				t.Errorf("%d PATCH requests, waits %v, %d writes: want one request, no wait, nothing written", n, clk.Slept(), len(sim.Writes()))
			}
		})
	}
}

// A concurrency limit that outlasts the retry budget fails the batch with an
// error naming the limit, the budget and the fix; the run's other batches go on.
func TestConcurrencyLimitPastTheRetryBudgetFailsTheBatch(t *testing.T) {
	users := orgUsers(250)
	sim, sf, clk := startOnClock(t, users, nil)
	sim.RefuseNext(http.MethodPatch, collections, 1000, sandbox.SFConcurrentRequests)
	start := clk.Now()
	ctx := httpx.WithPolicy(context.Background(), httpx.Policy{Budget: 45 * time.Second})
	out, err := sf.Apply(ctx, changesFor(users, 250), Hooks{})
	if err != nil {
		t.Fatalf("err = %v: a batch failing does not stop the others", err)
	}
	for i, o := range out {
		if o.Applied || o.Code != "BATCH_FAILED" {
			t.Fatalf("change %d: %+v, want BATCH_FAILED", i, o)
		}
	}
	for _, want := range []string{"ConcurrentRequests Limit exceeded.", "retry budget 45s", "run again later", "retry_budget"} {
		if !strings.Contains(out[0].Message, want) {
			t.Errorf("outcome message lacks %q: %s", want, out[0].Message)
		}
	}
	if took := clk.Now().Sub(start); took > 2*45*time.Second {
		t.Errorf("two batches took %v of backoff, want each within its 45 s budget", took)
	}
	if n := sim.Requests(collections); n < 6 || len(sim.Writes()) != 0 {
		t.Errorf("%d PATCH requests, %d writes: want each batch retried a few times, nothing written", n, len(sim.Writes()))
	}
}
