// Command bench measures voiceid at enterprise scale: for each size N it
// seeds the simulators with N Salesforce users, N/2 RingCentral entries and
// N/5 Aircall users, runs voiceid as its own process for a full applying sync
// and then a nightly re-run, and prints wall time, the process's peak RSS and
// API calls per service against the fewest the APIs allow.
//
//	go run ./cmd/bench            # N = 10,000 and 100,000
//	go run ./cmd/bench -n 20000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"voiceid/directory"
	"voiceid/sandbox"
)

// shape is the benchmark company: half the users on RingCentral, a fifth on
// Aircall, a quarter of those with a line of their own.
var shape = sandbox.Shape{RingCentral: 0.5, Aircall: 0.2, AircallLines: 0.25}

type result struct {
	n                  int
	wall               time.Duration
	rssMiB             float64
	calls, minimum     map[string]int
	changes            int
	rerunWrites        int
	rerunWall          time.Duration
	aircallRealMinutes float64
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-measure" {
		measureChild(os.Args[2:])
		return
	}
	sizes := flag.String("n", "10000,100000", "comma-separated organisation sizes (Salesforce users)")
	gctrace := flag.Bool("gctrace", false, "print the Go GC trace of the measured runs")
	flag.Parse()
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} { // for the measured runs only, not the simulators
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

	var results []result
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		fmt.Fprintf(os.Stderr, "N = %d: generating the organisation...\n", n)
		results = append(results, measure(bin, filepath.Join(dir, s), n))
	}
	fmt.Printf("| N | full run | peak RSS | RingCentral calls (min) | Aircall calls (min) | Salesforce calls (min) | fields written | re-run | re-run writes | Aircall at %d calls/min |\n",
		directory.DefaultAircallRequestsPerMinute)
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Printf("| %d | %.2f s | %.0f MiB | %d (%d) | %d (%d) | %d (%d) | %d | %.2f s | %d | %.0f min |\n",
			r.n, r.wall.Seconds(), r.rssMiB, r.calls["ringcentral"], r.minimum["ringcentral"], r.calls["aircall"], r.minimum["aircall"],
			r.calls["salesforce"], r.minimum["salesforce"], r.changes, r.rerunWall.Seconds(), r.rerunWrites, r.aircallRealMinutes)
	}
	if len(results) == 2 {
		fmt.Printf("\ncost ratio %d -> %d: %.1fx wall time\n", results[0].n, results[1].n, results[1].wall.Seconds()/results[0].wall.Seconds())
	}
}

func measure(bin, dir string, n int) result {
	check(os.MkdirAll(dir, 0o700))
	org := sandbox.GenerateShapedOrg(n, 1, shape)
	stack, err := sandbox.Start(org, dir, "\n[safety]\nmax_changes = 10000000\nmax_change_ratio = 1\n")
	check(err)
	defer stack.Close()
	stack.Salesforce.DailyLimit = 10_000_000

	res := result{n: n, calls: map[string]int{}, minimum: map[string]int{}}
	full := filepath.Join(dir, "full.json")
	var rssKiB int64
	res.wall, rssKiB = run(bin, "sync", "--config", stack.ConfigPath, "--backfill", "--report", full)
	res.rssMiB = float64(rssKiB) / 1024
	var rep struct {
		Counts struct {
			Changes         int `json:"changes"`
			SalesforceUsers int `json:"salesforce_users"`
		} `json:"counts"`
		APICalls map[string]int `json:"api_calls"`
		Changes  []struct {
			User string `json:"salesforce_user_id"`
		} `json:"changes"`
	}
	raw, err := os.ReadFile(full)
	check(err)
	check(json.Unmarshal(raw, &rep))
	res.changes = rep.Counts.Changes
	res.calls = rep.APICalls

	entries := 0
	for _, e := range org.RingCentral {
		if e.Type != "ApplicationExtension" && (e.Status == "Enabled" || e.Status == "Disabled" || e.Status == "NotActivated") {
			entries++
		}
	}
	ceil := func(a, b int) int { return (a + b - 1) / b }
	res.minimum["ringcentral"] = 1 + ceil(max(entries, 1), 2000) // token + pages of 2,000
	lines := len(org.AircallNumbers)
	// users and numbers in pages of 50; the numbers list names nobody, so each number is read once
	res.minimum["aircall"] = ceil(len(org.Aircall), 50) + ceil(lines, 50) + lines
	records := map[string]bool{} // one record per user, whatever fields change
	for _, c := range rep.Changes {
		records[c.User] = true
	}
	// sign-in, describe, query pages of 2,000, and sObject Collections writes of
	// 200 records; above bulk_threshold voiceid writes with one Bulk API 2.0 job
	// instead (create, upload, close, status polls, two result files): fewer calls.
	res.minimum["salesforce"] = 2 + ceil(rep.Counts.SalesforceUsers, 2000) + ceil(len(records), 200)
	// a real account: the calls at voiceid's default budget (the stack runs a raised one)
	res.aircallRealMinutes = float64(res.calls["aircall"]) / directory.DefaultAircallRequestsPerMinute
	// the stack's Aircall is strict: a 400 past 10,000 records, assignments on single-number reads only
	if n := stack.Aircall.Answered(400); n != 0 {
		check(fmt.Errorf("voiceid asked Aircall for %d pages past the 10,000-record cap", n))
	}
	if got := stack.Aircall.Requests("/v1/numbers/"); got != lines {
		check(fmt.Errorf("voiceid read %d single Aircall numbers, want each of the %d once", got, lines))
	}

	before := stack.Salesforce.Requests("/services/data/v65.0/composite/sobjects") + stack.Salesforce.Requests("/services/data/v65.0/jobs/ingest")
	res.rerunWall, _ = run(bin, "sync", "--config", stack.ConfigPath, "--report", filepath.Join(dir, "rerun.json"))
	res.rerunWrites = stack.Salesforce.Requests("/services/data/v65.0/composite/sobjects") + stack.Salesforce.Requests("/services/data/v65.0/jobs/ingest") - before
	return res
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
