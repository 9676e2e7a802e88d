package report

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The state file's lists, as the commands that read them print them: the
// conflicts that stand between runs, and the past runs.

// Standing is a conflict the state file keeps between runs.
type Standing struct {
	Conflict   // as a run's report names it, FirstSeen included
	LastSeen   time.Time
	ResolvedAt time.Time // zero while it stands
}

// WriteStanding writes conflicts as a numbered table, then the suggested way
// out of each (voiceid conflicts).
func WriteStanding(w io.Writer, list []Standing, loc *time.Location) error {
	tw := table(w)
	fmt.Fprintln(tw, "#\tKIND\tPROVIDER\tVALUE\tSALESFORCE USERS\tPEOPLE\tFIRST SEEN\tLAST SEEN\tSTATE")
	for i, c := range list {
		st := "open"
		if !c.ResolvedAt.IsZero() {
			st = "resolved " + when(c.ResolvedAt, loc)
		}
		var first time.Time
		if c.FirstSeen != nil {
			first = *c.FirstSeen
		}
		users := make([]string, len(c.SalesforceUsers))
		for j, u := range c.SalesforceUsers {
			users[j] = cmp.Or(u.Username, u.ID) // the state knows the usernames of the users it read
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, c.Kind, c.Provider, c.Value, strings.Join(users, " "),
			strings.Join(c.ProviderIDs, " "), when(first, loc), when(c.LastSeen, loc), st)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d conflicts\n", len(list))
	if len(list) > 0 {
		fmt.Fprintln(w, "\nWhat to do (a suggested command is a proposal: check it first)")
	}
	for i, c := range list {
		if f := PinCommand(c.Conflict); f.Command != "" {
			fmt.Fprintf(w, "%3d  %s  # %s\n", i+1, f.Command, f.Note)
		} else {
			fmt.Fprintf(w, "%3d  %s\n", i+1, f.Note)
		}
	}
	return nil
}

// PastRun is a run as the state file lists it, with the counts of its audit trail.
type PastRun struct {
	Run
	Changes, Applied, Failed, Sending, Conflicts int
}

// WriteHistory writes past runs as a table (voiceid history).
func WriteHistory(w io.Writer, runs []PastRun, loc *time.Location) error {
	tw := table(w)
	fmt.Fprintln(tw, "RUN\tMODE\tSTATUS\tSTARTED\tTOOK\tCHANGES\tAPPLIED\tFAILED\tSENDING\tCONFLICTS\tREASON")
	for _, r := range runs {
		mode := r.Mode
		if r.Backfill {
			mode += " (backfill)"
		}
		if r.Lane == "new" {
			mode += " (new)"
		}
		took := "-"
		if !r.FinishedAt.IsZero() {
			took = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, mode, r.Status, when(r.StartedAt, loc), took,
			r.Changes, r.Applied, r.Failed, r.Sending, r.Conflicts, r.Reason)
	}
	return tw.Flush()
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 2, 4, 2, ' ', 0) }

// when is a time to the minute in loc; "-" for none.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}
