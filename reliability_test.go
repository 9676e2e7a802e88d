package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiceid/config"
	"voiceid/internal/schematest"
	"voiceid/job"
	"voiceid/match"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/all"
	"voiceid/provider/ringcentral"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/salesforce"
	"voiceid/sandbox"
	"voiceid/state"
)

func noWait(context.Context, time.Duration) error { return nil }

// reference is the Salesforce state a clean backfill of the same org ends in.
func reference(t *testing.T, users int, seed uint64, extra string) []sandbox.SFUser {
	t.Helper()
	return referenceStack(t, users, seed, extra).Salesforce.Users()
}

// referenceStack is the stack after an uninterrupted backfill: its users,
// and the requests that backfill made.
func referenceStack(t *testing.T, users int, seed uint64, extra string) *sandbox.Stack {
	t.Helper()
	ref, cfg := startTestSandbox(t, users, seed, extra)
	sync(t, cfg, false)
	return ref
}

func sameUsers(t *testing.T, got, want []sandbox.SFUser) {
	t.Helper()
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("user %s: %+v\nwant %+v", want[i].ID, got[i], want[i])
		}
	}
}

func TestFaultsOnEveryProviderStillConverge(t *testing.T) {
	const users, seed = 300, 31
	want := reference(t, users, seed, "")
	sb, cfg := startTestSandbox(t, users, seed, "")
	rc, ac, sf := ringcentralsim.InStack(sb), aircallsim.InStack(sb), sb.Salesforce
	// 429 storms with Retry-After, 5xx bursts, resets, a slow answer past the timeout, expiring tokens
	rc.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 429, Times: 3, Header: map[string]string{"Retry-After": "30"}})
	rc.Inject(sandbox.Fault{Path: "/restapi/oauth/token", Status: 503, Times: 2})
	ac.Inject(sandbox.Fault{Path: "/v2/users", Status: 429, Times: 3, Header: map[string]string{"Retry-After": "10"}})
	ac.Inject(sandbox.Fault{Path: "/v1/numbers/", Status: 502, Times: 2})
	ac.Inject(sandbox.Fault{Path: "/v1/numbers/", Reset: true, Times: 2})
	sf.Inject(sandbox.Fault{Path: sandbox.StackData + "/query", Status: 503, Times: 3, Body: "<html>maintenance</html>"})
	sf.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Status: 429, Times: 2, Header: map[string]string{"Retry-After": "5"}})
	sf.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Delay: 2 * time.Second})
	rc.ExpireTokens()
	rep, err := runJob(cfg, func(o *job.Options) {
		o.Backfill, o.Sleep, o.HTTP = true, noWait, &http.Client{Timeout: 500 * time.Millisecond}
	})
	if err != nil {
		t.Fatalf("run under faults: %v", err)
	}
	if rep.Counts.Applied != rep.Counts.Changes {
		t.Errorf("applied %d of %d", rep.Counts.Applied, rep.Counts.Changes)
	}
	sameUsers(t, sf.Users(), want)
	for _, s := range []interface{ Answered(int) int }{rc, ac, sf} {
		if s.Answered(http.StatusTooManyRequests) == 0 {
			t.Error("a simulator's 429s never fired: the test is not testing")
		}
	}
}

