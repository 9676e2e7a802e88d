package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"voiceid/config"
	"voiceid/job"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/sandbox"
)

const (
	rcRevoke    = "/restapi/oauth/revoke"
	rcDirectory = "/restapi/v1.0/account/~/directory/entries"
)

// otherSession signs in as another app of the same RingCentral user would
// (the same JWT user), and returns its access token.
func otherSession(t *testing.T, sim *ringcentralsim.Sim) string {
	t.Helper()
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {ringcentralsim.JWT}}
	req, _ := http.NewRequest(http.MethodPost, sim.URL()+"/restapi/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ringcentralsim.ClientID, ringcentralsim.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("the other app's sign-in: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// answersTo is the status the directory answers a request made with token.
func answersTo(t *testing.T, sim *ringcentralsim.Sim, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, sim.URL()+rcDirectory, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A run revokes its RingCentral session however it ends (ringcentral.md
// §1: about 5 sessions per user), and the revoke is among its counted calls.
func TestRunsLeaveNoRingCentralSessionOpen(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "")
	rc := ringcentralsim.InStack(sb)
	rep := sync(t, cfg, true)
	if n := rc.LiveSessions(); n != 0 || rc.Requests(rcRevoke) != 1 {
		t.Errorf("after a run that succeeded: %d live sessions, %d revokes, want 0 and 1", n, rc.Requests(rcRevoke))
	}
	if got, want := rep.APICalls["ringcentral"], int64(rc.Requests("")); got != want {
		t.Errorf("the report counts %d RingCentral calls, the simulator saw %d", got, want)
	}

	rc.Inject(sandbox.Fault{Path: rcDirectory, Status: http.StatusInternalServerError, Times: 1000})
	if _, err := runJob(cfg, func(o *job.Options) { o.DryRun, o.Sleep = true, noWait }); err == nil {
		t.Fatal("a run whose directory fails for good succeeded")
	}
	if n := rc.LiveSessions(); n != 0 || rc.Requests(rcRevoke) != 2 {
		t.Errorf("after a run that failed: %d live sessions, %d revokes, want 0 and 2", n, rc.Requests(rcRevoke))
	}
}

// SIGTERM cancels the run's context while it reads; the revoke still goes out.
func TestCancelledRunStillRevokesItsRingCentralSession(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "")
	fired, hold := make(chan struct{}, 1), make(chan struct{})
	defer close(hold)
	ringcentralsim.InStack(sb).Inject(sandbox.Fault{Path: rcDirectory, Fired: fired, Hold: hold})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-fired // the directory request is in: the session is open
		cancel()
	}()
	o := cfg.Job()
	o.DryRun = true
	if _, err := job.Run(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	if n := ringcentralsim.InStack(sb).LiveSessions(); n != 0 {
		t.Errorf("%d live sessions after a cancelled run", n)
	}
}

// Ten runs in a row against a cap of 5 sessions all succeed, and the
// session another app of the same user holds survives them: a run that left
// its session open would have ended it at the fifth run.
func TestTenRunsInARowKeepTheUsersOtherSession(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "")
	rc := ringcentralsim.InStack(sb)
	if rc.SessionCap != 5 {
		t.Fatalf("the stack's SessionCap is %d, want 5", rc.SessionCap)
	}
	other := otherSession(t, rc)
	for i := range 10 {
		if _, err := runJob(cfg, func(o *job.Options) { o.DryRun = true }); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	if status := answersTo(t, rc, other); status != http.StatusOK {
		t.Errorf("the other app's session answers %d after ten runs, want 200", status)
	}
	if n := rc.LiveSessions(); n != 1 {
		t.Errorf("%d live sessions, want the other app's alone", n)
	}
}

// A revoke that fails is logged, naming provider and endpoint; the run's
// reads and writes are done by then, so it stays a success.
func TestRevokeErrorsDoNotFailTheRun(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "")
	ringcentralsim.InStack(sb).Inject(sandbox.Fault{Path: rcRevoke, Status: http.StatusBadRequest, Times: 10})
	var logs bytes.Buffer
	rep, err := runJob(cfg, func(o *job.Options) { o.Backfill, o.Log = true, slog.New(slog.NewTextHandler(&logs, nil)) })
	if err != nil || rep.Run.Status != "ok" {
		t.Fatalf("run with a failing revoke: %v (status %s)", err, rep.Run.Status)
	}
	for _, want := range []string{"level=WARN", "provider=ringcentral", "POST " + rcRevoke, "HTTP 400"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not mention %q:\n%s", want, logs.String())
		}
	}
}

