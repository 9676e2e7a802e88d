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
// simulators for it in a temporary directory, then tells w about three runs:
// a dry run (the review report), an applying run, and a re-run that plans
// nothing. log gets the runs' log lines.
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
		calls := []string{fmt.Sprintf("Salesforce %d", applied.APICalls["salesforce"])}
		for _, p := range all.Infos() {
			if n, ok := applied.APICalls[string(p.Name)]; ok {
				calls = append(calls, fmt.Sprintf("%s %d", p.Title, n))
			}
		}
		fmt.Fprintf(w, "run %d: %s; %d fields written, %d failed; API calls: %s\n",
			applied.Run.ID, applied.Run.Status, applied.Counts.Applied, applied.Counts.Failed, strings.Join(calls, ", "))
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
