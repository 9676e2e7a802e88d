package match

import "strings"

// Fresh says, for each provider the fast lane read only in part, which of
// its people are new: read in this run and not among those the last
// complete run read. The others come from that run and may have changed
// since (a number moved, an email changed, a person left). A provider that
// is not in Fresh was read in full.
type Fresh map[Provider]map[string]bool

// Count is how many people were read now, over every provider read in part.
func (f Fresh) Count() int {
	n := 0
	for _, ids := range f {
		n += len(ids)
	}
	return n
}

// NewPlan is the fast lane's plan: what it writes, and what waits for the
// complete run.
type NewPlan struct {
	Plan
	// Deferred are fills the full rules make but the fast lane does not
	// write, because they rest on remembered knowledge that may be stale.
	Deferred []Change
}

// BuildNew plans the fast lane (sync --new): the full rules over everything
// in holds (the people the last complete run read of a provider read in
// part, together with the new ones), of which it keeps only fills of
// empty identifier fields, never a clear, an overwrite or a Phone. For a
// provider read in part, a fill must link a new person, by a pin or by
// email (the directory holds each email once, and a remembered person's stale
// email can only make a match look shared, never unique); a link by other
// evidence waits for the complete run. Every change it keeps, a complete run
// over the world as it now is plans too. Its conflicts are those that name
// a new person: the doubts about the new people.
func BuildNew(in Input, fresh Fresh) NewPlan {
	full := Build(in)
	out := NewPlan{Plan: Plan{Links: full.Links, Unmatched: full.Unmatched}}
	for _, c := range full.Changes {
		if c.Phone || c.New == "" || strings.TrimSpace(c.Old) != "" {
			continue // clears, overwrites and Phone write-backs are the complete run's
		}
		read, partial := fresh[c.Provider]
		if partial && (!read[c.New] || (c.Rule != RulePin && c.Rule != RuleEmail)) {
			out.Deferred = append(out.Deferred, c)
			continue
		}
		out.Changes = append(out.Changes, c)
	}
	for _, c := range full.Conflicts {
		if read, partial := fresh[c.Provider]; partial {
			for _, id := range c.PersonIDs {
				if read[id] {
					out.Conflicts = append(out.Conflicts, c)
					break
				}
			}
		}
	}
	return out
}