func TestUnreadableDirectoriesAbortWithoutAnyWrite(t *testing.T) {
	cases := []struct {
		name  string
		fault func(*sandbox.Stack)
		want  string
	}{
		{"truncated RingCentral page", func(sb *sandbox.Stack) {
			ringcentralsim.InStack(sb).Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Truncate: 300})
		}, "malformed JSON"},
		{"RingCentral page with fewer records than promised", func(sb *sandbox.Stack) {
			ringcentralsim.InStack(sb).Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 200,
				Body: `{"records":[{"id":"1","type":"User","status":"Enabled"}],"paging":{"page":1,"perPage":2000,"totalPages":1,"totalElements":250}}`})
		}, "incomplete"},
		{"Aircall users failing for good", func(sb *sandbox.Stack) {
			aircallsim.InStack(sb).Inject(sandbox.Fault{Path: "/v2/users", Status: 500, Times: 100})
		}, "aircall"},
		{"empty RingCentral account", func(sb *sandbox.Stack) { ringcentralsim.InStack(sb).SetEntries(nil) }, "refusing to plan"},
		{"Salesforce query page cut short", func(sb *sandbox.Stack) {
			sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/query", Truncate: 500})
		}, "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb, _ := startTestSandbox(t, 120, 13, "\n[safety]\nmax_changes = 100000\nmax_change_ratio = 1\n")
			// clear_stale on: a run that believed the directory would clear fields
			src, _ := os.ReadFile(sb.ConfigPath)
			os.WriteFile(sb.ConfigPath, bytes.Replace(src, []byte(`default_region = "US"`), []byte("default_region = \"US\"\nclear_stale = true"), 1), 0o600)
			sync(t, mustLoad(t, sb.ConfigPath), false) // converge first
			before := sb.Salesforce.Users()
			writes := len(sb.Salesforce.Writes())
			tc.fault(sb)
			rep, err := runJob(mustLoad(t, sb.ConfigPath), func(o *job.Options) { o.Sleep = noWait })
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if exitCode(err, new(bytes.Buffer)) != exitFailure {
				t.Errorf("exit status %d, want %d", exitCode(err, new(bytes.Buffer)), exitFailure)
			}
			if n := len(sb.Salesforce.Writes()) - writes; n != 0 {
				t.Errorf("%d values written from an unreadable directory", n)
			}
			sameUsers(t, sb.Salesforce.Users(), before)
			if rep.Run.Status != "failed" || rep.Counts.Changes != 0 {
				t.Errorf("recorded as %s with %d changes", rep.Run.Status, rep.Counts.Changes)
			}
		})
	}
}

func mustLoad(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRejectedRecordsExit4AndAreRetriedNextRun(t *testing.T) {
	sb, _ := startTestSandbox(t, 700, 17, "") // several batches
	p := ringcentralsim.InOrg(sb.Org).Planted
	sb.Salesforce.Reject[p.EmailCaseUser] = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
	// the whole first batch keeps failing with 500s
	sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Status: 500, Times: 6})
	cfg := mustLoad(t, sb.ConfigPath)
	rep, err := runJob(cfg, func(o *job.Options) { o.Backfill, o.Sleep = true, noWait })
	if !errors.Is(err, job.ErrPartial) || exitCode(err, new(bytes.Buffer)) != exitPartial {
		t.Fatalf("err = %v, want a partial run (exit 4)", err)
	}
	if rep.Counts.Failed <= 200 || rep.Counts.Applied == 0 {
		t.Errorf("applied %d, failed %d: want one batch failed (200) plus the rejected record, the rest applied", rep.Counts.Applied, rep.Counts.Failed)
	}
	if !hasConflictFor(rep, "write_failed", p.EmailCaseUser) {
		t.Error("the rejected record is not a write_failed conflict")
	}
	// the conflict names the user and the person, although the run let the
	// users and directories go before writing
	want, _ := sb.Salesforce.User(p.EmailCaseUser)
	for _, c := range rep.Conflicts {
		if c.Kind != "write_failed" || len(c.SalesforceUserIDs) != 1 || c.SalesforceUserIDs[0] != p.EmailCaseUser {
			continue
		}
		if u := c.SalesforceUsers[0]; u.Username != want.Username || u.Name == "" {
			t.Errorf("write_failed names the user as %+v, want username %q and a name", u, want.Username)
		}
		if len(c.People) != 1 || c.People[0].State != "User Enabled" || c.People[0].Name == "" {
			t.Errorf("write_failed names the person as %+v, want the enabled user it links to", c.People)
		}
	}
	// the audit trail agrees with Salesforce
	db, _ := state.Open(cfg.State.Path)
	changes, _ := db.ChangesOf(rep.Run.ID)
	db.Close()
	for _, c := range changes {
		u, _ := sb.Salesforce.User(c.UserID)
		if got := u.Identifiers["ringcentral"]; c.Provider == ringcentral.Name && c.Field != "Phone" && (got == c.New) != (c.Status == "applied") {
			t.Errorf("trail says %s for %s, Salesforce holds %q (planned %q)", c.Status, c.UserID, got, c.New)
		}
	}
	delete(sb.Salesforce.Reject, p.EmailCaseUser) // the admin fixed the validation rule
	again := sync(t, cfg, false)
	if again.Counts.Applied != rep.Counts.Failed || again.Counts.Failed != 0 {
		t.Errorf("next run applied %d (want the %d that failed), failed %d", again.Counts.Applied, rep.Counts.Failed, again.Counts.Failed)
	}
	if u, _ := sb.Salesforce.User(p.EmailCaseUser); u.Identifiers["ringcentral"] != p.EmailCasePerson {
		t.Errorf("rejected record not written on the next run: %q", u.Identifiers["ringcentral"])
	}
}

