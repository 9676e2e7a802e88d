package job

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiceid/match"
	"voiceid/provider"
	"voiceid/provider/aircall"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/all"
	"voiceid/provider/ringcentral"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/salesforce"
	"voiceid/sandbox"
	"voiceid/state"
)

// stack starts the simulators of a generated organisation and returns the
// typed Options of a run against them: a job built without a TOML file.
func stack(t *testing.T, users int, seed uint64) (*sandbox.Stack, Options) {
	t.Helper()
	dir := t.TempDir()
	sb, err := sandbox.Start(sandbox.GenerateOrg(users, seed, all.Simulators()...), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	rc, ac := ringcentralsim.InStack(sb).URL(), aircallsim.InStack(sb).URL()
	o := Options{
		Providers: []Provider{
			{Info: ringcentral.Info, Open: func(e provider.Env) provider.Directory {
				return ringcentral.New(ringcentral.Config{Server: rc, ClientID: ringcentralsim.ClientID,
					ClientSecret: ringcentralsim.ClientSecret, JWT: ringcentralsim.JWT, HTTP: e.HTTP, Sleep: e.Sleep})
			}},
			{Info: aircall.Info, Open: func(e provider.Env) provider.Directory {
				return aircall.New(aircall.Config{BaseURL: ac, APIID: aircallsim.APIID, APIToken: aircallsim.APIToken,
					HTTP: e.HTTP, Sleep: e.Sleep, RequestsPerMinute: aircallsim.StackLimit / 2})
			}},
		},
		Salesforce: salesforce.Config{LoginURL: sb.Salesforce.URL(), Auth: salesforce.AuthJWT, ClientID: sandbox.SFClientID,
			Username: sandbox.SFUsername, PrivateKeyFile: filepath.Join(dir, "salesforce.key"), APIVersion: sandbox.StackAPIVersion},
		Match:     match.Options{DefaultRegion: "US"},
		StatePath: filepath.Join(dir, "voiceid.db"),
		Backfill:  true,
		Sleep:     func(context.Context, time.Duration) error { return nil },
	}
	return sb, o
}

// The state file fills up right after Salesforce answered a batch: the
// answers are Salesforce's, so the report counts them as applied, not as
// failed, and says in words that the trail is behind by that batch; the
// run still records its end and gives back its lock.
func TestCountsAreSalesforcesAnswersWhenTheTrailFallsBehind(t *testing.T) {
	sb, o := stack(t, 400, 5)
	outcomes := 0
	o.State = []state.Option{state.Fault(func(op string) error {
		if op == "outcome" {
			if outcomes++; outcomes == 1 {
				return errors.New("database or disk is full")
			}
		}
		return nil
	})}
	rep, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("the run went on after its trail could not record Salesforce's answers")
	}
	written := len(sb.Salesforce.Writes())
	if written == 0 || rep.Counts.Applied != written || rep.Counts.Failed != 0 {
		t.Errorf("Salesforce took %d values; the report counts applied %d, failed %d", written, rep.Counts.Applied, rep.Counts.Failed)
	}
	if want := fmt.Sprintf("behind by %d", written); !strings.Contains(rep.Run.Reason, want) {
		t.Errorf("the reason does not say the trail is %q: %q", want, rep.Run.Reason)
	}
	applied := 0
	for _, c := range rep.Changes {
		if c.Status == match.ChangeApplied {
			applied++
		}
	}
	if applied != rep.Counts.Applied {
		t.Errorf("changes[] lists %d applied, the counts %d", applied, rep.Counts.Applied)
	}
	finishedWithoutLock(t, o.StatePath, rep.Run.ID)
}

// finishedWithoutLock: the run's end is recorded and nobody holds the lock.
func finishedWithoutLock(t *testing.T, path string, runID int64) {
	t.Helper()
	db, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, _ := db.Runs(1)
	if len(runs) != 1 || runs[0].ID != runID || runs[0].Status == match.RunRunning {
		t.Errorf("the run is left %+v", runs)
	}
	release, err := db.Lock(context.Background())
	if err != nil {
		t.Errorf("the lock is still held: %v", err)
	} else {
		release()
	}
}

