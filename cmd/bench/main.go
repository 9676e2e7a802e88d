// Command bench measures voiceid at enterprise scale: for each size N it
// seeds the simulators with N Salesforce users, N/2 RingCentral entries and
// N/5 Aircall users (created over years, on the strict simulators: Aircall's
// cap enforced with a 400, rate headers only on 429, assignments only on
// single-number reads), runs voiceid as its own process for a full applying
// sync and then the nightly re-run, and prints each one's wall time, peak RSS
// and API calls against the fewest the APIs allow, and the time a real account
// needs at the default budgets. -runs repeats it on fresh organisations and
// prints the median and the spread.
//
//	go run ./cmd/bench                  # N = 10,000 and 100,000
//	go run ./cmd/bench -n 100000 -runs 5
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"voiceid/provider/aircall"
	"voiceid/provider/dialpad"
	"voiceid/sandbox"
)

// shape is the benchmark company: half the users on RingCentral, a fifth on
// Aircall, a quarter of those with a line of their own.
var shape = sandbox.Shape{RingCentral: 0.5, Aircall: 0.2, AircallLines: 0.25}

type result struct {
	n                   int
	wall, rerunWall     time.Duration
	rssMiB, rerunRSSMiB float64
	calls, minimum      map[string]int
	rerunCalls          map[string]int
	changes             int
	rerunWrites         int
	realMinutes         map[string]float64 // a real account's time per provider at the default budgets
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-measure" {
		measureChild(os.Args[2:])
		return
	}
	sizes := flag.String("n", "10000,100000", "comma-separated organisation sizes (Salesforce users)")
	gctrace := flag.Bool("gctrace", false, "print the Go GC trace of the measured runs")
	runs := flag.Int("runs", 1, "measure each size this many times (median and spread)")
	flag.Float64Var(&shape.Dialpad, "dialpad", 0, "share of the users also on Dialpad (issue 19's shapes have none)")
	flag.Parse()
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "VOICEID_CPUPROFILE"} { // for the measured runs only, not the simulators
		if v := os.Getenv("BENCH_" + k); v != "" {
			childEnv = append(childEnv, k+"="+v)
		}
	}
	if *gctrace {
		childEnv = append(childEnv, "GODEBUG=gctrace=1")
	}
	dir, err := os.MkdirTemp("", "voiceid-bench-")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "voiceid")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())

	for _, sz := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(sz))
		check(err)
		var rs []result
		for i := range *runs {
			fmt.Fprintf(os.Stderr, "N = %d, run %d of %d: generating the organisation...\n", n, i+1, *runs)
			rs = append(rs, measure(bin, filepath.Join(dir, fmt.Sprintf("%s-%d", sz, i)), n))
		}
		printSize(rs)
	}
}

// printSize writes the table of one size's runs, then their medians and spread.
func printSize(rs []result) {
	fmt.Println("| N | applying run | peak RSS | re-run | re-run peak RSS | re-run writes | RingCentral calls (min) | Aircall calls (min) | Dialpad calls (min) | Salesforce calls (min) | fields written |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		fmt.Printf("| %d | %.2f s | %.0f MiB | %.2f s | %.0f MiB | %d | %d (%d) | %d (%d) | %d (%d) | %d (%d) | %d |\n",
			r.n, r.wall.Seconds(), r.rssMiB, r.rerunWall.Seconds(), r.rerunRSSMiB, r.rerunWrites,
			r.calls["ringcentral"], r.minimum["ringcentral"], r.calls["aircall"], r.minimum["aircall"], r.calls["dialpad"], r.minimum["dialpad"],
			r.calls["salesforce"], r.minimum["salesforce"], r.changes)
	}
	stat := func(name, unit string, v func(result) float64) {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = v(r)
		}
		slices.Sort(xs)
		fmt.Printf("%s: median %.2f %s (%.2f to %.2f)\n", name, xs[len(xs)/2], unit, xs[0], xs[len(xs)-1])
	}
	fmt.Println()
	stat("applying run", "s", func(r result) float64 { return r.wall.Seconds() })
	stat("applying run peak RSS", "MiB", func(r result) float64 { return r.rssMiB })
	stat("re-run", "s", func(r result) float64 { return r.rerunWall.Seconds() })
	stat("re-run peak RSS", "MiB", func(r result) float64 { return r.rerunRSSMiB })
	r := rs[0]
	fmt.Printf("a real account at the default budgets: RingCentral %.0f min (Medium group, %d calls/min), Aircall %.0f min (%d calls/min), Dialpad %.1f min (%d calls/s)\n\n",
		r.realMinutes["ringcentral"], rcMediumPerMinute, r.realMinutes["aircall"], aircall.DefaultRequestsPerMinute,
		r.realMinutes["dialpad"], dialpad.DefaultRequestsPerSecond)
}

// rcMediumPerMinute is RingCentral's default Medium group limit, the group of
// the directory list (docs/providers/ringcentral.md, Rate limits: Light 50, Medium 40, Heavy 10 per 60 s).
const rcMediumPerMinute = 40

