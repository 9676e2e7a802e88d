// Command bench measures voiceid at enterprise scale: for each size N it
// seeds the simulators of every registered provider with N Salesforce users
// and each provider's bench share of them (on the strict simulators, each
// read audited by its simulator), runs voiceid as its own process for a full
// applying sync and then the nightly re-run, and prints each one's wall
// time, peak RSS and API calls against the fewest the APIs allow, and the
// time a real account needs at the default budgets. -runs repeats it on
// fresh organisations and prints the median and the spread; a flag per
// provider sets its share.
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

	"voiceid/provider/all"
	"voiceid/sandbox"
)

// sims are the providers' simulators, at their shares of the benchmark company.
var sims = all.Simulators()

type result struct {
	n                   int
	wall, rerunWall     time.Duration
	rssMiB, rerunRSSMiB float64
	calls, minimum      map[string]int
	rerunCalls          map[string]int
	changes             int
	rerunWrites         int
	// the fast lane (sync --new) after hires new people joined
	fastWall   time.Duration
	fastRSSMiB float64
	fastCalls  map[string]int
	fastFills  int
}

// hires is how many people join after the complete runs, for the fast lane.
var hires = 50

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-measure" {
		measureChild(os.Args[2:])
		return
	}
	sizes := flag.String("n", "10000,100000", "comma-separated organisation sizes (Salesforce users)")
	gctrace := flag.Bool("gctrace", false, "print the Go GC trace of the measured runs")
	runs := flag.Int("runs", 1, "measure each size this many times (median and spread)")
	flag.IntVar(&hires, "hires", hires, "people who join after the complete runs, linked by the fast lane (sync --new)")
	for i := range sims {
		sims[i].Share = sims[i].Bench
		flag.Float64Var(&sims[i].Share.Users, sims[i].Name, sims[i].Share.Users, "share of the users on "+sims[i].Title)
	}
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
	apis := []string{"salesforce"} // the calls columns: each provider's, then Salesforce's
	head := "| N | applying run | peak RSS | re-run | re-run peak RSS | re-run writes | "
	for _, s := range sims {
		apis = slices.Insert(apis, len(apis)-1, s.Name)
		head += s.Title + " calls (min) | "
	}
	fmt.Println(head + "Salesforce calls (min) | fields written |")
	fmt.Println("|---|---|---|---|---|---|" + strings.Repeat("---|", len(apis)) + "---|")
	for _, r := range rs {
		row := fmt.Sprintf("| %d | %.2f s | %.0f MiB | %.2f s | %.0f MiB | %d | ",
			r.n, r.wall.Seconds(), r.rssMiB, r.rerunWall.Seconds(), r.rerunRSSMiB, r.rerunWrites)
		for _, api := range apis {
			row += fmt.Sprintf("%d (%d) | ", r.calls[api], r.minimum[api])
		}
		fmt.Printf("%s%d |\n", row, r.changes)
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
	if hires > 0 {
		stat(fmt.Sprintf("fast lane after %d hires", hires), "s", func(r result) float64 { return r.fastWall.Seconds() })
		stat("fast lane peak RSS", "MiB", func(r result) float64 { return r.fastRSSMiB })
		stat("fast lane / applying run wall time", "", func(r result) float64 { return r.fastWall.Seconds() / r.wall.Seconds() })
		var fast []string
		for _, api := range apis {
			fast = append(fast, fmt.Sprintf("%s %d", api, rs[0].fastCalls[api]))
		}
		fmt.Printf("fast lane calls (first run): %s; %d fields filled\n", strings.Join(fast, ", "), rs[0].fastFills)
	}
	var budgets []string // a real account: the calls at voiceid's default budget (the stack runs a raised one)
	for _, s := range sims {
		budgets = append(budgets, s.Budget(rs[0].calls[s.Name]))
	}
	fmt.Printf("a real account at the default budgets: %s\n\n", strings.Join(budgets, ", "))
}

func measure(bin, dir string, n int) result {
	check(os.MkdirAll(dir, 0o700))
	org := sandbox.GenerateOrg(n, 1, sims...)
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
	for _, s := range sims { // the stack's simulators are strict: each says what the read did wrong
		if sim := stack.Sim(s.Name); sim != nil && s.Audit != nil {
			check(s.Audit(sim, org))
		}
	}

	writes := func() int {
		return stack.Salesforce.Requests(sandbox.StackData+"/composite/sobjects") + stack.Salesforce.Requests(sandbox.StackData+"/jobs/ingest")
	}
	before := writes()
	// The re-run is the next night's: the fast lane builds on it, and reads
	// again only the users changed since it read them (the applying run's
	// writes came after its own read: a fast run after it would read them all).
	stack.Salesforce.Advance(24 * time.Hour)
	rerun := filepath.Join(dir, "rerun.json")
	res.rerunWall, rssKiB = run(bin, "sync", "--config", stack.ConfigPath, "--report", rerun)
	res.rerunRSSMiB = float64(rssKiB) / 1024
	res.rerunWrites = writes() - before
	again := readReport(rerun)
	res.rerunCalls = again.APICalls
	if again.Counts.Changes != 0 || res.rerunWrites != 0 {
		check(fmt.Errorf("the re-run planned %d changes and sent %d writes, want none", again.Counts.Changes, res.rerunWrites))
	}
	if hires > 0 {
		fastLane(bin, dir, stack, &res)
	}
	return res
}

// fastLane hires people into Salesforce and every provider that hires,
// then measures sync --new linking them: each hire's fields all filled, and
// no provider read in part asked for more than 2 + 1 a hire calls.
func fastLane(bin, dir string, stack *sandbox.Stack, res *result) {
	stack.Salesforce.Advance(4 * time.Hour) // later that day
	want := 0
	for k := range hires {
		_, ids := stack.Hire(sandbox.NewHire(k))
		want += len(ids)
	}
	fast := filepath.Join(dir, "fast.json")
	var rssKiB int64
	res.fastWall, rssKiB = run(bin, "sync", "--new", "--config", stack.ConfigPath, "--report", fast)
	res.fastRSSMiB = float64(rssKiB) / 1024
	rep := readReport(fast)
	res.fastCalls, res.fastFills = rep.APICalls, rep.Counts.Applied
	if res.fastFills != want {
		check(fmt.Errorf("the fast lane filled %d fields of %d hires, want %d", res.fastFills, hires, want))
	}
}

// benchReport is the part of a run's JSON report the bench reads.
type benchReport struct {
	Counts struct {
		Changes         int `json:"changes"`
		Applied         int `json:"applied"`
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

// minimums are the fewest calls each API allows for the org's work: each
// provider's simulator says its own.
func minimums(org *sandbox.Org, sfUsers, records int) map[string]int {
	ceil := func(a, b int) int { return (a + b - 1) / b }
	out := map[string]int{
		// sign-in, describe, query pages of 2,000, and sObject Collections writes of
		// 200 records; above bulk_threshold voiceid writes with one Bulk API 2.0 job
		// instead (create, upload, close, status polls, two result files): fewer calls.
		"salesforce": 2 + ceil(sfUsers, 2000) + ceil(records, 200),
	}
	for _, s := range sims {
		out[s.Name] = s.MinCalls(org)
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
