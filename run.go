package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"voiceid/directory"
	"voiceid/match"
	"voiceid/report"
	"voiceid/state"
	"voiceid/writer"
)

// Errors that decide the exit status (see exitCode).
var (
	ErrAborted = errors.New("aborted by the safety threshold")
	ErrPartial = errors.New("some records failed to write")
)

// Run is one configured voiceid job: main builds it from flags and config.
type Run struct {
	Cfg      *Config
	DryRun   bool
	Backfill bool
	Yes      bool
	Reports  []string // --report files

	Log      *slog.Logger
	Progress io.Writer // a terminal to draw a progress bar on; nil: log lines
	Now      func() time.Time
	HTTP     *http.Client                               // nil: the default client (TLS verified, timeouts)
	Sleep    func(context.Context, time.Duration) error // nil: real waits (tests pass a fake)
}

func (r *Run) providers() []directory.Provider {
	var out []directory.Provider
	if r.Cfg.RingCentralEnabled() {
		out = append(out, directory.RingCentral)
	}
	if r.Cfg.AircallEnabled() {
		out = append(out, directory.Aircall)
	}
	return out
}

func (r *Run) logger() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Run) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Run) salesforceConfig() writer.Config {
	s := r.Cfg.Salesforce
	return writer.Config{LoginURL: s.LoginURL, Auth: s.Auth, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Username: s.Username, PrivateKeyFile: s.PrivateKeyFile, TargetOrg: s.TargetOrg, APIVersion: s.APIVersion,
		Fields: map[directory.Provider]string{directory.RingCentral: s.RingCentralField, directory.Aircall: s.AircallField},
		HTTP:   r.HTTP, Sleep: r.Sleep, Now: r.Now, BulkThreshold: r.Cfg.BulkThreshold(), Reserve: r.Cfg.APIReserve(),
		BulkPollTimeout: r.Cfg.BulkPollTimeout()}
}

func (r *Run) ringCentral() *directory.RingCentralReader {
	c := r.Cfg.RingCentral
	return directory.NewRingCentral(directory.RingCentralConfig{Server: c.Server, ClientID: c.ClientID,
		ClientSecret: c.ClientSecret, JWT: c.JWT, HTTP: r.HTTP, Sleep: r.Sleep})
}

func (r *Run) aircall() *directory.AircallReader {
	c := r.Cfg.Aircall
	log := r.logger()
	return directory.NewAircall(directory.AircallConfig{BaseURL: c.BaseURL, APIID: c.APIID, APIToken: c.APIToken,
		HTTP: r.HTTP, Sleep: r.Sleep, RequestsPerMinute: r.Cfg.AircallRequestsPerMinute(),
		Log: func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }})
}

