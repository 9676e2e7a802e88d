package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"voiceid/config"
	"voiceid/directory"
	"voiceid/job"
	"voiceid/report"
	"voiceid/sandbox"
)

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
	dir, err := os.MkdirTemp("", "voiceid-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	shape := sandbox.DemoShape
	shape.Dialpad = 0.1 // the third provider: a tenth of the company on Dialpad
	org := sandbox.GenerateShapedOrg(*users, 2026, shape)
	sb, err := sandbox.Start(org, dir, "")
	if err != nil {
		return err
	}
	defer sb.Close()
	cfg, err := config.Load(sb.ConfigPath)
	if err != nil {
		return err
	}
	logTo := io.Discard
	if *verbose {
		logTo = stderr
	}
	run := func(dry bool) (*report.Report, error) {
		o := cfg.Job()
		o.DryRun, o.Backfill, o.Log = dry, !dry, newLogger(logTo, "text")
		return job.Run(ctx, o)
	}
	fmt.Fprintf(stdout, "voiceid demo: %d Salesforce users, %d RingCentral directory entries, %d Aircall users, %d Dialpad users (simulated)\n\n",
		len(org.Salesforce), len(org.RingCentral), len(org.Aircall), len(org.Dialpad))
	fmt.Fprintln(stdout, "== 1. Dry run: the review an administrator reads before anything is written ==")
	dry, err := run(true)
	if err != nil {
		return err
	}
	dry.Text(stdout, report.TextOptions{Limit: 4})

	fmt.Fprintln(stdout, "\n== 2. Applying run (the one-shot backfill) ==")
	applied, err := run(false)
	if applied != nil {
		calls := []string{fmt.Sprintf("Salesforce %d", applied.APICalls["salesforce"])}
		for _, p := range directory.Registered {
			if n, ok := applied.APICalls[string(p.Name)]; ok {
				calls = append(calls, fmt.Sprintf("%s %d", p.Title, n))
			}
		}
		fmt.Fprintf(stdout, "run %d: %s; %d fields written, %d failed; API calls: %s\n",
			applied.Run.ID, applied.Run.Status, applied.Counts.Applied, applied.Counts.Failed, strings.Join(calls, ", "))
	}
	if err != nil {
		return err
	}

	fmt.Fprintln(stdout, "\n== 3. Nightly re-run: nothing left to change ==")
	again, err := run(true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "run %d plans %d changes; %d conflicts still need a person (voiceid conflicts)\n",
		again.Run.ID, again.Counts.Changes, again.Counts.Conflicts)
	return nil
}
