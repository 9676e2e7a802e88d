package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"voiceid/config"
	"voiceid/internal/schematest"
	"voiceid/job"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/report"
	"voiceid/sandbox"
	"voiceid/state"
)

// TestMain lets tests run voiceid itself as a separate process: with
// VOICEID_TEST_ARGS set, the test binary is voiceid.
func TestMain(m *testing.M) {
	if args := os.Getenv("VOICEID_TEST_ARGS"); args != "" {
		os.Exit(run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// voiceidProcess prepares voiceid ARGS as a child process.
func voiceidProcess(args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "VOICEID_TEST_ARGS="+strings.Join(args, "\x1f"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// cli runs voiceid in-process and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out, &out)
	return code, out.String()
}

func TestPinsOutrankRulesEndToEnd(t *testing.T) {
	sb, cfg := startTestSandbox(t, 120, 5, "")
	p := ringcentralsim.InOrg(sb.Org).Planted
	conf := sb.ConfigPath
	if code, out := cli(t, "sync", "--config", conf, "--dry-run"); code != 0 {
		t.Fatalf("dry run: %d %s", code, out)
	}
	// Dee shares her email with two desk entries, so no rule links her: pin her to Desk One by username.
	var deskOne string
	for _, e := range ringcentralsim.InOrg(sb.Org).Entries {
		if e.FirstName == "Desk" && e.LastName == "One" {
			deskOne = fmt.Sprint(e.ID)
		}
	}
	dee, _ := sb.Salesforce.User(p.DuplicateEmailUser)
	ann, _ := sb.Salesforce.User(p.EmailCaseUser)
	if code, out := cli(t, "pin", dee.Username, "--ringcentral", deskOne, "--config", conf, "--note", "ticket 12"); code != 0 || !strings.Contains(out, "pinned") {
		t.Fatalf("pin: %d %s", code, out)
	}
	// Ann is linked by email, but an admin says she must hold no RingCentral identifier.
	if code, out := cli(t, "pin", ann.ID, "--none", "--provider", "ringcentral", "--config", conf); code != 0 {
		t.Fatalf("pin --none: %d %s", code, out)
	}
	sync(t, cfg, false)
	if u, _ := sb.Salesforce.User(dee.ID); u.Identifiers["ringcentral"] != deskOne {
		t.Errorf("pinned user: field %q, want %s", u.Identifiers["ringcentral"], deskOne)
	}
	if u, _ := sb.Salesforce.User(ann.ID); u.Identifiers["ringcentral"] != "" {
		t.Errorf("user pinned to none: field %q", u.Identifiers["ringcentral"])
	}
	// Unpinned, the email rule links Ann again.
	if code, out := cli(t, "unpin", ann.Username, "--ringcentral", "--config", conf); code != 0 {
		t.Fatalf("unpin: %d %s", code, out)
	}
	sync(t, cfg, false)
	if u, _ := sb.Salesforce.User(ann.ID); u.Identifiers["ringcentral"] != p.EmailCasePerson {
		t.Errorf("after unpin: field %q, want %s", u.Identifiers["ringcentral"], p.EmailCasePerson)
	}
	if code, out := cli(t, "unpin", ann.Username, "--ringcentral", "--config", conf); code != exitUsage || !strings.Contains(out, "no ringcentral pin") {
		t.Errorf("unpin twice: %d %s", code, out)
	}
	if code, out := cli(t, "pin", "nobody@nowhere", "--none", "--config", conf); code != exitUsage || !strings.Contains(out, "nobody@nowhere") {
		t.Errorf("pin of an unknown user: %d %s", code, out)
	}
	if code, _ := cli(t, "pin", ann.Username, "--ringcentral", "1", "--aircall", "2", "--config", conf); code != exitUsage {
		t.Errorf("pin with two targets: exit %d", code)
	}
}

func TestHistoryConflictsAndReportCommands(t *testing.T) {
	sb, cfg := startTestSandbox(t, 120, 9, "")
	sync(t, cfg, true)
	applied := sync(t, cfg, false)
	conf := sb.ConfigPath

	code, out := cli(t, "history", "--config", conf)
	if code != 0 || !strings.Contains(out, "dry-run") || !strings.Contains(out, "apply") || strings.Count(out, "\n") != 3 {
		t.Errorf("history: %d\n%s", code, out)
	}
	code, out = cli(t, "conflicts", "--config", conf, "--kind", "shared_number")
	if code != 0 || !strings.Contains(out, ringcentralsim.InOrg(sb.Org).Planted.SharedNumber) || strings.Contains(out, "stale_identifier") {
		t.Errorf("conflicts --kind shared_number: %d\n%s", code, out)
	}
	// names, not bare ids, where the state knows them
	sam, _ := sb.Salesforce.User(ringcentralsim.InOrg(sb.Org).Planted.SharedNumberUsers[0])
	if !strings.Contains(out, sam.Username) {
		t.Errorf("conflicts do not name the user %s:\n%s", sam.Username, out)
	}
	// each change names its field by label, its person and its evidence
	for _, c := range applied.Changes {
		linked := c.Rule != "moved" && c.Rule != "stale" && c.New != ""
		if c.FieldLabel == "" || (linked && (c.Person == nil || c.Person.Name == "" || c.Evidence == "")) {
			t.Errorf("change of %s (%s) lacks its label, person or evidence: %+v", c.SalesforceUsername, c.Rule, c)
		}
	}
	// the same suggested commands as the report of the run that found them
	code, out = cli(t, "conflicts", "--config", conf)
	commands := 0
	for _, c := range applied.Conflicts {
		if cmd := report.PinCommand(c).Command; cmd != "" {
			commands++
			if !strings.Contains(out, "  "+cmd+"  # ") {
				t.Errorf("conflicts does not suggest the report's %q for %s %s:\n%s", cmd, c.Kind, c.Value, out)
			}
		}
	}
	if code != 0 || commands == 0 {
		t.Errorf("conflicts: exit %d, %d commands in the report to compare", code, commands)
	}
	if code, out := cli(t, "conflicts", "--config", conf, "--kind", "nonsense"); code != exitUsage {
		t.Errorf("bad kind: %d %s", code, out)
	}
	code, out = cli(t, "report", fmt.Sprint(applied.Run.ID), "--config", conf, "--format", "json")
	if code != 0 {
		t.Fatalf("report: %d %s", code, out)
	}
	schematest.Validate(t, []byte(out))
	if code, out := cli(t, "report", "999", "--config", conf); code != exitUsage || !strings.Contains(out, "run 999") {
		t.Errorf("report of a missing run: %d %s", code, out)
	}
}

func TestConcurrentRunsOnlyOneRuns(t *testing.T) {
	sb, _ := startTestSandbox(t, 60, 2, "")
	// the first run, lock taken, is held inside Salesforce until the second has been refused
	inside, hold := make(chan struct{}, 1), make(chan struct{})
	sb.Salesforce.Inject(sandbox.Fault{Path: sandbox.StackData + "/sobjects/User/describe", Fired: inside, Hold: hold})
	a, outA := voiceidProcess("sync", "--config", sb.ConfigPath, "--dry-run")
	aDone := startProcess(t, a)
	select {
	case <-inside:
	case err := <-aDone:
		t.Fatalf("the first run ended (%v) before it reached Salesforce: %s", err, outA)
	}
	b, outB := voiceidProcess("sync", "--config", sb.ConfigPath, "--dry-run")
	b.Run()
	close(hold)
	<-aDone
	codes := []int{a.ProcessState.ExitCode(), b.ProcessState.ExitCode()}
	if codes[0] != 0 || codes[1] != exitLocked {
		t.Fatalf("exit statuses %v, want [0 5]\nA: %s\nB: %s", codes, outA, outB)
	}
	if want := fmt.Sprintf("pid %d", a.Process.Pid); !strings.Contains(outB.String(), want) {
		t.Errorf("the refused run does not name the holder (%s): %s", want, outB)
	}
}

// startProcess starts cmd; the channel gets Wait's result once it exits.
func startProcess(t *testing.T, cmd *exec.Cmd) <-chan error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return done
}

// faulty is a simulator a test injects faults into.
type faulty interface{ Inject(sandbox.Fault) }

// killInside runs voiceid ARGS with the fault f injected into sim, and kills it with SIGKILL once f has fired: the child is then held inside
// that request, which never gets an answer. A child that ends before fails
// the test.
func killInside(t *testing.T, sim faulty, f sandbox.Fault, args ...string) {
	t.Helper()
	fired, hold := make(chan struct{}, 1), make(chan struct{})
	t.Cleanup(func() { close(hold) })
	f.Fired, f.Hold = fired, hold
	sim.Inject(f)
	child, out := voiceidProcess(args...)
	done := startProcess(t, child)
	select {
	case <-fired:
		child.Process.Signal(syscall.SIGKILL)
		<-done
	case err := <-done:
		t.Fatalf("voiceid ended (%v) before request %d under %q: %s", err, max(f.Nth, 1), f.Path, out)
	}
}

func TestKilledRunLeavesAConsistentState(t *testing.T) {
	sb, cfg := startTestSandbox(t, 150, 4, "")
	// killed in the middle of applying: while its first write is in flight
	killInside(t, sb.Salesforce, sandbox.Fault{Path: sandbox.StackData + "/composite/sobjects"}, "sync", "--config", sb.ConfigPath, "--backfill")

	db, err := state.Open(cfg.State.Path)
	if err != nil {
		t.Fatalf("state after kill -9 does not open: %v", err)
	}
	runs, err := db.Runs(5)
	db.Close()
	if err != nil || len(runs) != 1 || runs[0].Status != "running" {
		t.Fatalf("runs after the kill: %+v, %v", runs, err)
	}
	// Its heartbeat is fresh, but its pid no longer runs on this host: the
	// next run takes the lock at once, closes the killed run, and converges.
	rep, err := runJob(cfg, func(o *job.Options) { o.Backfill = true })
	if err != nil {
		t.Fatalf("a run right after the kill: %v, want the dead holder's lock taken over", err)
	}
	if rep.Run.Status != "ok" || rep.Counts.Applied == 0 || rep.Counts.Applied != rep.Counts.Changes {
		t.Errorf("run after the kill: %+v", rep.Counts)
	}
	db, _ = state.Open(cfg.State.Path)
	defer db.Close()
	runs, _ = db.Runs(5)
	if runs[1].Status != "failed" || !strings.Contains(runs[1].Reason, "interrupted") {
		t.Errorf("the killed run is recorded as %s (%q)", runs[1].Status, runs[1].Reason)
	}
	if again := sync(t, cfg, false); again.Counts.Changes != 0 {
		t.Errorf("re-run plans %d changes", again.Counts.Changes)
	}
}

// killSeed seeds the kill points drawn at random: the time, or
// VOICEID_KILL_SEED to replay the seed a failure logged.
func killSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("VOICEID_KILL_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("VOICEID_KILL_SEED=%q: %v", v, err)
		}
	}
	t.Logf("kill points seeded with %d; replay with VOICEID_KILL_SEED=%d go test -run '^%s$'", seed, seed, t.Name())
	return seed
}

func TestBackfillKilledAtAnyPointResumesWithoutRepeatingWrites(t *testing.T) {
	const users, seed = 1000, 21 // about 600 changes: several batches of 200
	ref := referenceStack(t, users, seed, "")
	want := ref.Salesforce.Users()
	writes := sandbox.StackData + "/composite/sobjects"
	type killPoint struct {
		name  string
		sim   string        // the simulator that holds the request: "" is Salesforce
		fault sandbox.Fault // the request held when the run is killed
		batch int           // the write batch held, 0 when the point is not a write
	}
	points := []killPoint{
		{name: "before the first write lands", fault: sandbox.Fault{Path: writes, Nth: 1}, batch: 1},
		{name: "after one batch", fault: sandbox.Fault{Path: writes, Nth: 2}, batch: 2},
		{name: "after two batches", fault: sandbox.Fault{Path: writes, Nth: 3}, batch: 3},
	}
	// and at any request of an uninterrupted run to any of the APIs, drawn from a logged seed
	sims := []struct {
		name  string
		calls int
	}{{"salesforce", ref.Salesforce.Requests("")}, {"ringcentral", ringcentralsim.InStack(ref).Requests("")}, {"aircall", aircallsim.InStack(ref).Requests("")}}
	rng := rand.New(rand.NewPCG(killSeed(t), 17))
	for i := range 3 {
		s := sims[rng.IntN(len(sims))]
		n := 1 + rng.IntN(s.calls)
		points = append(points, killPoint{name: fmt.Sprintf("at random request %d (%s %d of %d)", i+1, s.name, n, s.calls),
			sim: s.name, fault: sandbox.Fault{Nth: n}})
	}
	for _, pt := range points {
		t.Run(pt.name, func(t *testing.T) {
			sb, cfg := startTestSandbox(t, users, seed, "")
			sim := map[string]faulty{"": sb.Salesforce, "salesforce": sb.Salesforce, "ringcentral": ringcentralsim.InStack(sb), "aircall": aircallsim.InStack(sb)}[pt.sim]
			killInside(t, sim, pt.fault, "sync", "--config", sb.ConfigPath, "--backfill")
			trailAgreesWithSalesforce(t, sb.Salesforce, cfg, pt.batch)

			// Resumed at once (the killed holder's pid is not running), it ends
			// where an uninterrupted backfill ends, writing no field twice.
			if _, err := runJob(cfg, func(o *job.Options) { o.Backfill = true }); err != nil {
				t.Fatalf("the run after the kill: %v", err)
			}
			noDoubleWrites(t, sb.Salesforce)
			sameUsers(t, sb.Salesforce.Users(), want)
		})
	}
}

// trailAgreesWithSalesforce: after a kill the state file opens, and its
// audit trail says exactly what Salesforce holds. batch is the write batch
// that was in flight (0: none, or not known).
func trailAgreesWithSalesforce(t *testing.T, sim *sandbox.SalesforceSim, cfg *config.Config, batch int) {
	t.Helper()
	written := map[string]bool{}
	for _, w := range sim.Writes() {
		written[w.UserID+"/"+w.Field] = true
	}
	db, err := state.Open(cfg.State.Path)
	if err != nil {
		t.Fatalf("state after kill -9 does not open: %v", err)
	}
	trail, err := db.ChangesOf(1)
	runs, _ := db.Runs(1)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// "sending" (sent, outcome unknown) may go either way; nothing else may disagree
	applied, sending := 0, 0
	for _, c := range trail {
		w := written[c.UserID+"/"+c.Field]
		switch {
		case c.Status == "sending":
			sending++
		case (c.Status == "applied") != w:
			t.Errorf("audit trail says %s for %s/%s, Salesforce says written=%v", c.Status, c.UserID, c.Field, w)
		}
		if c.Status == "applied" {
			applied++
		}
	}
	if applied > len(written) || len(written) > applied+sending {
		t.Errorf("%d applied and %d sending in the trail, %d values in Salesforce", applied, sending, len(written))
	}
	// history counts what the killed run wrote, though it never recorded its end
	if len(runs) == 1 && (runs[0].Applied != applied || runs[0].Sending != sending || runs[0].Changes != len(trail)) {
		t.Errorf("history of the killed run: %+v; its trail has %d applied, %d sending of %d", runs[0].Counts, applied, sending, len(trail))
	}
	if batch > 0 && sending == 0 {
		t.Error("the batch in flight when killed is not recorded as sending")
	}
	if batch > 1 && applied == 0 {
		t.Errorf("killed after batch %d, yet nothing applied", batch-1)
	}
}

// Issue 16: a pin to an unknown 18-character id was accepted and then
// ignored for ever. Salesforce is asked about an id no run has read.
func TestPinOfAnUnseenUserIdIsCheckedWithSalesforce(t *testing.T) {
	sb, _ := startTestSandbox(t, 60, 5, "")
	conf := sb.ConfigPath
	if code, out := cli(t, "pin", "005000000000000AAA", "--none", "--config", conf); code != exitUsage || !strings.Contains(out, "Salesforce has no user 005000000000000AAA") {
		t.Errorf("pin of an id Salesforce does not know: %d %s", code, out)
	}
	// a user Salesforce has but no run read yet (this state has seen no run)
	known := sb.Org.Salesforce[3]
	if code, out := cli(t, "pin", known.ID, "--none", "--provider", "aircall", "--config", conf); code != 0 || !strings.Contains(out, known.Username) {
		t.Errorf("pin of an existing user: %d %s", code, out)
	}
	// Salesforce unreachable: the pin is kept, with a warning that says so
	sb.Salesforce.Close()
	if code, out := cli(t, "pin", "005000000000001AAA", "--none", "--config", conf); code != 0 || !strings.Contains(out, "could not be asked") {
		t.Errorf("pin while Salesforce is down: %d %s", code, out)
	}
}

// history, conflicts, report and unpin need the state: at a mistyped path
// they say so, and create nothing; check says the file does not exist yet.
func TestReadOnlyCommandsNeedAnExistingStateFile(t *testing.T) {
	sb, cfg := startTestSandbox(t, 60, 3, "") // no run yet: no state file
	if code, out := cli(t, "check", "--config", sb.ConfigPath); code != 0 || !strings.Contains(out, "does not exist yet") {
		t.Errorf("check before the first run: exit %d\n%s", code, out)
	}
	for _, cmd := range [][]string{{"history"}, {"conflicts"}, {"report", "1"}, {"unpin", "005000000000001AAA", "--aircall"}} {
		code, out := cli(t, append(cmd, "--config", sb.ConfigPath)...)
		for _, want := range []string{cfg.State.Path, "no state file exists there", "[state] path"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the message does not say %q: %s", cmd[0], want, out)
			}
		}
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", cmd[0], code, exitUsage)
		}
	}
	if _, err := os.Stat(cfg.State.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a read-only command created the state file: %v", err)
	}
}