// Known secrets never appear in logs, reports, errors, or the state file.
func TestNoSecretInAnyOutput(t *testing.T) {
	sims := all.Simulators()
	for i := range sims {
		sims[i].Share = sims[i].Demo // the demo's company: every provider on
	}
	sb, cfg := startShaped(t, sandbox.GenerateOrg(150, 23, sims...), sandbox.Options{}, "")
	dir := filepath.Dir(sb.ConfigPath)
	key, _ := os.ReadFile(cfg.Salesforce.PrivateKeyFile)
	keyBody := strings.Split(string(key), "\n")[3] // a line from inside the PEM
	secrets := []string{keyBody, "SIM-AT-", "SIM-RT-", "00DSIM0000000001!"}
	for _, p := range cfg.Providers { // every secret each provider's section declares
		for _, k := range p.Section.Keys() {
			if k.Secret && p.On() {
				secrets = append(secrets, *k.Value)
			}
		}
	}
	if len(secrets) < 4+4 {
		t.Fatalf("secrets %q: want each provider's (RingCentral's secret and JWT, Aircall's token, Dialpad's key)", secrets[4:])
	}

	var out bytes.Buffer
	reports := []string{"r.txt", "r.csv", "r.json", "r.html"}
	args := []string{"sync", "--config", sb.ConfigPath, "--backfill", "--log-format", "json"}
	for _, r := range reports {
		args = append(args, "--report", filepath.Join(dir, r))
	}
	if code := run(context.Background(), args, &out, &out); code != 0 {
		t.Fatalf("sync: %d\n%s", code, out.String())
	}
	sb.Salesforce.Reject[ringcentralsim.InOrg(sb.Org).Planted.MovedTo] = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
	aircallsim.InStack(sb).Inject(sandbox.Fault{Path: "/v2/users", Status: 403}) // a failing run's error too
	run(context.Background(), []string{"sync", "--config", sb.ConfigPath}, &out, &out)
	for _, cmd := range [][]string{{"check"}, {"history"}, {"conflicts", "--all"}, {"report", "1", "--format", "html"}, {"report", "2", "--format", "json"}} {
		// the stored reports are compressed in the state file: read them back too
		run(context.Background(), append(cmd, "--config", sb.ConfigPath), &out, &out)
	}
	outputs := map[string][]byte{"stdout and stderr": out.Bytes()}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path != sb.ConfigPath && path != cfg.Salesforce.PrivateKeyFile {
			outputs[path], _ = os.ReadFile(path) // reports, the state file, its WAL
		}
		return nil
	})
	if len(outputs) < 6 {
		t.Fatalf("only %d outputs found", len(outputs))
	}
	for name, data := range outputs {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains the secret %q", name, s)
			}
		}
	}
	for _, r := range reports {
		if st, _ := os.Stat(filepath.Join(dir, r)); st.Mode().Perm() != 0o600 {
			t.Errorf("report %s has mode %v, want 0600", r, st.Mode().Perm())
		}
	}
}

func TestTLSVerificationIsNeverDisabled(t *testing.T) {
	files, _ := filepath.Glob("*/*.go")
	root, _ := filepath.Glob("*.go")
	for _, f := range append(files, root...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		if bytes.Contains(src, []byte("InsecureSkipVerify")) {
			t.Errorf("%s disables TLS verification", f)
		}
	}
}

