// Package job is one voiceid run as a library: read Salesforce and the
// directories, plan, guard, write, record, report. It takes typed Options, not
// the TOML file: package config builds them from voiceid.toml for the command
// line, and tests and other programs can run a job without a config file.
package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"voiceid/internal/httpx"
	"voiceid/match"
	"voiceid/provider"
	"voiceid/report"
	"voiceid/salesforce"
	"voiceid/state"
)

// Errors callers branch on (main turns them into exit statuses).
var (
	ErrAborted = errors.New("aborted by the safety threshold")
	ErrPartial = errors.New("some records failed to write")
	// ErrWritesFailed is a run whose every write failed: an outage, not a partial success.
	ErrWritesFailed = errors.New("every write failed")
	// ErrEmptyDirectory is a directory that lists nobody while users hold its identifiers.
	ErrEmptyDirectory = errors.New("directory lists no eligible people")
	// ErrReportTarget is a --report file that could not be written.
	ErrReportTarget = errors.New("report file cannot be written")
	// ErrNoCompleteRun is the fast lane asked for before any complete run
	// has read everything it builds on.
	ErrNoCompleteRun = errors.New("the fast lane needs a complete run first")
	// ErrSkipped is a fast-lane run that did not start because another run
	// holds the lock: the complete run, which does all the fast lane would.
	ErrSkipped = errors.New("skipped")
)

// Provider is one enabled provider of a run: its metadata (its title and
// field label reach the reports and the Salesforce client through it), its
// identifier field's configured API name ("" finds it by label), and how to
// open its reader.
type Provider struct {
	provider.Info
	Field string
	Open  func(provider.Env) provider.Directory
}

// Safety bounds what one applying run may change without --yes or --backfill.
type Safety struct {
	MaxChanges     int     // absolute
	MaxChangeRatio float64 // share of linked users
}

// The safety threshold a config leaves out ([safety] max_changes, max_change_ratio).
const (
	DefaultMaxChanges     = 500
	DefaultMaxChangeRatio = 0.2
)

// Options are one run. The zero values of the seams (Log, Now, HTTP, Sleep)
// are the real ones.
type Options struct {
	Providers  []Provider
	Salesforce salesforce.Config // its Fields, HTTP, Sleep and Now are set from the run
	Match      match.Options     // its Providers and Rules are set from Providers
	Safety     Safety
	StatePath  string
	State      []state.Option // how to open the state file (tests: state.GrowthLimit)
	Network    httpx.Policy   // request timeout and retry budget; its Log is the run's
	Location   *time.Location // of the times in report files
	Metrics    string         // node_exporter textfile to write after the run; "" = none

	DryRun   bool
	Backfill bool     // the one-shot backfill: no safety threshold
	New      bool     // the fast lane (sync --new): fills for the people new since the last complete run
	Yes      bool     // accept a run over the safety threshold
	Reports  []string // files to write the report to; the extension picks the format

	Log      *slog.Logger
	Progress io.Writer // a terminal to draw a progress bar on; nil: log lines
	Now      func() time.Time
	HTTP     *http.Client                               // nil: the default client (TLS verified, timeouts)
	Sleep    func(context.Context, time.Duration) error // nil: real waits
}

// Names are the enabled providers, in report order.
func (o *Options) Names() []match.Provider {
	out := make([]match.Provider, len(o.Providers))
	for i, p := range o.Providers {
		out[i] = p.Name
	}
	return out
}

// SalesforceConfig is the Salesforce client's configuration with the run's seams.
func (o *Options) SalesforceConfig() salesforce.Config {
	c := o.Salesforce
	c.Providers, c.Fields = o.Infos(), map[match.Provider]string{}
	for _, p := range o.Providers {
		c.Fields[p.Name] = p.Field
	}
	c.HTTP, c.Sleep, c.Now = o.HTTP, o.Sleep, o.Now
	return c
}

// Env is what readers opened for this run get.
func (o *Options) Env() provider.Env {
	return provider.Env{HTTP: o.HTTP, Sleep: o.Sleep, Now: o.Now, Log: o.logger()}
}

// Infos are the enabled providers' metadata, in report order.
func (o *Options) Infos() []provider.Info {
	out := make([]provider.Info, len(o.Providers))
	for i, p := range o.Providers {
		out[i] = p.Info
	}
	return out
}

// WithNetwork makes ctx carry the run's request timeout, retry budget and log.
func (o *Options) WithNetwork(ctx context.Context) context.Context {
	p := o.Network
	p.Log = o.Log
	return httpx.WithPolicy(ctx, p)
}

func (o *Options) logger() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// reportTargetError is a --report file that could not be written; it is ErrReportTarget.
type reportTargetError struct{ error }

func (reportTargetError) Is(target error) bool { return target == ErrReportTarget }

