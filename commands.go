package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"voiceid/config"
	"voiceid/demo"
	"voiceid/internal/buildinfo"
	"voiceid/job"
	"voiceid/match"
	"voiceid/provider"
	"voiceid/provider/all"
	"voiceid/report"
	"voiceid/state"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var titles []string
	for _, p := range all.Infos() {
		titles = append(titles, p.Title)
	}
	fs, _ := newFlags("demo", `voiceid demo [--users N] [--verbose]

Runs the whole job against built-in simulators of `+strings.Join(titles, ", ")+` and
Salesforce seeded with a generated organisation, in a temporary directory:
a dry run (the review report), an applying run, then a check that a re-run
plans nothing.`, stderr)
	users := fs.Int("users", 300, "Salesforce users in the generated organisation")
	verbose := fs.Bool("verbose", false, "show the job's log lines")
	if err := parse(fs, args); err != nil {
		return err
	}
	logTo := io.Discard
	if *verbose {
		logTo = stderr
	}
	return demo.Run(ctx, *users, stdout, newLogger(logTo, "text"))
}

func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("sync", `voiceid sync [--config FILE] [--new] [--dry-run] [--backfill] [--yes] [--report FILE]...

A complete run reads every directory in full. With --new, the fast lane
links the people who appeared since the last complete run within minutes: it
reads only what is new where a provider can, and only fills empty fields, on
links the full rules confirm; clears, overwrites and Phone wait for the
complete run. It needs a complete run first (exit 2), and when another run
holds the lock it is skipped (exit 0).

Examples:
  voiceid sync --dry-run --report review.html --report review.csv
  voiceid sync --report /var/log/voiceid/last.json
  voiceid sync --new`, stderr)
	dry := fs.Bool("dry-run", false, "plan and report, write nothing to Salesforce")
	backfill := fs.Bool("backfill", false, "the rollout run: lifts the safety threshold")
	yes := fs.Bool("yes", false, "accept a run larger than the safety threshold")
	fast := fs.Bool("new", false, "the fast lane: fill the fields of the people new since the last complete run")
	var reports reportFlag
	fs.Var(&reports, "report", "write the report to `FILE` (.txt, .csv, .json, .html); repeatable")
	logFormat := fs.String("log-format", "text", "log lines as text or json")
	cfg, err := parseAndLoad(fs, args, cfgPath, logFormat)
	if err != nil {
		return err
	}
	o := cfg.Job()
	if *fast && *backfill {
		return &usageError{"sync: --new and --backfill do not go together: the backfill is a complete run"}
	}
	o.DryRun, o.Backfill, o.Yes, o.Reports, o.New = *dry, *backfill, *yes, reports, *fast
	o.Log, o.Progress = newLogger(stderr, *logFormat), terminal(stderr)
	for _, w := range cfg.Warnings {
		o.Log.Warn(w)
	}
	rep, err := job.Run(ctx, o)
	switch {
	case errors.Is(err, job.ErrSkipped):
		fmt.Fprintln(stdout, "voiceid sync --new:", err)
		return nil
	case rep != nil && o.New && len(rep.Changes) == 0 && len(rep.Conflicts) == 0 && err == nil:
		// nothing to review: the log's one "run finished" line says how it went
	case rep != nil:
		rep.Text(stdout, report.TextOptions{Location: cfg.Location(), Limit: 20})
	}
	return err
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("check", `voiceid check [--config FILE]

Preflight: the config, the state file, Salesforce sign-in, the identifier
fields and whether the integration user can edit them, the API allowance,
and each enabled provider's credentials. Exit status 0 only when all pass.`, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	failed := 0
	show := func(r job.Result) {
		switch {
		case r.Info:
			fmt.Fprintf(stdout, "  %s\n", r.What)
		case r.Err == nil:
			fmt.Fprintf(stdout, "✓ %s\n", r.What)
		default:
			failed++
			fmt.Fprintf(stdout, "✗ %s\n    %v\n", r.What, r.Err)
			if r.Fix != "" {
				fmt.Fprintf(stdout, "    fix: %s\n", r.Fix)
			}
		}
	}
	cfg, err := config.Load(*cfgPath)
	if show(job.Result{What: "config " + *cfgPath, Err: err, Fix: "correct the key named above; config.example.toml documents every key"}); err != nil {
		return &config.Error{File: *cfgPath, Problem: "check failed"}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stdout, "! %s\n", w)
	}
	job.Check(ctx, cfg.Job(), cfg.Credentials, show)
	if failed > 0 {
		return fmt.Errorf("check: %d of the checks failed", failed)
	}
	fmt.Fprintln(stdout, "all checks passed")
	return nil
}

