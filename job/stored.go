package job

import (
	"encoding/json"
	"fmt"

	"voiceid/provider"
	"voiceid/report"
	"voiceid/state"
)

// What the commands read back between runs: the conflicts that stand, the
// past runs and one past run's report.

// Conflicts are the conflicts the state file keeps (with all, the resolved
// ones too), only those of kind and provider where these are not ""; infos
// give the providers' titles.
func Conflicts(db *state.DB, all bool, kind, prov string, infos []provider.Info) ([]report.Standing, error) {
	cs, err := db.Conflicts(all)
	if err != nil {
		return nil, err
	}
	users, err := db.Users()
	if err != nil {
		return nil, err
	}
	var out []report.Standing
	for _, c := range cs {
		if (kind != "" && string(c.Kind) != kind) || (prov != "" && string(c.Provider) != prov) {
			continue
		}
		rc := report.Conflict{Kind: string(c.Kind), Provider: string(c.Provider), Value: c.Value,
			ProviderIDs: c.PersonIDs, SalesforceUserIDs: c.UserIDs, Detail: c.Detail, FirstSeen: &c.FirstSeen}
		if i, ok := provider.Lookup(infos, c.Provider); ok {
			rc.ProviderTitle = i.Title
		}
		for _, id := range c.UserIDs {
			u := users[id]
			rc.SalesforceUsers = append(rc.SalesforceUsers, report.UserRef{ID: id, Username: u.Username, Name: u.Name})
		}
		out = append(out, report.Standing{Conflict: rc, LastSeen: c.LastSeen, ResolvedAt: c.ResolvedAt})
	}
	return out, nil
}

// History is the last limit runs, newest first, with the counts of their audit trail.
func History(db *state.DB, limit int) ([]report.PastRun, error) {
	runs, err := db.Runs(limit)
	if err != nil {
		return nil, err
	}
	out := make([]report.PastRun, len(runs))
	for i, r := range runs {
		out[i] = report.PastRun{Run: report.Run{ID: r.ID, Mode: r.Mode, Lane: r.Lane, Backfill: r.Backfill, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
			Status: r.Status, Reason: r.Reason}, Changes: r.Changes, Applied: r.Applied, Failed: r.Failed, Sending: r.Sending, Conflicts: r.Conflicts}
	}
	return out, nil
}

// StoredReport is the report run id left in the state file (state.ErrNotFound
// when there is no such run), to be rendered with the providers infos describe.
func StoredReport(db *state.DB, id int64, infos []provider.Info) (*report.Report, error) {
	raw, err := db.Report(id)
	if err != nil {
		return nil, err
	}
	var rep report.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, fmt.Errorf("run %d: stored report is unreadable: %w", id, err)
	}
	rep.Providers = infos
	rep.TitleConflicts()
	return &rep, nil
}
