package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"voiceid/config"
	"voiceid/directory"
	"voiceid/job"
	"voiceid/match"
	"voiceid/report"
	"voiceid/state"
)

// openState loads the config and opens its state file with open
// (state.OpenExisting for commands that only read it).
func openState(cfgPath string, open func(string, ...state.Option) (*state.DB, error)) (*config.Config, *state.DB, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	db, err := open(cfg.State.Path)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

func cmdConflicts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("conflicts", `voiceid conflicts [--config FILE] [--kind KIND] [--provider P] [--all]

Lists the conflicts the last applying runs found and that still stand (with
--all, the resolved ones too), with what to do about each kind.

Examples:
  voiceid conflicts --kind shared_number
  voiceid conflicts --provider aircall --all`, stderr)
	kind := fs.String("kind", "", "only this `KIND` (duplicate_email, shared_number, ...)")
	prov := fs.String("provider", "", "only this provider ("+providerList("or")+")")
	all := fs.Bool("all", false, "include resolved conflicts")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *kind != "" && !slices.Contains(match.Kinds, match.Kind(*kind)) {
		return &usageError{fmt.Sprintf("conflicts: --kind %q: not a conflict kind", *kind)}
	}
	if _, ok := directory.Lookup(match.Provider(*prov)); *prov != "" && !ok {
		return &usageError{fmt.Sprintf("conflicts: --provider %q: use %s", *prov, providerList("or"))}
	}
	cfg, db, err := openState(*cfgPath, state.OpenExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := job.Conflicts(db, *all, *kind, *prov)
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
	rep, err := job.StoredReport(db, id)
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
  voiceid pin ann.lee@example.com --ringcentral 814243005 --note "ticket 4411"
  voiceid pin 005Dn0000000222AAA --none --provider aircall`, stderr)
	ids := map[match.Provider]*string{}
	for _, p := range directory.Registered {
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
	for _, p := range directory.Names() {
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
	for _, p := range directory.Registered {
		flags[p.Name] = fs.Bool(string(p.Name), false, "remove the "+p.Title+" pin")
	}
	key, err := userArg(fs, "unpin", args)
	if err != nil {
		return err
	}
	var chosen []match.Provider
	for _, p := range directory.Names() {
		if *flags[p] {
			chosen = append(chosen, p)
		}
	}
	if len(chosen) != 1 {
		return &usageError{"unpin: give exactly one of " + providerFlags("")}
	}
	_, db, err := openState(*cfgPath, state.Open)
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

// providerFlags lists the registered providers as flags ("--ringcentral ID | --aircall ID").
func providerFlags(arg string) string {
	var out []string
	for _, p := range directory.Names() {
		out = append(out, "--"+string(p)+arg)
	}
	return strings.Join(out, " | ")
}

// providerList names the registered providers ("ringcentral, aircall or dialpad").
func providerList(and string) string {
	names := directory.Names()
	out := make([]string, len(names))
	for i, p := range names {
		out[i] = string(p)
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " " + and + " " + out[len(out)-1]
}
