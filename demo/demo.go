// Package demo is voiceid demo: the whole job against the loopback
// simulators of every provider and Salesforce, seeded with a generated
// organisation, with no config file and no network.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"voiceid/config"
	"voiceid/job"
	"voiceid/provider/all"
	"voiceid/report"
	"voiceid/sandbox"
)

// Run generates an organisation of users Salesforce users and starts the
// simulators for it in a temporary directory, then tells w about four runs:
// a dry run (the review report), an applying run, a re-run that plans
// nothing, and the fast lane linking a new hire. log gets the runs' log lines.
func Run(ctx context.Context, users int, w io.Writer, log *slog.Logger) error {
	dir, err := os.MkdirTemp("", "voiceid-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	org, holds := generate(users)
	sb, err := sandbox.Start(org, dir, "")
	if err != nil {
		return err
	}
	defer sb.Close()
	cfg, err := config.Load(sb.ConfigPath)
	if err != nil {
		return err
	}
	run := func(dry bool) (*report.Report, error) {
		o := cfg.Job()
		o.DryRun, o.Backfill, o.Log = dry, !dry, log
		return job.Run(ctx, o)
	}

	fmt.Fprintf(w, "voiceid demo: %s (simulated)\n\n", holds)
	fmt.Fprintln(w, "== 1. Dry run: the review an administrator reads before anything is written ==")
	dry, err := run(true)
	if err != nil {
		return err
	}
	dry.Text(w, report.TextOptions{Limit: 4})

	fmt.Fprintln(w, "\n== 2. Applying run (the one-shot backfill) ==")
	applied, err := run(false)
	if applied != nil {
		fmt.Fprintf(w, "run %d: %s; %d fields written, %d failed; API calls: %s\n",
			applied.Run.ID, applied.Run.Status, applied.Counts.Applied, applied.Counts.Failed, callsOf(applied))
	}
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== 3. Nightly re-run: nothing left to change ==")
	again, err := run(true)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run %d plans %d changes; %d conflicts still need a person (voiceid conflicts)\n",
		again.Run.ID, again.Counts.Changes, again.Counts.Conflicts)
	return fastLane(ctx, w, sb, cfg, log, callsOf(applied))
}

// fastLane is the fourth act: a new hire appears in Salesforce and the
// providers after the complete runs, and sync --new links them at a small
// share of a complete run's calls.
func fastLane(ctx context.Context, w io.Writer, sb *sandbox.Stack, cfg *config.Config, log *slog.Logger, complete string) error {
	fmt.Fprintln(w, "\n== 4. The fast lane (sync --new): a new hire on their first day ==")
	hire := sandbox.NewHire(1)
	user, ids := sb.Hire(hire)
	var where []string
	for _, p := range all.Infos() {
		if id, ok := ids[string(p.Name)]; ok {
			where = append(where, fmt.Sprintf("%s %s", p.Title, id))
		}
	}
	fmt.Fprintf(w, "%s %s <%s> joins Salesforce (%s) and %s\n", hire.First, hire.Last, hire.Email, user, strings.Join(where, ", "))
	o := cfg.Job()
	o.New, o.Log = true, log
	rep, err := job.Run(ctx, o)
	if err != nil {
		return err
	}
	var linked []string
	for _, c := range rep.Changes {
		linked = append(linked, fmt.Sprintf("%s = %s (%s)", c.FieldLabel, c.New, c.Rule))
	}
	fmt.Fprintf(w, "run %d (lane %s): %d fields written: %s\n", rep.Run.ID, rep.Run.Lane, rep.Counts.Applied, strings.Join(linked, "; "))
	fmt.Fprintf(w, "API calls: %s; a complete run: %s\n", callsOf(rep), complete)
	return nil
}

// generate makes the demo's company, each provider at its demo share, and
// says what it holds.
func generate(users int) (*sandbox.Org, string) {
	sims := all.Simulators()
	for i := range sims {
		sims[i].Share = sims[i].Demo
	}
	org := sandbox.GenerateOrg(users, 2026, sims...)
	holds := []string{fmt.Sprintf("%d Salesforce users", len(org.Salesforce))}
	for _, sim := range sims {
		holds = append(holds, sim.Count(org))
	}
	return org, strings.Join(holds, ", ")
}

// callsOf says a run's API calls, Salesforce's then each provider's.
func callsOf(rep *report.Report) string {
	out := []string{fmt.Sprintf("Salesforce %d", rep.APICalls["salesforce"])}
	for _, p := range all.Infos() {
		if n, ok := rep.APICalls[string(p.Name)]; ok {
			out = append(out, fmt.Sprintf("%s %d", p.Title, n))
		}
	}
	return strings.Join(out, ", ")
}