func measure(bin, dir string, n int) result {
	check(os.MkdirAll(dir, 0o700))
	org := sandbox.GenerateShapedOrg(n, 1, shape)
	stack, err := sandbox.Start(org, dir, "\n[safety]\nmax_changes = 10000000\nmax_change_ratio = 1\n")
	check(err)
	defer stack.Close()
	stack.Salesforce.DailyLimit = 10_000_000

	res := result{n: n}
	full := filepath.Join(dir, "full.json")
	var rssKiB int64
	res.wall, rssKiB = run(bin, "sync", "--config", stack.ConfigPath, "--backfill", "--report", full)
	res.rssMiB = float64(rssKiB) / 1024
	rep := readReport(full)
	res.changes, res.calls = rep.Counts.Changes, rep.APICalls
	records := map[string]bool{} // one record per user, whatever fields change
	for _, c := range rep.Changes {
		records[c.User] = true
	}
	res.minimum = minimums(org, rep.Counts.SalesforceUsers, len(records))
	// a real account: the calls at voiceid's default budget (the stack runs a raised one)
	res.realMinutes = map[string]float64{"aircall": float64(res.calls["aircall"]) / aircall.DefaultRequestsPerMinute,
		"ringcentral": float64(res.calls["ringcentral"]) / rcMediumPerMinute,
		"dialpad":     float64(res.calls["dialpad"]) / (60 * dialpad.DefaultRequestsPerSecond)}
	// the stack's Aircall is strict: a 400 past 10,000 records, assignments on single-number reads only
	if n := stack.Aircall.Answered(400); n != 0 {
		check(fmt.Errorf("voiceid asked Aircall for %d pages past the 10,000-record cap", n))
	}
	if got, lines := stack.Aircall.Requests("/v1/numbers/"), len(org.AircallNumbers); got != lines {
		check(fmt.Errorf("voiceid read %d single Aircall numbers, want each of the %d once", got, lines))
	}

	writes := func() int {
		return stack.Salesforce.Requests(sandbox.StackData+"/composite/sobjects") + stack.Salesforce.Requests(sandbox.StackData+"/jobs/ingest")
	}
	before := writes()
	rerun := filepath.Join(dir, "rerun.json")
	res.rerunWall, rssKiB = run(bin, "sync", "--config", stack.ConfigPath, "--report", rerun)
	res.rerunRSSMiB = float64(rssKiB) / 1024
	res.rerunWrites = writes() - before
	again := readReport(rerun)
	res.rerunCalls = again.APICalls
	if again.Counts.Changes != 0 || res.rerunWrites != 0 {
		check(fmt.Errorf("the re-run planned %d changes and sent %d writes, want none", again.Counts.Changes, res.rerunWrites))
	}
	return res
}

// benchReport is the part of a run's JSON report the bench reads.
type benchReport struct {
	Counts struct {
		Changes         int `json:"changes"`
		SalesforceUsers int `json:"salesforce_users"`
	} `json:"counts"`
	APICalls map[string]int `json:"api_calls"`
	Changes  []struct {
		User string `json:"salesforce_user_id"`
	} `json:"changes"`
}

func readReport(path string) benchReport {
	raw, err := os.ReadFile(path)
	check(err)
	var rep benchReport
	check(json.Unmarshal(raw, &rep))
	return rep
}

// minimums are the fewest calls each API allows for the org's work.
func minimums(org *sandbox.Org, sfUsers, records int) map[string]int {
	ceil := func(a, b int) int { return (a + b - 1) / b }
	entries := 0
	for _, e := range org.RingCentral {
		if e.Type != "ApplicationExtension" && (e.Status == "Enabled" || e.Status == "Disabled" || e.Status == "NotActivated") {
			entries++
		}
	}
	lines := len(org.AircallNumbers)
	out := map[string]int{
		"ringcentral": 1 + ceil(max(entries, 1), 2000), // token + pages of 2,000
		// users and numbers in pages of 50; the numbers list names nobody, so each number is read once
		"aircall": ceil(len(org.Aircall), 50) + ceil(lines, 50) + lines,
		// sign-in, describe, query pages of 2,000, and sObject Collections writes of
		// 200 records; above bulk_threshold voiceid writes with one Bulk API 2.0 job
		// instead (create, upload, close, status polls, two result files): fewer calls.
		"salesforce": 2 + ceil(sfUsers, 2000) + ceil(records, 200),
	}
	// Dialpad: pages of 25 (limit left out) of the active users and of every
	// number, each list closed by a last page without items (the simulator's
	// strict shape): the documents give no way to know the end sooner
	if len(org.Dialpad) > 0 {
		active, numbers := 0, 0
		for _, u := range org.Dialpad {
			numbers += len(u.Numbers)
			if u.State == "active" {
				active++
			}
		}
		for _, o := range org.DialpadOwners {
			numbers += len(o.Numbers)
		}
		out["dialpad"] = ceil(active, 25) + 1 + ceil(numbers, 25) + 1
	}
	return out
}

// run starts voiceid and returns its wall time and peak RSS in KiB.
//
// The peak is measured by a small helper process (this binary again, with
// -measure) that starts voiceid and reads its rusage: Linux takes the peak RSS
// of the address space a process execs from into its own, and this process,
// holding the simulators and a 100,000-user organisation, would otherwise
// lend voiceid its size.
func run(bin string, args ...string) (time.Duration, int64) {
	self, err := os.Executable()
	check(err)
	cmd := exec.Command(self, append([]string{"-measure", bin}, args...)...)
	cmd.Env = append(os.Environ(), childEnv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "voiceid %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		os.Exit(1)
	}
	if len(childEnv) > 0 {
		fmt.Fprint(os.Stderr, stderr.String())
	}
	var m measured
	check(json.Unmarshal(out, &m))
	return time.Duration(m.WallNS), m.MaxRSSKiB
}

type measured struct {
	WallNS    int64 `json:"wall_ns"`
	MaxRSSKiB int64 `json:"maxrss_kib"`
}

// measureChild is the helper's side: it runs the command and prints its wall
// time and peak RSS as JSON; the command's stderr passes through.
func measureChild(args []string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench -measure:", err)
		os.Exit(1)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	json.NewEncoder(os.Stdout).Encode(measured{WallNS: took.Nanoseconds(), MaxRSSKiB: ru.Maxrss}) // KiB on Linux
}

// childEnv is extra environment for the voiceid processes (profiling).
var childEnv []string

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