// check signs in to prove the credentials; it revokes that session too.
func TestCheckLeavesNoRingCentralSessionOpen(t *testing.T) {
	sb, _ := startTestSandbox(t, 60, 3, "")
	if code, out := cli(t, "check", "--config", sb.ConfigPath); code != 0 {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	if n, revokes := ringcentralsim.InStack(sb).LiveSessions(), ringcentralsim.InStack(sb).Requests(rcRevoke); n != 0 || revokes != 1 {
		t.Errorf("after check: %d live sessions, %d revokes, want 0 and 1", n, revokes)
	}
}

// The planted fax cases (sandbox/org.go plantFax): a Phone equal to a fax
// extension's FaxOnly number links nobody, and a FaxOnly number never fills
// an empty Phone, whether the directory lists FaxOnly numbers or not.
func TestFaxOnlyNumbersNeitherLinkNorFillPhone(t *testing.T) {
	for _, unlisted := range []bool{false, true} {
		t.Run(fmt.Sprintf("FaxOnlyUnlisted=%v", unlisted), func(t *testing.T) {
			sb, _ := startTestSandbox(t, 60, 3, "")
			ringcentralsim.InStack(sb).FaxOnlyUnlisted = unlisted
			cfg := withPhoneFill(t, sb)
			p := ringcentralsim.InOrg(sb.Org).Planted
			rep := sync(t, cfg, false)
			line, _ := sb.Salesforce.User(p.FaxLineUser)
			if line.Identifiers["ringcentral"] != "" || line.Phone != "(650) 555-0177" {
				t.Errorf("the user whose Phone is a fax line: identifier %q, Phone %q; want none, and the Phone as it was", line.Identifiers["ringcentral"], line.Phone)
			}
			fern, _ := sb.Salesforce.User(p.FaxOnlyUser)
			if fern.Identifiers["ringcentral"] != p.FaxOnlyPerson || fern.Phone != "" {
				t.Errorf("the user linked by email: identifier %q, Phone %q; want %s and no Phone", fern.Identifiers["ringcentral"], fern.Phone, p.FaxOnlyPerson)
			}
			phones := 0
			for _, c := range rep.Changes {
				if c.Field == "Phone" {
					phones++
				}
			}
			if phones == 0 {
				t.Error("no Phone was filled at all: the test is not testing")
			}
		})
	}
}

// withPhoneFill turns on write_phone = "fill-empty" in the stack's config.
func withPhoneFill(t *testing.T, sb *sandbox.Stack) *config.Config {
	t.Helper()
	src, _ := os.ReadFile(sb.ConfigPath)
	edited := strings.Replace(string(src), "[salesforce]\n", "[salesforce]\nwrite_phone = \"fill-empty\"\n", 1)
	if err := os.WriteFile(sb.ConfigPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	return mustLoad(t, sb.ConfigPath)
}

// A proxy that pads ids must not put " 814243005 " in Salesforce: the Voice
// Connector would match no call to it.
func TestPaddedRingCentralIDsAreWrittenTrimmed(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "")
	ringcentralsim.InStack(sb).PadIDs = true
	sync(t, cfg, false)
	if ann, _ := sb.Salesforce.User(ringcentralsim.InOrg(sb.Org).Planted.EmailCaseUser); ann.Identifiers["ringcentral"] != "814243005" {
		t.Errorf("Ann's identifier is %q, want 814243005", ann.Identifiers["ringcentral"])
	}
	for _, u := range sb.Salesforce.Users() {
		if u.Identifiers["ringcentral"] != strings.TrimSpace(u.Identifiers["ringcentral"]) {
			t.Errorf("user %s holds %q", u.ID, u.Identifiers["ringcentral"])
		}
	}
}
