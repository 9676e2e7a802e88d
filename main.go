// Command voiceid keeps the Salesforce Voice Connector's user identifiers of
// each telephony provider (provider/all lists them) correct. The root package holds the
// subcommands and their flags; the config file is package config, the job
// itself package job.
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

	"voiceid/config"
	"voiceid/internal/cpuprofile"
	"voiceid/job"
	"voiceid/provider/all"
	"voiceid/report"
	"voiceid/salesforce"
	"voiceid/state"
)

// Exit statuses (docs/spec.md: Exit status).
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitAborted   = 3
	exitPartial   = 4
	exitLocked    = 5
	defaultConfig = "voiceid.toml"
)

// usage is the command summary; the providers are the registry's.
func usage() string {
	return `voiceid keeps the Salesforce Voice Connector's ` + providerTitles() + ` user identifiers correct.

Usage:
  voiceid demo                         run the whole job on built-in simulators (no config, no network)
  voiceid sync [--dry-run] [--backfill] [--yes] [--report FILE]...
                                       one run; --report may repeat (.txt, .csv, .json, .html)
  voiceid sync --new [--dry-run] [--yes] [--report FILE]...
                                       the fast lane: link the people new since the last complete run
  voiceid check                        preflight: config, state file, Salesforce, each provider, the fields
  voiceid schedule [--log-format json] runs sync on [schedule] cron; never two at once
  voiceid conflicts [--kind K] [--provider P] [--all]
                                       conflicts that still need a person
  voiceid history [--limit N]          past runs
  voiceid report RUN [--format txt|csv|json|html]
                                       one past run's report
  voiceid pin USER (` + providerFlags(" ID") + ` | --none [--provider P]) [--note TEXT]
  voiceid unpin USER (` + providerFlags("") + `)
                                       manual decisions that outrank every rule
  voiceid version                      the build: version, commit, Go version, platform (also --version)

Every command takes --config FILE (default voiceid.toml). Run "voiceid COMMAND --help" for its flags.

Exit status: 0 success, 1 failure, 2 bad usage or configuration, 3 aborted by the
safety threshold, 4 some records failed to write, 5 another run holds the lock.
`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile, err := cpuprofile.Start(os.Getenv("VOICEID_CPUPROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "voiceid: VOICEID_CPUPROFILE:", err)
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// commands are the subcommands by name.
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"demo": cmdDemo, "sync": cmdSync, "check": cmdCheck, "schedule": cmdSchedule,
	"conflicts": cmdConflicts, "history": cmdHistory, "report": cmdReport, "pin": cmdPin, "unpin": cmdUnpin,
	"version": cmdVersion,
}

// usageError is bad command-line usage (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage())
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" {
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return exitCode(&usageError{fmt.Sprintf("unknown command %q (see voiceid --help)", args[0])}, stderr)
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	return exitCode(err, stderr)
}

// exitCode is the one place errors become exit statuses.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintln(stderr, "voiceid:", err)
	var ue *usageError
	var ce *config.Error
	var le *state.LockedError
	switch {
	case errors.As(err, &ue), errors.As(err, &ce), errors.Is(err, state.ErrNotState), errors.Is(err, state.ErrTooNew),
		errors.Is(err, state.ErrNoState), errors.Is(err, salesforce.ErrConfigured), errors.Is(err, salesforce.ErrField), errors.Is(err, job.ErrReportTarget),
		errors.Is(err, state.ErrNotFound), errors.Is(err, salesforce.ErrNoSuchUser), // a run, user or pin a command names does not exist
		errors.Is(err, job.ErrNoCompleteRun):
		return exitUsage
	case errors.Is(err, job.ErrAborted):
		return exitAborted
	case errors.Is(err, job.ErrPartial):
		return exitPartial
	case errors.As(err, &le):
		return exitLocked
	}
	return exitFailure
}

// reportFlag collects repeated --report FILE values.
type reportFlag []string

func (r *reportFlag) String() string { return strings.Join(*r, ",") }
func (r *reportFlag) Set(v string) error {
	if _, err := report.FormatOf(v); err != nil {
		return err
	}
	*r = append(*r, v)
	return nil
}

func newFlags(name, synopsis string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", defaultConfig, "config `FILE`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs, cfg
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

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

// openState loads the config and opens its state file with open
// (state.OpenExisting for commands that only read it).
func openState(cfgPath string, open func(string, ...state.Option) (*state.DB, error)) (*config.Config, *state.DB, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	db, err := open(cfg.State.Path)
	return cfg, db, err
}

// userArg takes the USER argument that comes before the flags, and parses the flags.
func userArg(fs *flag.FlagSet, cmd string, args []string) (string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := parse(fs, args); err != nil {
			return "", err
		}
		return "", &usageError{cmd + ": which user? (a Salesforce user id or username)"}
	}
	return args[0], parse(fs, args[1:])
}

// providerFlags lists the registered providers as flags ("--a ID | --b ID").
func providerFlags(arg string) string {
	var out []string
	for _, p := range all.Infos() {
		out = append(out, p.Flag()+arg)
	}
	return strings.Join(out, " | ")
}

// providerList names the registered providers by their keys ("a, b or c").
func providerList(and string) string {
	var out []string
	for _, p := range all.Infos() {
		out = append(out, string(p.Name))
	}
	return joinList(out, and)
}

// providerTitles names the registered providers as people write them ("A, B and C").
func providerTitles() string {
	var out []string
	for _, p := range all.Infos() {
		out = append(out, p.Title)
	}
	return joinList(out, "and")
}

// joinList is "a, b and c".
func joinList(items []string, and string) string {
	if n := len(items); n > 1 {
		return strings.Join(items[:n-1], ", ") + " " + and + " " + items[n-1]
	}
	return strings.Join(items, "")
}

// firstProvider is the registry's first provider, for the examples of the help texts.
func firstProvider() string { return string(all.Infos()[0].Name) }