// Run performs one run and returns its report. The report is also returned
// with ErrAborted and ErrPartial; other errors mean the run failed.
func Run(ctx context.Context, o Options) (*report.Report, error) {
	log, summary := o.logger(), o.logger()
	if o.New { // every quarter of an hour: the routine lines are debug, one line says how it went
		log = slog.New(demoted{log.Handler()})
	}
	ctx = o.WithNetwork(ctx)
	for _, path := range o.Reports { // found now, not after the writes
		if err := report.CheckTarget(path); err != nil {
			return nil, reportTargetError{fmt.Errorf("--report: %w", err)}
		}
	}
	db, err := state.Open(o.StatePath, o.State...)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.Now, db.Log = o.now, log
	for _, n := range db.Notices {
		log.Warn(n)
	}
	release, err := db.Lock(ctx)
	var held *state.LockedError
	if o.New && errors.As(err, &held) { // the run that holds it does all the fast lane would
		log.Info("fast lane skipped: another run holds the lock", "holder", held.Error())
		return nil, fmt.Errorf("%w: %v", ErrSkipped, err)
	}
	if err != nil {
		return nil, err
	}
	defer release()
	r := &run{Options: &o, db: db, log: log, summary: summary}
	r.open()
	if err := r.builds(); err != nil {
		return nil, err
	}
	mode, lane := "apply", state.LaneComplete
	if o.DryRun {
		mode = "dry-run"
	}
	if o.New {
		lane = state.LaneNew
	}
	runID, err := db.StartLane(lane, mode, o.Backfill)
	if err != nil {
		return nil, err
	}
	log.Info("run started", "run", runID, "lane", lane, "mode", mode, "backfill", o.Backfill)
	r.rep = &report.Report{SchemaVersion: report.SchemaVersion, Changes: []report.Change{}, Conflicts: []report.Conflict{},
		Unmatched: []report.Unmatched{}, Run: report.Run{ID: runID, Mode: mode, Lane: lane, Backfill: o.Backfill, StartedAt: o.now().UTC()},
		Counts: report.Counts{Linked: map[string]int{}}, Providers: o.Infos()}
	rep := r.rep
	err = r.sync(ctx)
	err = r.finish(err)
	if o.Metrics != "" {
		if merr := WriteMetrics(o.Metrics, rep); merr != nil {
			log.Error("metrics not written", "file", o.Metrics, "error", merr)
		}
	}
	return rep, err
}

// finish records how the run ended and writes the report files. Its counts
// are what Salesforce answered, also when the run failed before its report
// was filled; when the state file could not record some of those answers,
// the reason says by how many the trail is behind.
func (r *run) finish(err error) error {
	rep, db := r.rep, r.db
	rep.Run.FinishedAt = r.now().UTC()
	switch {
	case errors.Is(err, ErrAborted):
		rep.Run.Status = match.RunAborted
	case errors.Is(err, ErrPartial):
		rep.Run.Status = match.RunPartial
	case err != nil:
		rep.Run.Status, rep.Run.Reason = match.RunFailed, err.Error()
	default:
		rep.Run.Status = match.RunOK
	}
	c := tally(r.rows)
	rep.Counts.Changes, rep.Counts.Applied, rep.Counts.Failed = c.Changes, c.Applied, c.Failed+c.Sending
	if trail, terr := db.CountsOf(rep.Run.ID); terr == nil && trail.Sending > c.Sending {
		rep.Run.Reason = join(rep.Run.Reason, fmt.Sprintf("the audit trail is behind by %d: Salesforce answered %d changes that the state file could not record (it lists them as sent, outcome unknown); the counts and changes here are Salesforce's answers, and the next run reads those fields back",
			trail.Sending-c.Sending, trail.Sending-c.Sending))
	}
	finished := state.Run{ID: rep.Run.ID, Status: rep.Run.Status, Reason: rep.Run.Reason,
		Conflicts: rep.Counts.Conflicts, APICalls: rep.APICalls, Report: rep.CompactJSON}
	if ferr := db.FinishRun(finished); ferr != nil {
		// the stored report is the bulk of what finishing writes: the run's end alone may still fit
		rep.Run.Status, rep.Run.Reason = match.RunFailed, join(rep.Run.Reason, "the state file could not store this run's end and report: "+ferr.Error())
		finished.Status, finished.Reason, finished.Report = rep.Run.Status, rep.Run.Reason, nil
		if db.FinishRun(finished) != nil {
			r.log.Error("the run's end could not be recorded: the next run records it as interrupted", "run", rep.Run.ID, "error", ferr)
		}
		if err == nil {
			err = ferr
		}
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, path := range r.Reports {
		if werr := rep.WriteFile(path, loc); werr != nil && err == nil {
			err = werr
		}
	}
	args := []any{"run", rep.Run.ID, "status", rep.Run.Status, "changes", rep.Counts.Changes,
		"applied", rep.Counts.Applied, "failed", rep.Counts.Failed, "conflicts", rep.Counts.Conflicts}
	if r.New {
		args = append(args, "lane", rep.Run.Lane, "new_people", r.fresh.Count(), "deferred", rep.Counts.Deferred)
	}
	r.summary.Info("run finished", args...)
	return err
}

// join puts b after a, in one sentence list.
func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
