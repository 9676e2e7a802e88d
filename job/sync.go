package job

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"voiceid/match"
	"voiceid/provider"
	"voiceid/report"
	"voiceid/salesforce"
	"voiceid/state"
)

// run is one job in progress: what it has opened and what it has learnt.
type run struct {
	*Options
	db      *state.DB
	rep     *report.Report
	log     *slog.Logger
	summary *slog.Logger // the run's one closing line, also in the fast lane
	sf      *salesforce.Client
	dirs    map[match.Provider]provider.Directory
	rows    []state.Change // the changes as recorded, with what Salesforce answered
	// remembered are, in the fast lane, what the last complete run read of
	// each provider that reads only what is new; fresh, who was read now.
	remembered map[match.Provider]state.Remembered
	fresh      match.Fresh
}

// sources is everything one run reads.
type sources struct {
	users  []match.User
	people map[match.Provider][]match.Person
}

// sync is the run itself: read, decide, guard, write, record, report.
func (r *run) sync(ctx context.Context) error {
	err := r.connect(ctx)
	if r.sf != nil { // signed in: the calls go in the report however the run ends
		defer r.countCalls()
	}
	defer r.closeDirectories(ctx) // deferred last, so it runs first: its calls are counted
	if err != nil {
		return err
	}
	src, err := r.read(ctx)
	if err != nil {
		return err
	}
	defer budgetMemory(r.log)()
	if err := emptyDirectoryGuard(r.Infos(), src); err != nil {
		return err
	}
	plan, names, err := r.plan(src) // src is not used after this: its memory goes
	if err != nil {
		return err
	}
	t, err := r.record(plan)
	if err != nil {
		return err
	}
	return r.write(ctx, plan, t, names)
}

// open opens each provider's reader; none contacts its service yet.
func (r *run) open() {
	r.dirs = map[match.Provider]provider.Directory{}
	for _, p := range r.Providers {
		r.dirs[p.Name] = p.Open(r.Env())
	}
}

// connect signs in to Salesforce and finds the identifier fields.
func (r *run) connect(ctx context.Context) error {
	sf, err := salesforce.Connect(ctx, r.SalesforceConfig())
	if err != nil {
		return err
	}
	r.sf = sf
	fields, err := sf.Discover(ctx, r.Names())
	if err != nil {
		return err
	}
	for _, p := range r.Names() {
		r.log.Info("identifier field", "provider", p, "field", fields[p].Name, "label", fields[p].Label)
	}
	return sf.CheckReserve(3) // the user query is a page per 2,000 users; a few to start
}

// closeDirectories ends what the run's readers hold open, however the run went.
func (r *run) closeDirectories(ctx context.Context) {
	for _, p := range r.Providers {
		if d, ok := r.dirs[p.Name]; ok {
			closeDirectory(ctx, r.log, p.Name, d)
		}
	}
}

// closeDirectory closes d if it holds anything open; a failure is logged,
// never the run's: its reads and writes are done by then.
func closeDirectory(ctx context.Context, log *slog.Logger, name match.Provider, d provider.Directory) {
	if c, ok := d.(provider.Closer); ok {
		if err := c.Close(ctx); err != nil {
			log.Warn("provider session left open", "provider", name, "error", err)
		}
	}
}

// countCalls puts each service's API calls, and Salesforce's daily usage, in the report.
func (r *run) countCalls() {
	r.rep.APICalls = map[string]int64{"salesforce": r.sf.Calls()}
	for name, d := range r.dirs {
		r.rep.APICalls[string(name)] = d.Calls()
	}
	if used, limit := r.sf.Usage(); limit > 0 {
		r.rep.SalesforceAPIUsage = &report.Usage{Used: used, Limit: limit}
	}
}