// A run that cannot store its end with its report (the report is most of
// what finishing writes) still records its end, as failed, and frees the lock.
func TestARunWhoseReportDoesNotFitStillRecordsItsEnd(t *testing.T) {
	_, o := stack(t, 120, 6)
	finishes := 0
	o.State = []state.Option{state.Fault(func(op string) error {
		if op == "finish" {
			if finishes++; finishes == 1 {
				return errors.New("database or disk is full")
			}
		}
		return nil
	})}
	rep, err := Run(context.Background(), o)
	if err == nil || rep.Run.Status != match.RunFailed || !strings.Contains(rep.Run.Reason, "could not store") {
		t.Errorf("err %v, status %s, reason %q", err, rep.Run.Status, rep.Run.Reason)
	}
	finishedWithoutLock(t, o.StatePath, rep.Run.ID)
}

// Every write failing is an outage, not a partial success: the run fails
// (exit 1), whatever runs it sees a failure.
func TestARunWhoseEveryWriteFailedFails(t *testing.T) {
	sb, o := stack(t, 120, 7)
	sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Status: 503, Times: 1000})
	rep, err := Run(context.Background(), o)
	if !errors.Is(err, ErrWritesFailed) || errors.Is(err, ErrPartial) || rep.Run.Status != match.RunFailed {
		t.Fatalf("err %v, status %s: want every write failed, not partial", err, rep.Run.Status)
	}
	if rep.Counts.Applied != 0 || rep.Counts.Failed != rep.Counts.Changes || rep.Counts.Changes == 0 {
		t.Errorf("counts %+v", rep.Counts)
	}
	if !strings.Contains(rep.Run.Reason, "every write failed") {
		t.Errorf("reason %q", rep.Run.Reason)
	}
}

// The state directory removed while the first batch is in flight: SQLite
// would go on recording into the unlinked file, so the run stops before the
// next batch, and says why.
func TestWritingStopsWhenTheStateFileIsRemovedMidRun(t *testing.T) {
	sb, o := stack(t, 1000, 21) // about 550 changes: three batches
	fired, hold := make(chan struct{}, 1), make(chan struct{})
	sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Fired: fired, Hold: hold})
	o.StatePath = filepath.Join(t.TempDir(), "state", "voiceid.db")
	if err := os.Mkdir(filepath.Dir(o.StatePath), 0o700); err != nil {
		t.Fatal(err)
	}
	go func() {
		<-fired
		os.RemoveAll(filepath.Dir(o.StatePath))
		close(hold)
	}()
	rep, err := Run(context.Background(), o)
	if !errors.Is(err, state.ErrReplaced) || rep.Run.Status != match.RunFailed {
		t.Fatalf("err %v, status %s: want the run stopped for its removed state file", err, rep.Run.Status)
	}
	users := map[string]bool{}
	for _, w := range sb.Salesforce.Writes() {
		users[w.UserID] = true
	}
	if n := len(users); n == 0 || n > salesforce.BatchSize {
		t.Errorf("%d users written: want only the batch that was in flight (at most %d)", n, salesforce.BatchSize)
	}
}

// SIGTERM (the run's context ending) while a batch is in flight: the batch
// still gets Salesforce's answer, which the trail and the counts record as
// applied, and no further batch is sent. Cutting the request off instead
// left Salesforce holding values the report counted as failed.
func TestAStopWaitsForTheBatchInFlightAndSendsNoMore(t *testing.T) {
	sb, o := stack(t, 1000, 21) // about 550 changes: three batches
	fired, hold := make(chan struct{}, 1), make(chan struct{})
	sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Fired: fired, Hold: hold})
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		<-fired
		stop() // the signal comes while Salesforce works on the first batch
		close(hold)
	}()
	rep, err := Run(ctx, o)
	if !errors.Is(err, context.Canceled) || rep.Run.Status != match.RunFailed {
		t.Fatalf("err %v, status %s: want the run stopped by the signal", err, rep.Run.Status)
	}
	written := len(sb.Salesforce.Writes())
	if written == 0 || rep.Counts.Applied != written || rep.Counts.Failed != 0 {
		t.Errorf("Salesforce took %d values; the report counts applied %d, failed %d", written, rep.Counts.Applied, rep.Counts.Failed)
	}
	if n := sb.Salesforce.Requests(sandbox.StackData + "/composite/sobjects"); n != 1 {
		t.Errorf("%d write batches sent, want only the one in flight", n)
	}
	db, _ := state.Open(o.StatePath)
	defer db.Close()
	if c, _ := db.CountsOf(rep.Run.ID); c.Applied != written || c.Sending != 0 {
		t.Errorf("the trail says %+v; Salesforce took %d", c, written)
	}
}
