package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"voiceid/job"
	"voiceid/match"
	"voiceid/state"
	"voiceid/writer"
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
func parseAndLoad(fs *flag.FlagSet, args []string, cfgPath, logFormat *string) (*Config, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if *logFormat != "text" && *logFormat != "json" {
		return nil, &usageError{fmt.Sprintf("--log-format %q: use text or json", *logFormat)}
	}
	return LoadConfig(*cfgPath)
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
	if cfg.Salesforce.Auth == "sf-cli" { // a nightly job must not hang on a person's CLI session
		return &ConfigError{File: *cfgPath, Key: "salesforce.auth", Value: "sf-cli",
			Problem: "voiceid schedule needs a server-to-server sign-in, not a person's Salesforce CLI session: set auth = \"jwt\" (or \"client_credentials\") for scheduled runs; sf-cli is for an administrator's own runs (sync, check)"}
	}
	if cfg.Schedule.Cron == "" {
		return &ConfigError{File: *cfgPath, Key: "schedule.cron", Problem: "required by voiceid schedule (e.g. \"30 2 * * *\")"}
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
		return &ConfigError{File: cfg.path, Key: "schedule.cron", Value: cfg.Schedule.Cron, Problem: err.Error()}
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
	mark := func(err error, what, fix string) bool {
		if err == nil {
			fmt.Fprintf(stdout, "✓ %s\n", what)
			return true
		}
		failed++
		fmt.Fprintf(stdout, "✗ %s\n    %v\n", what, err)
		if fix != "" {
			fmt.Fprintf(stdout, "    fix: %s\n", fix)
		}
		return false
	}
	cfg, err := LoadConfig(*cfgPath)
	if !mark(err, "config "+*cfgPath, "correct the key named above; config.example.toml documents every key") {
		return &ConfigError{File: *cfgPath, Problem: "check failed"}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stdout, "! %s\n", w)
	}
	mark(checkState(ctx, cfg.State.Path), "state file "+cfg.State.Path+" is writable", "make the directory writable by this user, or set [state] path")

	o := cfg.Job()
	ctx = o.WithNetwork(ctx)
	sf, err := writer.Connect(ctx, o.SalesforceConfig())
	signIn := "Salesforce sign-in (" + cfg.Salesforce.Auth + ") at " + cfg.Salesforce.LoginURL
	if cfg.Salesforce.Auth == "sf-cli" {
		signIn = "Salesforce sign-in (sf-cli, org " + cfg.Salesforce.TargetOrg + ")"
	}
	if mark(err, signIn, "") {
		newest, err := sf.CheckVersion(ctx)
		mark(err, fmt.Sprintf("Salesforce API version %s is served (the org's newest is %s)", strings.TrimPrefix(cfg.Salesforce.APIVersion, "v"), newest), "")
		each := true
		for _, p := range o.Names() {
			fields, err := sf.Discover(ctx, []match.Provider{p})
			what := fmt.Sprintf("Salesforce field %q", writer.FieldLabel(p))
			if err == nil {
				f := fields[p]
				what += fmt.Sprintf(" is User.%s (editable, %d characters)", f.Name, f.Length)
			}
			each = mark(err, what, "") && each
		}
		if _, err := sf.Discover(ctx, o.Names()); each && err != nil {
			mark(err, "each provider has an identifier field of its own", "")
		}
		if sf.HasCountryCode() {
			fmt.Fprintln(stdout, "  the org has State and Country/Territory Picklists: each user's numbers are read in the region of User.CountryCode")
		} else {
			fmt.Fprintf(stdout, "  the org has no State and Country/Territory Picklists: each user's numbers are read in the region of User.Country (a name or ISO code), else %s\n", cfg.Match.DefaultRegion)
		}
		if err := sf.CheckReserve(10); err == nil {
			used, limit := sf.Usage()
			mark(nil, fmt.Sprintf("Salesforce API allowance: %d of %d used today", used, limit), "")
		} else {
			mark(err, "Salesforce API allowance", "")
		}
	}
	for _, sec := range sections {
		if sec.enabled(cfg) {
			what, fix := sec.check(cfg)
			mark(sec.open(cfg, o.Env()).Check(ctx), what, fix)
		}
	}
	if failed > 0 {
		return fmt.Errorf("check: %d of the checks failed", failed)
	}
	fmt.Fprintln(stdout, "all checks passed")
	return nil
}

// checkState opens the state file and takes and gives back its lock.
func checkState(ctx context.Context, path string) error {
	db, err := state.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	release, err := db.Lock(ctx)
	var le *state.LockedError
	if errors.As(err, &le) {
		return nil // a run holds it: the file is in use, and so writable
	}
	if err != nil {
		return err
	}
	return release()
}
