package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"voiceid/job"
	"voiceid/match"
	"voiceid/salesforce"
	"voiceid/sandbox"
)

// Issue #24: Salesforce's transient concurrency limits carry the daily
// limit's code, REQUEST_LIMIT_EXCEEDED (docs/providers/salesforce.md). One such answer to
// the first write ended the run with exit 1 and nothing written; now it is
// waited out and the run ends as a normal one. The daily limit, and a limit
// voiceid does not know, still stop the run before anything is written.
func TestRequestLimitsOnTheFirstWrite(t *testing.T) {
	for _, tc := range []struct {
		msg      string
		wantExit int
	}{
		{sandbox.SFConcurrentRequests, exitOK},
		{sandbox.SFConcurrentLongTxn, exitOK},
		{sandbox.SFTotalRequests, exitFailure},
		{"ConcurrentSomethingNew Limit exceeded.", exitFailure},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			sb, cfg := startTestSandbox(t, 120, 5, "")
			sb.Salesforce.RefuseNext(http.MethodPatch, sandbox.StackData+"/composite/sobjects", 1, tc.msg)
			var backedOff atomic.Bool
			rep, err := runJob(cfg, func(o *job.Options) {
				o.Backfill = true
				o.Sleep = func(_ context.Context, d time.Duration) error {
					if d >= 2500*time.Millisecond { // the concurrency backoff: seconds
						backedOff.Store(true)
					}
					return nil
				}
			})
			if code := exitCode(err, new(bytes.Buffer)); code != tc.wantExit {
				t.Fatalf("exit %d (err %v), want %d", code, err, tc.wantExit)
			}
			if sb.Salesforce.Answered(http.StatusForbidden) != 1 {
				t.Errorf("%d refusals answered, want the one injected", sb.Salesforce.Answered(http.StatusForbidden))
			}
			if tc.wantExit != exitOK {
				if err == nil || !strings.Contains(err.Error(), tc.msg) || len(sb.Salesforce.Writes()) != 0 {
					t.Errorf("err = %v, %d writes: want the limit named and nothing written", err, len(sb.Salesforce.Writes()))
				}
				if errors.Is(err, salesforce.ErrAPILimit) != (tc.msg == sandbox.SFTotalRequests) {
					t.Errorf("ErrAPILimit is %v for %q", errors.Is(err, salesforce.ErrAPILimit), tc.msg)
				}
				return
			}
			if rep.Counts.Changes == 0 || rep.Counts.Applied != rep.Counts.Changes || rep.Run.Status != match.RunOK {
				t.Errorf("run %s: applied %d of %d", rep.Run.Status, rep.Counts.Applied, rep.Counts.Changes)
			}
			if !backedOff.Load() {
				t.Error("the refusal was not backed off for seconds")
			}
		})
	}
}