// Sync performs one run and returns its report. The report is also returned
// with ErrAborted and ErrPartial; other errors mean the run failed.
func (r *Run) Sync(ctx context.Context) (*report.Report, error) {
	log := r.logger()
	ctx = r.Cfg.withPolicy(ctx, log)
	for _, path := range r.Reports { // found now, not after the writes
		if err := report.CheckTarget(path); err != nil {
			return nil, &usageError{"--report: " + err.Error()}
		}
	}
	db, err := state.Open(r.Cfg.State.Path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.Now = r.now
	release, err := db.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	mode := "apply"
	if r.DryRun {
		mode = "dry-run"
	}
	runID, err := db.StartRun(mode, r.Backfill)
	if err != nil {
		return nil, err
	}
	log.Info("run started", "run", runID, "mode", mode, "backfill", r.Backfill)
	rep := &report.Report{SchemaVersion: report.SchemaVersion, Changes: []report.Change{}, Conflicts: []report.Conflict{},
		Unmatched: []report.Unmatched{}, Run: report.Run{ID: runID, Mode: mode, Backfill: r.Backfill, StartedAt: r.now().UTC()},
		Counts: report.Counts{Linked: map[string]int{}}}
	err = r.sync(ctx, db, rep)
	rep.Run.FinishedAt = r.now().UTC()
	switch {
	case errors.Is(err, ErrAborted):
		rep.Run.Status = "aborted"
	case errors.Is(err, ErrPartial):
		rep.Run.Status = "partial"
	case err != nil:
		rep.Run.Status, rep.Run.Reason = "failed", err.Error()
	default:
		rep.Run.Status = "ok"
	}
	if ferr := db.FinishRun(state.Run{ID: runID, Status: rep.Run.Status, Reason: rep.Run.Reason,
		Changes: rep.Counts.Changes, Applied: rep.Counts.Applied, Failed: rep.Counts.Failed,
		Conflicts: rep.Counts.Conflicts, APICalls: rep.APICalls, Report: rep.CompactJSON}); ferr != nil && err == nil {
		err = ferr
	}
	for _, path := range r.Reports {
		if werr := rep.WriteFile(path, r.Cfg.Location()); werr != nil && err == nil {
			err = werr
		}
	}
	log.Info("run finished", "run", runID, "status", rep.Run.Status, "changes", rep.Counts.Changes,
		"applied", rep.Counts.Applied, "failed", rep.Counts.Failed, "conflicts", rep.Counts.Conflicts)
	return rep, err
}

// sources is everything one run reads.
type sources struct {
	users  []match.User
	people map[directory.Provider][]directory.Person
}

func (r *Run) sync(ctx context.Context, db *state.DB, rep *report.Report) error {
	log := r.logger()
	provs := r.providers()
	sf, err := writer.Connect(ctx, r.salesforceConfig())
	if err != nil {
		return err
	}
	rc, ac := r.ringCentral(), r.aircall()
	defer func() {
		rep.APICalls = map[string]int64{"salesforce": sf.Calls()}
		if r.Cfg.RingCentralEnabled() {
			rep.APICalls["ringcentral"] = rc.Calls()
		}
		if r.Cfg.AircallEnabled() {
			rep.APICalls["aircall"] = ac.Calls()
		}
		if used, limit := sf.Usage(); limit > 0 {
			rep.SalesforceAPIUsage = &report.Usage{Used: used, Limit: limit}
		}
	}()
	fields, err := sf.Discover(ctx, provs)
	if err != nil {
		return err
	}
	for _, p := range provs {
		log.Info("identifier field", "provider", p, "field", fields[p].Name, "label", fields[p].Label)
	}
	if err := sf.CheckReserve(3); err != nil { // the user query is a page per 2,000 users; a few to start
		return err
	}
	src, err := r.read(ctx, sf, rc, ac)
	if err != nil {
		return err
	}
	defer budgetMemory(log)()
	if err := emptyDirectoryGuard(provs, src); err != nil {
		return err
	}
	refs := make([]state.UserRef, len(src.users))
	for i, u := range src.users {
		refs[i] = state.UserRef{ID: u.ID, Username: u.Username, Name: u.Name}
	}
	if err := db.RememberUsers(refs); err != nil {
		return err
	}
	pins, err := db.Pins()
	if err != nil {
		return err
	}
	in := match.Input{Users: src.users, People: src.people,
		Options: match.Options{DefaultRegion: r.Cfg.Match.DefaultRegion, ClearStale: r.Cfg.Match.ClearStale, Providers: provs,
			FillPhone: r.Cfg.Salesforce.WritePhone == "fill-empty"}}
	for _, p := range pins {
		in.Pins = append(in.Pins, p.Pin)
	}
	plan := match.Build(in)
	rep.Counts.SalesforceUsers = len(src.users)
	rep.Counts.RingCentralPeople = len(src.people[directory.RingCentral])
	rep.Counts.AircallPeople = len(src.people[directory.Aircall])
	names := refsFor(plan, src) // src is not used after this line: its memory goes
	linked := 0
	for _, p := range provs {
		rep.Counts.Linked[string(p)] = plan.Linked(p)
		linked += plan.Linked(p)
	}
	log.Info("plan made", "links", len(plan.Links), "changes", len(plan.Changes), "conflicts", len(plan.Conflicts))

	rows := make([]state.Change, len(plan.Changes))
	for i, c := range plan.Changes {
		f, err := sf.FieldOf(c)
		if err != nil {
			return err
		}
		rows[i] = state.Change{Change: c, Field: f.Name, Status: "planned"}
	}
	applying := !r.DryRun
	var abort error
	if applying && !r.Yes && !r.Backfill {
		abort = r.threshold(plan.Changes, linked)
	}
	if applying && abort == nil {
		if err := sf.CheckReserve(sf.WriteCalls(len(plan.Changes))); err != nil {
			abort = err
		}
	}
	if abort != nil {
		for i := range rows {
			rows[i].Status = "skipped"
		}
	}
	ids, err := db.RecordChanges(rep.Run.ID, rows)
	if err != nil {
		return err
	}
	conflicts := plan.Conflicts
	var applyErr error
	if applying && abort == nil && len(plan.Changes) > 0 {
		conflicts, applyErr = r.apply(ctx, sf, db, plan, rows, ids)
	}
	// conflict lifecycle belongs to applying runs; a dry run only looks
	var firstSeen map[string]time.Time
	if applying && applyErr == nil {
		firstSeen, err = db.SeeConflicts(rep.Run.ID, conflicts)
	} else {
		firstSeen, err = db.FirstSeen()
	}
	if err != nil {
		return err
	}
	fill(rep, rows, conflicts, plan.Unmatched, firstSeen, names)
	if applyErr != nil {
		return applyErr
	}
	if abort != nil {
		rep.Run.Reason = abort.Error()
		return abort
	}
	if rep.Counts.Failed > 0 {
		return fmt.Errorf("%w: %d of %d", ErrPartial, rep.Counts.Failed, rep.Counts.Changes)
	}
	return nil
}

// read fetches users and both directories at once; any failure fails the
// run, because a partial directory must never look like people leaving.
func (r *Run) read(ctx context.Context, sf *writer.Salesforce, rc *directory.RingCentralReader, ac *directory.AircallReader) (sources, error) {
	log := r.logger()
	src := sources{people: map[directory.Provider][]directory.Person{}}
	var rcPeople, acPeople []directory.Person
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		src.users, err = sf.Users(gctx, nil)
		log.Info("read Salesforce users", "count", len(src.users))
		return err
	})
	if r.Cfg.RingCentralEnabled() {
		g.Go(func() error {
			var err error
			rcPeople, err = rc.People(gctx, func(n int) { log.Info("reading RingCentral directory", "entries", n) })
			return err
		})
	}
	if r.Cfg.AircallEnabled() {
		g.Go(func() error {
			var err error
			acPeople, err = ac.People(gctx, func(n int) { log.Info("reading Aircall users", "users", n) })
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return src, err
	}
	if r.Cfg.RingCentralEnabled() {
		src.people[directory.RingCentral] = rcPeople
	}
	if r.Cfg.AircallEnabled() {
		src.people[directory.Aircall] = acPeople
	}
	return src, nil
}

// ErrEmptyDirectory is a directory that lists nobody while users hold its identifiers.
var ErrEmptyDirectory = errors.New("directory lists no eligible people")

// emptyDirectoryGuard refuses to plan from a directory with no eligible
// people while Salesforce users hold that provider's identifiers: an empty
// answer (a wrong account, lost permissions) must never look like everyone left.
func emptyDirectoryGuard(provs []directory.Provider, src sources) error {
	for _, p := range provs {
		eligible := 0
		for _, x := range src.people[p] {
			if x.Eligible() {
				eligible++
			}
		}
		holders := 0
		for _, u := range src.users {
			if strings.TrimSpace(u.Fields.Get(p)) != "" {
				holders++
			}
		}
		if eligible == 0 && holders > 0 {
			return fmt.Errorf("%w: the %s directory returned %d entries and no enabled user, but %d Salesforce users hold %s identifiers; refusing to plan from it (check the account and the credentials' permissions)",
				ErrEmptyDirectory, p, len(src.people[p]), holders, p)
		}
	}
	return nil
}

// threshold stops an applying run that would change too much at once.
// Clearing a field counts double: it removes a user's call routing.
func (r *Run) threshold(changes []match.Change, linked int) error {
	weight := 0
	for _, c := range changes {
		weight++
		if c.New == "" {
			weight++
		}
	}
	maxN, ratio := r.Cfg.MaxChanges(), r.Cfg.MaxChangeRatio()
	share := float64(weight) / float64(max(linked, 1))
	if weight > maxN || (weight > 0 && share > ratio) {
		return fmt.Errorf("%w: %d changes (clears count double: weight %d) exceed max_changes = %d or max_change_ratio = %.2f of %d linked users; review with --dry-run, then run with --yes to accept",
			ErrAborted, len(changes), weight, maxN, ratio, linked)
	}
	return nil
}

// apply writes the plan. Each batch's outcomes go into the audit trail as
// soon as Salesforce answers, so a run killed half-way leaves a trail that
// matches what Salesforce holds; rejected records become write_failed conflicts.
func (r *Run) apply(ctx context.Context, sf *writer.Salesforce, db *state.DB, plan match.Plan, rows []state.Change, ids []int64) ([]match.Conflict, error) {
	log := r.logger()
	total, done := len(plan.Changes), 0
	var recordErr error
	mark := func(idx []int) {
		batchIDs, status, errs := make([]int64, len(idx)), make([]string, len(idx)), make([]string, len(idx))
		for k, i := range idx {
			batchIDs[k], status[k], errs[k] = ids[i], rows[i].Status, rows[i].Error
		}
		if err := db.SetChangeStatus(batchIDs, status, errs); err != nil && recordErr == nil {
			recordErr = err
		}
	}
	outcomes, err := sf.Apply(ctx, plan.Changes, writer.Hooks{
		Sending: func(idx []int) { // a kill from here on leaves "sent, outcome unknown", not "planned"
			for _, i := range idx {
				rows[i].Status = "sending"
			}
			mark(idx)
		},
		Settled: func(settled []int, out []writer.Outcome) {
			for _, i := range settled {
				rows[i].Status, rows[i].Error = "failed", ""
				if out[i].Applied {
					rows[i].Status = "applied"
				} else {
					rows[i].Error = out[i].Code + ": " + out[i].Message
				}
			}
			mark(settled)
			done += len(settled)
			r.progress(done, total)
		}})
	r.progressDone()
	if err == nil {
		err = recordErr
	}
	conflicts := append([]match.Conflict(nil), plan.Conflicts...)
	for i, o := range outcomes {
		if o.Applied || o.Code == "" {
			continue
		}
		c := plan.Changes[i]
		conflicts = append(conflicts, match.Conflict{Kind: match.WriteFailed, Provider: c.Provider, Value: c.New,
			PersonIDs: nonEmpty(c.New), UserIDs: []string{c.UserID},
			Detail: fmt.Sprintf("Salesforce rejected %s = %q for %s: %s; tried again next run", rows[i].Field, c.New, c.Username, rows[i].Error)})
	}
	if err != nil {
		log.Error("writing stopped", "written", done, "of", total, "error", err)
	}
	return conflicts, err
}

// progress shows how far writing is: a bar on a terminal, log lines otherwise.
func (r *Run) progress(done, total int) {
	if r.Progress != nil {
		const width = 30
		fill := width * done / max(total, 1)
		fmt.Fprintf(r.Progress, "\rwriting to Salesforce [%s%s] %d/%d", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total)
		return
	}
	r.logger().Info("writing to Salesforce", "settled", done, "of", total)
}

func (r *Run) progressDone() {
	if r.Progress != nil {
		fmt.Fprintln(r.Progress)
	}
}

func nonEmpty(v string) []string {
	if v == "" {
		return []string{}
	}
	return []string{v}
}

// refs names the records the report may point at: those in conflicts, and
// the people the changes write (a rejected write becomes a conflict). They
// are taken right after planning, so that the users and directories, the
// bulk of a large run's memory, are let go before writing.
type refs struct {
	users  map[string]report.UserRef
	people map[directory.Provider]map[string]report.PersonRef
}

func refsFor(plan match.Plan, src sources) refs {
	r := refs{users: map[string]report.UserRef{}, people: map[directory.Provider]map[string]report.PersonRef{}}
	wantPeople := map[directory.Provider]map[string]bool{}
	want := func(prov directory.Provider, id string) {
		if wantPeople[prov] == nil {
			wantPeople[prov] = map[string]bool{}
		}
		wantPeople[prov][id] = true
	}
	for _, c := range plan.Conflicts {
		for _, id := range c.UserIDs {
			r.users[id] = report.UserRef{ID: id}
		}
		for _, id := range c.PersonIDs {
			want(c.Provider, id)
		}
	}
	for _, c := range plan.Changes {
		if c.New != "" {
			want(c.Provider, c.New)
		}
	}
	for _, u := range src.users {
		if _, ok := r.users[u.ID]; ok {
			r.users[u.ID] = report.UserRef{ID: u.ID, Username: u.Username, Name: u.Name}
		}
	}
	for prov, ps := range src.people {
		r.people[prov] = map[string]report.PersonRef{}
		for _, p := range ps {
			if wantPeople[prov][p.ID] {
				r.people[prov][p.ID] = report.PersonRef{ID: p.ID, Name: p.Name, Email: p.Email, State: p.Type + " " + p.Status}
			}
		}
	}
	return r
}

// fill copies the run's rows into the report.
func fill(rep *report.Report, rows []state.Change, conflicts []match.Conflict, unmatched []directory.Person, firstSeen map[string]time.Time, names refs) {
	var changed map[string]report.UserRef // users of the changes, for write failures
	for _, c := range rows {
		if c.Status == "sending" { // the run stopped with this batch in flight
			c.Status, c.Error = "failed", "sent, but no answer came before the run stopped; the next run checks it again"
		}
		rep.Changes = append(rep.Changes, report.Change{SalesforceUserID: c.UserID, SalesforceUsername: c.Username, Name: c.Name,
			Provider: string(c.Provider), Field: c.Field, Old: c.Old, New: c.New, Rule: string(c.Rule), Status: c.Status, Error: c.Error})
		switch c.Status {
		case "applied":
			rep.Counts.Applied++
		case "failed":
			rep.Counts.Failed++
		}
	}
	rep.Counts.Changes = len(rows)
	for _, c := range conflicts {
		rc := report.Conflict{Kind: string(c.Kind), Provider: string(c.Provider), Value: c.Value,
			ProviderIDs: c.PersonIDs, SalesforceUserIDs: c.UserIDs, Detail: c.Detail}
		if t, ok := firstSeen[c.Key()]; ok {
			rc.FirstSeen = &t
		}
		for _, id := range c.UserIDs {
			u, ok := names.users[id]
			if !ok {
				if changed == nil {
					changed = map[string]report.UserRef{}
					for _, r := range rows {
						changed[r.UserID] = report.UserRef{ID: r.UserID, Username: r.Username, Name: r.Name}
					}
				}
				u = changed[id]
				u.ID = id
			}
			rc.SalesforceUsers = append(rc.SalesforceUsers, u)
		}
		for _, id := range c.PersonIDs {
			ref, ok := names.people[c.Provider][id]
			if !ok {
				ref = report.PersonRef{ID: id, State: "missing"}
			}
			rc.People = append(rc.People, ref)
		}
		rep.Conflicts = append(rep.Conflicts, rc)
	}
	rep.Counts.Conflicts = len(conflicts)
	for _, p := range unmatched {
		rep.Unmatched = append(rep.Unmatched, report.Unmatched{Provider: string(p.Provider), ProviderID: p.ID, Name: p.Name, Email: p.Email})
	}
}