func TestRunStoppedMidWriteReportsTheBatchInFlight(t *testing.T) {
	sb, cfg := startTestSandbox(t, 120, 29, "")
	// Salesforce's writes keep failing with 403s that are not the API limit: the run stops
	sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects", Status: 403, Body: `[{"message":"no","errorCode":"INSUFFICIENT_ACCESS"}]`, Times: 10})
	dir := filepath.Dir(sb.ConfigPath)
	rep, err := runJob(cfg, func(o *job.Options) {
		o.Backfill, o.Sleep, o.Reports = true, noWait, []string{filepath.Join(dir, "stopped.json")}
	})
	if err == nil || rep.Run.Status != "failed" {
		t.Fatalf("err %v, status %s", err, rep.Run.Status)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "stopped.json"))
	schematest.Validate(t, raw)
	if rep.Counts.Failed == 0 || !strings.Contains(string(raw), "no answer came") {
		t.Errorf("the batch in flight is not reported: %+v", rep.Counts)
	}
	db, _ := state.Open(cfg.State.Path)
	defer db.Close()
	trail, _ := db.ChangesOf(rep.Run.ID)
	sending := 0
	for _, c := range trail {
		if c.Status == "sending" {
			sending++
		}
	}
	if sending == 0 || len(sb.Salesforce.Writes()) != 0 {
		t.Errorf("%d rows sending, %d writes: the trail must say sent-unknown, not planned", sending, len(sb.Salesforce.Writes()))
	}
}

// Issue 16, case 4: ringcentral_field = "Email" once planned RingCentral ids
// into users' Email and wrote them with --yes. Now no run starts.
func TestStandardFieldAsIdentifierIsRefusedBeforeAnyWrite(t *testing.T) {
	for _, field := range []string{"Email", "Phone", aircallsim.Field.Name} {
		t.Run(field, func(t *testing.T) {
			sb, _ := startTestSandbox(t, 60, 3, "")
			replaceIn(sb.ConfigPath, `api_version = "`+sandbox.StackAPIVersion+`"`, `api_version = "`+sandbox.StackAPIVersion+`"`+"\nringcentral_field = \""+field+"\"")
			code, out := cli(t, "sync", "--yes", "--config", sb.ConfigPath)
			if code != exitUsage || !strings.Contains(out, "ringcentral_field") {
				t.Errorf("sync with ringcentral_field = %q: exit %d\n%s", field, code, out)
			}
			if n := len(sb.Salesforce.Writes()); n != 0 {
				t.Errorf("%d values written", n)
			}
			if code, out := cli(t, "check", "--config", sb.ConfigPath); code != exitFailure || !strings.Contains(out, "ringcentral_field") {
				t.Errorf("check: exit %d\n%s", code, out)
			}
		})
	}
}

// Issue 16, case 7: a --report into a missing directory was found after 120
// fields were written (exit 1). Now it stops the run before anything.
func TestReportTargetIsCheckedBeforeTheFirstWrite(t *testing.T) {
	sb, _ := startTestSandbox(t, 60, 3, "")
	dir := filepath.Dir(sb.ConfigPath)
	for _, target := range []string{filepath.Join(dir, "missing", "r.html"), filepath.Join(dir, "r.pdf"), dir + "/"} {
		code, out := cli(t, "sync", "--yes", "--config", sb.ConfigPath, "--report", target)
		if code != exitUsage || !strings.Contains(out, "--report") {
			t.Errorf("--report %s: exit %d\n%s", target, code, out)
		}
	}
	if n := len(sb.Salesforce.Writes()); n != 0 {
		t.Errorf("%d values written", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "voiceid.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run opened the state file: %v", err)
	}
}

