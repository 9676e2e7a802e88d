package job

import (
	"fmt"
	"strings"

	"voiceid/match"
	"voiceid/provider"
)

// emptyDirectoryGuard refuses to plan from a directory with no eligible
// people while Salesforce users hold that provider's identifiers: an empty
// answer (a wrong account, lost permissions) must never look like everyone left.
func emptyDirectoryGuard(provs []provider.Info, src sources) error {
	for _, info := range provs {
		p := info.Name
		eligible := 0
		for _, x := range src.people[p] {
			if x.Eligible {
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
			return fmt.Errorf("%w: the %s directory returned %s and nobody eligible, but %d Salesforce users hold %s identifiers; refusing to plan from it (check the account and the credentials' permissions)",
				ErrEmptyDirectory, info.Title, info.Count(len(src.people[p])), holders, info.Title)
		}
	}
	return nil
}

// check stops an applying run that would change too much at once.
// Clearing a field counts double: it removes a user's call routing.
func (s Safety) check(changes []match.Change, linked int) error {
	weight := 0
	for _, c := range changes {
		weight++
		if c.New == "" {
			weight++
		}
	}
	share := float64(weight) / float64(max(linked, 1))
	if weight > s.MaxChanges || (weight > 0 && share > s.MaxChangeRatio) {
		return fmt.Errorf("%w: %d changes (clears count double: weight %d) exceed max_changes = %d or max_change_ratio = %.2f of %d linked users; review with --dry-run, then run with --yes to accept",
			ErrAborted, len(changes), weight, s.MaxChanges, s.MaxChangeRatio, linked)
	}
	return nil
}