// A damaged state file stops every command with exit 1, naming the file and the fix.
func TestDamagedStateFileExits1WithTheFix(t *testing.T) {
	sb, cfg := startTestSandbox(t, 300, 5, "")
	sync(t, cfg, false)
	raw, err := os.ReadFile(cfg.State.Path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	mid := len(raw) / page / 2 * page
	copy(raw[mid:mid+page], bytes.Repeat([]byte{0xA5}, page))
	if err := os.WriteFile(cfg.State.Path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"history"}, {"sync", "--dry-run"}} {
		code, out := cli(t, append(cmd, "--config", sb.ConfigPath)...)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want %d: %s", cmd[0], code, exitFailure, out)
		}
		for _, want := range []string{cfg.State.Path, "damaged", "integrity check says", "backup", "move it aside"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the message does not say %q: %s", cmd[0], want, out)
			}
		}
	}
}

// sync --new at the command line: refused before a complete run (exit 2),
// one line when nothing is new, skipped (exit 0) while another run holds the
// lock, and never together with --backfill.
func TestSyncNewAtTheCommandLine(t *testing.T) {
	sb, cfg := startTestSandbox(t, 120, 8, "")
	if code, out := cli(t, "sync", "--new", "--config", sb.ConfigPath); code != exitUsage || !strings.Contains(out, "complete run") {
		t.Errorf("before a complete run: exit %d\n%s", code, out)
	}
	if code, out := cli(t, "sync", "--backfill", "--config", sb.ConfigPath); code != 0 {
		t.Fatalf("the complete run: exit %d\n%s", code, out)
	}
	code, out := cli(t, "sync", "--new", "--config", sb.ConfigPath)
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.Contains(out, "run finished") || !strings.Contains(out, "new_people=0") {
		t.Errorf("nothing new: exit %d, want one summary line:\n%s", code, out)
	}
	db, err := state.Open(cfg.State.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release, err := db.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if code, out := cli(t, "sync", "--new", "--config", sb.ConfigPath); code != 0 || !strings.Contains(out, "skipped") {
		t.Errorf("while another run holds the lock: exit %d\n%s", code, out)
	}
	if code, out := cli(t, "sync", "--new", "--backfill", "--config", sb.ConfigPath); code != exitUsage {
		t.Errorf("--new --backfill: exit %d\n%s", code, out)
	}
}
