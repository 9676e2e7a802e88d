package job

import (
	"strings"
	"time"

	"voiceid/match"
	"voiceid/report"
	"voiceid/state"
)

// refs names the records the report may point at: those in conflicts, and
// the people the changes write (a rejected write becomes a conflict). They
// are taken right after planning, so that the users and directories, the
// bulk of a large run's memory, are let go before writing.
type refs struct {
	users  map[string]report.UserRef
	people map[match.Provider]map[string]report.PersonRef
	// phoneOf is the person a Phone write-back comes from, by provider and user.
	phoneOf map[[2]string]string
}

func refsFor(plan match.Plan, src sources) refs {
	r := refs{users: map[string]report.UserRef{}, people: map[match.Provider]map[string]report.PersonRef{}, phoneOf: map[[2]string]string{}}
	wantPeople := map[match.Provider]map[string]bool{}
	want := func(prov match.Provider, id string) {
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
	phones := map[[2]string]bool{}
	for _, c := range plan.Changes {
		switch {
		case c.Phone:
			phones[[2]string{string(c.Provider), c.UserID}] = true
		case c.New != "":
			want(c.Provider, c.New)
		default: // a clear: the review shows whom the old value named
			want(c.Provider, strings.TrimSpace(c.Old))
		}
	}
	for _, l := range plan.Links {
		if k := [2]string{string(l.Provider), l.UserID}; phones[k] {
			r.phoneOf[k] = l.PersonID
			want(l.Provider, l.PersonID)
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
				ref := report.PersonRef{ID: p.ID, Name: p.Name, Email: p.Email, State: p.State, Eligible: &p.Eligible}
				for _, n := range p.Numbers {
					if n.Direct {
						ref.Numbers = append(ref.Numbers, n.Raw)
					}
				}
				r.people[prov][p.ID] = ref
			}
		}
	}
	return r
}

// fill copies the run's rows into the report, in review order.
func fill(rep *report.Report, t trail, conflicts []match.Conflict, unmatched []match.Person, firstSeen map[string]time.Time, names refs) {
	var changed map[string]report.UserRef // users of the changes, for write failures
	rows := t.rows
	for _, c := range rows {
		if c.Status == match.ChangeSending { // the run stopped with this batch in flight
			c.Status, c.Error = match.ChangeFailed, "sent, but no answer came before the run stopped; the next run checks it again"
		}
		rep.Changes = append(rep.Changes, report.Change{SalesforceUserID: c.UserID, SalesforceUsername: c.Username, Name: c.Name,
			Provider: string(c.Provider), Field: c.Field, FieldLabel: t.labels[c.Field], Old: c.Old, New: c.New, Rule: string(c.Rule),
			Status: c.Status, Error: c.Error, Evidence: c.Evidence, Person: names.personOf(c.Change)})
	}
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
	rep.TitleConflicts()
	rep.ReviewFirst()
}

// personOf is the person a change names: the one its new value links, the
// one a Phone write-back comes from, or, for a clear, the one the old value named.
func (r refs) personOf(c match.Change) *report.PersonRef {
	id := c.New
	switch {
	case c.Phone:
		id = r.phoneOf[[2]string{string(c.Provider), c.UserID}]
	case c.New == "":
		id = strings.TrimSpace(c.Old)
	}
	p, ok := r.people[c.Provider][id]
	if !ok {
		return nil
	}
	return &p
}

// tally counts a run's changes by what Salesforce answered: a change sent
// without an answer counts as failed (the next run reads it back).
func tally(rows []state.Change) state.Counts {
	c := state.Counts{Changes: len(rows)}
	for _, r := range rows {
		switch r.Status {
		case match.ChangeApplied:
			c.Applied++
		case match.ChangeFailed:
			c.Failed++
		case match.ChangeSending:
			c.Sending++
		}
	}
	return c
}