// A state file that fills up while a run writes stops the run before its
// next batch: Salesforce never holds a value the audit trail does not list
// as sending or applied, the counts of the report and of history are the
// trail's, and the run exits 1 saying what Salesforce holds. The budgets
// (pages the file may grow by) run out at every stage of a run: before the
// writes, between batches, and after them.
func TestFullStateStopsWritingAndTheTrailNeverFallsBehind(t *testing.T) {
	const users, seed = 1000, 21 // about 550 changes: three batches of 200
	ref, refCfg := startTestSandbox(t, users, seed, "")
	sync(t, refCfg, false)
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	db, _ := state.Open(fresh)
	db.Close()
	need := pageCount(t, refCfg.State.Path) - pageCount(t, fresh) // what a whole run adds to a new file
	all := len(ref.Salesforce.Writes())

	stages := map[string]int{}
	for pages := need - 12; pages < need; pages++ {
		sb, cfg := startTestSandbox(t, users, seed, "")
		rep, err := runJob(cfg, func(o *job.Options) {
			o.Backfill, o.Sleep, o.State = true, noWait, []state.Option{state.GrowthLimit(pages)}
		})
		written := sb.Salesforce.Writes()
		if err == nil && pages >= need-3 {
			continue // timestamps and the compressed report vary in length: the last pages may suffice
		}
		if err == nil || exitCode(err, io.Discard) != exitFailure || !strings.Contains(err.Error(), "make room") {
			t.Fatalf("%d of %d pages: err = %v, want exit 1 with the fix", pages, need, err)
		}
		stage := "after the writes"
		switch {
		case len(written) == 0:
			stage = "before the writes"
		case len(written) < all:
			stage = "between batches"
			if !strings.Contains(err.Error(), "was not sent") || !strings.Contains(err.Error(), "Salesforce holds") {
				t.Errorf("%d pages: the error does not say what Salesforce holds: %v", pages, err)
			}
		}
		stages[stage]++

		db, err := state.Open(cfg.State.Path)
		if err != nil {
			t.Fatal(err)
		}
		trail, _ := db.ChangesOf(rep.Run.ID)
		runs, _ := db.Runs(1)
		db.Close()
		status := map[string]match.ChangeStatus{}
		var counts state.Counts
		for _, c := range trail {
			status[c.UserID+"/"+c.Field] = c.Status
			switch c.Status {
			case "applied":
				counts.Applied++
			case "sending":
				counts.Sending++
			}
		}
		for _, w := range written {
			if st := status[w.UserID+"/"+w.Field]; st != "applied" && st != "sending" {
				t.Errorf("%d pages (%s): Salesforce holds %s = %q for %s, the trail says %q", pages, stage, w.Field, w.Value, w.UserID, st)
			}
		}
		// the report counts what Salesforce answered; history counts the trail,
		// and when the two differ the report says by how many the trail is behind
		if rep.Counts.Applied != len(written) || rep.Counts.Failed != 0 || runs[0].Applied != counts.Applied || runs[0].Sending != counts.Sending {
			t.Errorf("%d pages (%s): report counts %+v, history %+v; Salesforce took %d, the trail has %d applied, %d sending",
				pages, stage, rep.Counts, runs[0].Counts, len(written), counts.Applied, counts.Sending)
		}
		if behind := len(written) - counts.Applied; behind > 0 && !strings.Contains(rep.Run.Reason, fmt.Sprintf("behind by %d", behind)) {
			t.Errorf("%d pages (%s): the trail is %d behind Salesforce and the report does not say so: %q", pages, stage, behind, rep.Run.Reason)
		}
		if runs[0].Status == "running" || locked(t, cfg.State.Path) {
			t.Errorf("%d pages (%s): the run is left %s, the lock held: %v", pages, stage, runs[0].Status, locked(t, cfg.State.Path))
		}
	}
	if len(stages) != 3 {
		t.Errorf("the budgets ran out only %v (a whole run adds %d pages): the test no longer covers every stage", stages, need)
	}
}

// locked tells whether a state file's lock row is still there.
func locked(t *testing.T, path string) bool {
	return sqliteInt(t, path, "SELECT count(*) FROM lock") > 0
}

// pageCount is the size of a state file in SQLite pages.
func pageCount(t *testing.T, path string) int { return sqliteInt(t, path, "PRAGMA page_count") }

// sqliteInt is the one integer a query of a state file answers, read without voiceid.
func sqliteInt(t *testing.T, path, query string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A run the API reserve stops right after signing in still reports the calls
// it made (and so do its metrics): an empty count would hide them.
func TestRunStoppedByTheAPIReserveReportsItsCalls(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "")
	sb.Salesforce.Used = sb.Salesforce.DailyLimit - 1001 // the default reserve is 1,000
	rep, err := runJob(cfg, nil)
	if !errors.Is(err, salesforce.ErrAPILimit) {
		t.Fatalf("err = %v, want the API reserve", err)
	}
	if rep.APICalls["salesforce"] == 0 {
		t.Errorf("api_calls %v: the sign-in and describe calls are missing", rep.APICalls)
	}
}