// read fetches the users and every directory at once; any failure fails the
// run, because a partial directory must never look like people leaving.
func (r *run) read(ctx context.Context) (sources, error) {
	src := sources{people: map[match.Provider][]match.Person{}}
	read := make([][]match.Person, len(r.Providers))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		src.users, err = r.readUsers(gctx)
		if err != nil || r.New { // the fast lane leaves the list pin and conflicts name users by to the complete run
			return err
		}
		return r.rememberUsers(src.users) // while the directories are still being read
	})
	fresh := make([]map[string]bool, len(r.Providers))
	for i, p := range r.Providers {
		g.Go(func() error {
			var err error
			read[i], fresh[i], err = r.readProvider(gctx, p.Info)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return src, err
	}
	for i, p := range r.Providers {
		src.people[p.Name] = read[i]
		if fresh[i] != nil {
			if r.fresh == nil {
				r.fresh = match.Fresh{}
			}
			r.fresh[p.Name] = fresh[i]
		}
	}
	return src, nil
}

// rememberUsers keeps the users just read for later commands (pin, history).
func (r *run) rememberUsers(users []match.User) error {
	ur := make([]state.UserRef, len(users))
	for i, u := range users {
		ur[i] = state.UserRef{ID: u.ID, Username: u.Username, Name: u.Name}
	}
	return r.db.RememberUsers(ur)
}

// plan decides, with the pins the administrator set.
func (r *run) plan(src sources) (match.Plan, refs, error) {
	pins, err := r.db.Pins()
	if err != nil {
		return match.Plan{}, refs{}, err
	}
	opts := r.Match
	opts.Providers, opts.Rules, opts.Naming = r.Names(), map[match.Provider]match.Rules{}, map[match.Provider]match.Naming{}
	for _, p := range r.Providers {
		opts.Rules[p.Name] = p.Rules
		opts.Naming[p.Name] = match.Naming{Title: p.Title, Entry: p.Entry, Entries: p.Entries}
	}
	in := match.Input{Users: src.users, People: src.people, Options: opts}
	for _, p := range pins {
		in.Pins = append(in.Pins, p.Pin)
	}
	plan := r.build(in)
	r.rep.Counts.SalesforceUsers = len(src.users)
	r.rep.Counts.People = map[string]int{}
	for _, p := range r.Names() {
		r.rep.Counts.People[string(p)] = len(src.people[p])
		r.rep.Counts.Linked[string(p)] = plan.Linked(p)
	}
	r.log.Info("plan made", "links", len(plan.Links), "changes", len(plan.Changes), "conflicts", len(plan.Conflicts))
	return plan, refsFor(plan, src), nil
}

// trail is a run's changes as recorded: rows and their ids in the state
// file, and why the run stops before writing, if it does.
type trail struct {
	rows   []state.Change
	ids    []int64
	abort  error
	labels map[string]string // field API name -> label, for the report
}

// record puts the plan's changes in the audit trail, as skipped when the
// safety threshold or the API reserve stops the run before writing.
func (r *run) record(plan match.Plan) (trail, error) {
	rows := make([]state.Change, len(plan.Changes))
	labels := map[string]string{}
	for i, c := range plan.Changes {
		f, err := r.sf.FieldOf(c)
		if err != nil {
			return trail{}, err
		}
		rows[i] = state.Change{Change: c, Field: f.Name, Status: match.ChangePlanned}
		labels[f.Name] = f.Label
	}
	var abort error
	if !r.DryRun && !r.Yes && !r.Backfill {
		linked := 0
		for _, p := range r.Names() {
			linked += plan.Linked(p)
		}
		abort = r.Safety.check(plan.Changes, linked)
	}
	if !r.DryRun && abort == nil {
		abort = r.sf.CheckReserve(r.sf.WriteCalls(len(plan.Changes)))
	}
	if abort != nil {
		for i := range rows {
			rows[i].Status = match.ChangeSkipped
		}
	}
	ids, err := r.db.RecordChanges(r.rep.Run.ID, rows)
	if err == nil {
		r.rows = rows // apply's outcomes land in them: the run's counts are what Salesforce answered
	}
	return trail{rows: rows, ids: ids, abort: abort, labels: labels}, err
}

// write applies the plan unless this is a dry run or the run was stopped,
// follows the conflicts' lifecycle, and fills the report.
func (r *run) write(ctx context.Context, plan match.Plan, t trail, names refs) error {
	rows, abort, applying := t.rows, t.abort, !r.DryRun
	conflicts := plan.Conflicts
	var applyErr error
	if applying && abort == nil && len(plan.Changes) > 0 {
		conflicts, applyErr = r.apply(ctx, plan, rows, t.ids)
	}
	// conflict lifecycle belongs to applying runs; a dry run only looks
	var firstSeen map[string]time.Time
	var err error
	if applying && applyErr == nil && !r.New { // the fast lane sees only part of the directories
		firstSeen, err = r.db.SeeConflicts(r.rep.Run.ID, conflicts)
	} else {
		firstSeen, err = r.db.FirstSeen()
	}
	if err != nil {
		return err
	}
	fill(r.rep, t, conflicts, plan.Unmatched, firstSeen, names)
	switch {
	case applyErr != nil:
		return applyErr
	case abort != nil:
		r.rep.Run.Reason = abort.Error()
		return abort
	}
	switch c := tally(rows); {
	case c.Failed+c.Sending > 0 && c.Applied == 0:
		return fmt.Errorf("%w: all %d failed, nothing was written", ErrWritesFailed, c.Failed+c.Sending)
	case c.Failed+c.Sending > 0:
		return fmt.Errorf("%w: %d of %d", ErrPartial, c.Failed+c.Sending, c.Changes)
	}
	return nil
}
