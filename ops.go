package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"voiceid/config"
	"voiceid/demo"
	"voiceid/internal/buildinfo"
	"voiceid/job"
)

// newLogger logs text, or JSON for log collectors.
func newLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseAndLoad parses a running command's flags, checks --log-format and
// loads the config.
func parseAndLoad(fs *flag.FlagSet, args []string, cfgPath, logFormat *string) (*config.Config, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if *logFormat != "text" && *logFormat != "json" {
		return nil, &usageError{fmt.Sprintf("--log-format %q: use text or json", *logFormat)}
	}
	return config.Load(*cfgPath)
}

// terminal returns w when it is a terminal (for a progress bar), else nil.
func terminal(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w
	}
	return nil
}

func cmdSchedule(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("schedule", `voiceid schedule [--config FILE] [--log-format text|json]

Stays running and starts a sync on [schedule] cron (in [schedule] timezone).
A tick that comes while a run is still going is skipped. SIGINT or SIGTERM
lets the current run finish, then exits; a second signal stops the run now.

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
		again := make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(again)
		select {
		case <-again:
			log.Warn("second signal: stopping the current run now")
			stopRuns()
		case <-runCtx.Done():
		}
	}()
	err = job.Schedule(ctx, cfg.Schedule.Cron, cfg.Location(), log, func() bool {
		o := cfg.Job()
		o.Log = log
		rep, err := job.Run(runCtx, o)
		if err != nil {
			log.Error("scheduled run ended with an error", "error", err, "exit_status", exitCode(err, io.Discard))
		}
		return rep != nil
	})
	if err != nil {
		return &config.Error{File: *cfgPath, Key: "schedule.cron", Value: cfg.Schedule.Cron, Problem: err.Error()}
	}
	return nil
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

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("demo", `voiceid demo [--users N] [--verbose]

Runs the whole job against built-in simulators of RingCentral, Aircall and
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
