package job

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"voiceid/match"
	"voiceid/provider"
	"voiceid/state"
)

// builds confirms, for the fast lane, that a complete run has read what it
// builds on: a finished complete run, and for each provider that reads only
// what is new, the people that run remembered (kept for the read).
func (r *run) builds() error {
	if !r.New {
		return nil
	}
	_, at, ok, err := r.db.LastComplete()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no complete run has finished with this state file yet: run voiceid sync (or sync --dry-run) once, then sync --new", ErrNoCompleteRun)
	}
	r.remembered = map[match.Provider]state.Remembered{}
	for _, p := range r.Providers {
		if _, ok := r.dirs[p.Name].(provider.Incremental); !ok {
			continue
		}
		mem, ok, err := r.db.RememberedPeople(p.Name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: the last complete run (%s) did not read %s, which sync --new reads only in part: run voiceid sync once with it on",
				ErrNoCompleteRun, at.Format("2006-01-02 15:04"), p.Title)
		}
		r.remembered[p.Name] = mem
	}
	return nil
}

// readProvider reads one provider. A complete run reads it in full and, for
// a provider that can read only what is new, remembers what it read and
// where to read on from. The fast lane reads such a provider only from
// there, and adds what the complete run remembered (a record read again
// replaces its remembered copy): it returns who is new since (nil for a
// provider read in full).
func (r *run) readProvider(ctx context.Context, p provider.Info) ([]match.Person, map[string]bool, error) {
	d := r.dirs[p.Name]
	inc, partial := d.(provider.Incremental)
	if !r.New || !partial {
		people, err := d.People(ctx, func(n int) { r.log.Info("reading directory", "provider", p.Name, "people", n) })
		if err == nil && partial {
			err = r.db.RememberPeople(p.Name, inc.Mark(), people)
		}
		return people, nil, err
	}
	mem := r.remembered[p.Name]
	people, err := inc.PeopleSince(ctx, mem.Mark)
	if err != nil {
		return nil, nil, err
	}
	fresh := make(map[string]bool, len(people)) // who was read now; those the complete run saw drop out below
	for _, x := range people {
		fresh[x.ID] = true
	}
	for _, x := range mem.People {
		if !fresh[x.ID] {
			people = append(people, x)
		}
		delete(fresh, x.ID) // read again (the mark's second): not new since
	}
	r.log.Info("read only what is new", "provider", p.Name, "new", len(fresh), "remembered", len(mem.People),
		"since", mem.TakenAt.Format("2006-01-02 15:04"))
	return people, fresh, nil
}

// changedMargin is how far before the complete run's read of the users the
// fast lane reads changed users from: a change committed just after that read
// began may carry an earlier SystemModstamp (stamped when its transaction
// started), and Salesforce's servers' clocks may differ a little.
const changedMargin = 15 * time.Minute

// readUsers reads the Salesforce users. A complete run reads them all and
// remembers them, with when Salesforce began answering. The fast lane reads
// only the users whose records changed since then (less changedMargin), over
// the ones remembered, when they were read the same way (same org, instance
// and fields); otherwise it reads them all too.
func (r *run) readUsers(ctx context.Context) ([]match.User, error) {
	if r.New {
		users, ok, err := r.changedUsers(ctx)
		if ok || err != nil {
			return users, err
		}
	}
	read, err := r.sf.ReadUsers(ctx, nil)
	if err != nil {
		return nil, err
	}
	r.log.Info("read Salesforce users", "count", len(read.Users))
	if !r.New && !read.At.IsZero() { // an answer without a Date: nothing a fast run could read on from
		err = r.db.RememberSalesforce(read.At, read.Source, read.Users)
	}
	return read.Users, err
}

// changedUsers is the fast lane's read of the users: the remembered ones,
// with those changed since read again; ok is false when nothing remembered
// fits (then every user is read).
func (r *run) changedUsers(ctx context.Context) (users []match.User, ok bool, err error) {
	mem, ok, err := r.db.RememberedSalesforce()
	if err != nil || !ok {
		return nil, false, err
	}
	source, err := r.sf.UserSource(ctx)
	if err != nil {
		return nil, false, err
	}
	if source != mem.Source {
		r.log.Info("reading every Salesforce user: the remembered ones were read another way", "then", mem.Source, "now", source)
		return nil, false, nil
	}
	since := mem.ReadAt.Add(-changedMargin)
	changed, gone, err := r.sf.UsersChangedSince(ctx, since)
	if err != nil {
		return nil, false, err
	}
	at := make(map[string]int, len(changed)+len(gone))
	for i, u := range changed {
		at[u.ID] = i
	}
	for _, id := range gone {
		at[id] = -1
	}
	users = mem.Users[:0] // the remembered users are this run's own: replaced in place
	for _, u := range mem.Users {
		i, seen := at[u.ID]
		switch {
		case !seen:
			users = append(users, u)
		case i >= 0:
			users = append(users, changed[i])
			delete(at, u.ID)
		}
	}
	for _, u := range changed {
		if _, waiting := at[u.ID]; waiting { // not replaced above: a user new since
			users = append(users, u)
		}
	}
	r.log.Info("read only the Salesforce users changed since the complete run", "changed", len(changed), "no_longer_read", len(gone),
		"remembered", len(mem.Users), "since", since.UTC().Format(time.RFC3339))
	return users, true, nil
}

// build plans: the full rules, or in the fast lane only what they keep of them.
func (r *run) build(in match.Input) match.Plan {
	if !r.New {
		return match.Build(in)
	}
	np := match.BuildNew(in, r.fresh)
	r.rep.Counts.Deferred = len(np.Deferred)
	r.log.Info("fast lane", "new_people", r.fresh.Count(), "fills", len(np.Changes), "deferred_to_the_complete_run", len(np.Deferred),
		"conflicts_about_new_people", len(np.Conflicts))
	return np.Plan
}

// demoted passes a fast run's routine lines (Info) on as Debug: a run every
// quarter of an hour says how it went in one line; warnings and errors stay.
type demoted struct{ slog.Handler }

func (d demoted) Enabled(ctx context.Context, l slog.Level) bool {
	if l == slog.LevelInfo {
		l = slog.LevelDebug
	}
	return d.Handler.Enabled(ctx, l)
}

func (d demoted) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = slog.LevelDebug
	}
	return d.Handler.Handle(ctx, r)
}

func (d demoted) WithAttrs(as []slog.Attr) slog.Handler { return demoted{d.Handler.WithAttrs(as)} }
func (d demoted) WithGroup(g string) slog.Handler       { return demoted{d.Handler.WithGroup(g)} }
