package match

import "strings"

// Fresh says, for each provider the fast lane read only in part, which of
// its people were read in this run: the others come from the last complete
// run and may have changed since (a number moved, an email changed, a person
// left). A provider that is not in Fresh was read in full.
type Fresh map[Provider]map[string]bool

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
// part, together with those read now), of which it keeps only fills of
// empty identifier fields, never a clear, an overwrite or a Phone. For a
// provider read in part, a fill must link a person read now, by a pin or by
// email (the directory holds each email once, and a remembered person's stale
// email can only make a match look shared, never unique); a link by other
// evidence waits for the complete run. Every change it keeps, a complete run
// over the world as it now is plans too. Its conflicts are those that name
// a person read now: the doubts about the new people.
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