func cmdSchedule(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("schedule", `voiceid schedule [--config FILE] [--log-format text|json]

Stays running and starts a sync on [schedule] cron (in [schedule] timezone),
and, with [schedule] fast, the fast lane (sync --new) on that cron. Runs never
overlap: a fast tick while a run is going is skipped, a complete tick during a
fast run waits for it, a complete tick during a complete run is skipped; each
is logged. SIGINT or SIGTERM lets the current run finish, then exits; a second
signal stops the run now.

Example (systemd, or a terminal):
  voiceid schedule --config /etc/voiceid/voiceid.toml --log-format json`, stderr)
	logFormat := fs.String("log-format", "text", "log lines as text or json")
	cfg, err := parseAndLoad(fs, args, cfgPath, logFormat)
	if err != nil {
		return err
	}
	if err := cfg.CheckScheduled(); err != nil {
		return err
	}
	log := newLogger(stderr, *logFormat)
	runCtx, stopRuns := context.WithCancel(context.Background())
	defer stopRuns()
	go func() { // a second signal stops the run in progress
		<-ctx.Done()
		again, stop := signal.NotifyContext(runCtx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-again.Done()
		if runCtx.Err() == nil { // a signal, not the end of the schedule
			log.Warn("second signal: stopping the current run now")
			stopRuns()
		}
	}()
	run := func(fast bool) func() bool {
		return func() bool {
			o := cfg.Job()
			o.Log, o.New = log, fast
			rep, err := job.Run(runCtx, o)
			if err != nil && !errors.Is(err, job.ErrSkipped) {
				log.Error("scheduled run ended with an error", "error", err, "exit_status", exitCode(err, io.Discard))
			}
			return rep != nil
		}
	}
	err = job.Schedule(ctx, cfg.Location(), log, job.Lane{Name: "complete", Spec: cfg.Schedule.Cron, Run: run(false)},
		job.Lane{Name: "new", Spec: cfg.Schedule.Fast, Fast: true, Run: run(true)})
	var le *job.LaneError
	if errors.As(err, &le) {
		key := map[bool]string{false: "schedule.cron", true: "schedule.fast"}[le.Lane.Fast]
		return &config.Error{File: *cfgPath, Key: key, Value: le.Lane.Spec, Problem: le.Err.Error()}
	}
	return err
}

func cmdConflicts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("conflicts", `voiceid conflicts [--config FILE] [--kind KIND] [--provider P] [--all]

Lists the conflicts the last applying runs found and that still stand (with
--all, the resolved ones too), with what to do about each kind.

Examples:
  voiceid conflicts --kind shared_number
  voiceid conflicts --provider `+firstProvider()+` --all`, stderr)
	kind := fs.String("kind", "", "only this `KIND` (duplicate_email, shared_number, ...)")
	prov := fs.String("provider", "", "only this provider ("+providerList("or")+")")
	everything := fs.Bool("all", false, "include resolved conflicts")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *kind != "" && !slices.Contains(match.Kinds, match.Kind(*kind)) {
		return &usageError{fmt.Sprintf("conflicts: --kind %q: not a conflict kind", *kind)}
	}
	if _, ok := provider.Lookup(all.Infos(), match.Provider(*prov)); *prov != "" && !ok {
		return &usageError{fmt.Sprintf("conflicts: --provider %q: use %s", *prov, providerList("or"))}
	}
	cfg, db, err := openState(*cfgPath, state.OpenExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := job.Conflicts(db, *everything, *kind, *prov, all.Infos())
	if err != nil {
		return err
	}
	return report.WriteStanding(stdout, cs, cfg.Location())
}

func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("history", `voiceid history [--config FILE] [--limit N]

Lists past runs, newest first. "voiceid report RUN" shows one.`, stderr)
	limit := fs.Int("limit", 20, "show at most `N` runs")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *limit < 1 {
		return &usageError{"history: --limit must be 1 or more"}
	}
	cfg, db, err := openState(*cfgPath, state.OpenExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	runs, err := job.History(db, *limit)
	if err != nil {
		return err
	}
	return report.WriteHistory(stdout, runs, cfg.Location())
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("report", `voiceid report RUN [--config FILE] [--format txt|csv|json|html]

Prints the report a past run wrote (see voiceid history for run numbers).

Example:
  voiceid report 42 --format csv > run42.csv`, stderr)
	format := fs.String("format", "txt", "txt, csv, json or html")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := parse(fs, args); err != nil {
			return err
		}
		return &usageError{"report: which run? (voiceid report RUN; see voiceid history)"}
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id < 1 {
		return &usageError{fmt.Sprintf("report: %q is not a run number", args[0])}
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, db, err := openState(*cfgPath, state.OpenExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := job.StoredReport(db, id, all.Infos())
	if err != nil {
		return err
	}
	if err := rep.Render(stdout, *format, cfg.Location()); err != nil {
		return &usageError{"report: " + err.Error()}
	}
	return nil
}

func cmdPin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("pin", `voiceid pin USER (`+providerFlags(" ID")+` | --none [--provider P]) [--note TEXT]

A manual decision that outranks every rule: USER (a Salesforce user id or
username) is linked to this person, or (--none) must hold no identifier, for
every provider unless --provider names one. The next run applies it.

Examples:
  voiceid pin ann.lee@example.com --`+firstProvider()+` 814243005 --note "ticket 4411"
  voiceid pin 005Dn0000000222AAA --none --provider `+firstProvider(), stderr)
	ids := map[match.Provider]*string{}
	for _, p := range all.Infos() {
		ids[p.Name] = fs.String(string(p.Name), "", "the "+p.Title+" `ID` (the value of the "+p.Label+" field)")
	}
	none := fs.Bool("none", false, "the user must hold no identifier")
	prov := fs.String("provider", "", "with --none: only this provider")
	note := fs.String("note", "", "why, for the audit trail")
	key, err := userArg(fs, "pin", args)
	if err != nil {
		return err
	}
	who := "unknown"
	if cur, err := user.Current(); err == nil {
		who = cur.Username
	}
	var links, nones []state.Pin
	for _, info := range all.Infos() {
		p := info.Name
		pin := state.Pin{Pin: match.Pin{Provider: p, PersonID: *ids[p]}, Note: *note, CreatedBy: who}
		if *ids[p] != "" {
			links = append(links, pin)
		}
		if *prov == "" || *prov == string(p) {
			pin.PersonID, pin.None = "", true
			nones = append(nones, pin)
		}
	}
	pins := links
	switch {
	case *none && len(links) == 0 && len(nones) == 0:
		return &usageError{fmt.Sprintf("pin: --provider %q: use %s", *prov, providerList("or"))}
	case *none && len(links) == 0:
		pins = nones
	case *none || len(links) != 1:
		return &usageError{"pin: give exactly one of " + providerFlags(" ID") + " or --none"}
	}
	cfg, db, err := openState(*cfgPath, state.Open)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, n := range db.Notices {
		fmt.Fprintln(stderr, "voiceid: warning:", n)
	}
	u, pinned, err := job.Pin(ctx, cfg.Job(), db, key, pins, func(w string) { fmt.Fprintln(stderr, "voiceid: warning:", w) })
	for _, p := range pinned {
		what := "must hold no identifier"
		if !p.None {
			what = "is linked to " + p.PersonID
		}
		fmt.Fprintf(stdout, "pinned: %s (%s) %s for %s; the next run applies it\n", u.Username, u.ID, what, p.Provider)
	}
	return err
}

func cmdUnpin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("unpin", `voiceid unpin USER (`+providerFlags("")+`)

Removes a pin; the rules decide for that user again on the next run.`, stderr)
	flags := map[match.Provider]*bool{}
	for _, p := range all.Infos() {
		flags[p.Name] = fs.Bool(string(p.Name), false, "remove the "+p.Title+" pin")
	}
	key, err := userArg(fs, "unpin", args)
	if err != nil {
		return err
	}
	var chosen []match.Provider
	for _, info := range all.Infos() {
		if p := info.Name; *flags[p] {
			chosen = append(chosen, p)
		}
	}
	if len(chosen) != 1 {
		return &usageError{"unpin: give exactly one of " + providerFlags("")}
	}
	_, db, err := openState(*cfgPath, state.OpenExisting) // a mistyped path must not leave a new state file
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := job.Unpin(db, key, chosen[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "unpinned: %s (%s) for %s\n", u.Username, u.ID, chosen[0])
	return nil
}

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("version", `voiceid version

Prints the build: the module version, the commit it was built from (short and
full), whether the tree had uncommitted changes, the commit's time, the Go
version and the platform. Go stamps these from git at "go build"; a binary
built outside a git checkout has no commit.`, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := io.WriteString(stdout, buildinfo.Text())
	return err
}
