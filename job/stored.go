package job

import (
	"encoding/json"
	"fmt"

	"voiceid/report"
	"voiceid/state"
)

// What the commands read back between runs: the conflicts that stand and a
// past run's report.

// StoredConflict is a conflict the state file keeps, with what the reports
// show for it.
type StoredConflict struct {
	state.Conflict
	Usernames []string   // of its Salesforce users, where the state knows them; else their ids
	Fix       report.Fix // the reports' suggestion, so that every place suggests the same command
}

// Conflicts are the conflicts the state file keeps (with all, the resolved
// ones too), only those of kind and provider where these are not "".
func Conflicts(db *state.DB, all bool, kind, provider string) ([]StoredConflict, error) {
	cs, err := db.Conflicts(all)
	if err != nil {
		return nil, err
	}
	users, err := db.Users()
	if err != nil {
		return nil, err
	}
	var out []StoredConflict
	for _, c := range cs {
		if (kind != "" && string(c.Kind) != kind) || (provider != "" && string(c.Provider) != provider) {
			continue
		}
		out = append(out, StoredConflict{Conflict: c, Usernames: usernames(c.UserIDs, users), Fix: report.PinCommand(reportConflict(c, users))})
	}
	return out, nil
}

// reportConflict is a stored conflict as the report names it.
func reportConflict(c state.Conflict, users map[string]state.UserRef) report.Conflict {
	rc := report.Conflict{Kind: string(c.Kind), Provider: string(c.Provider), Value: c.Value,
		ProviderIDs: c.PersonIDs, SalesforceUserIDs: c.UserIDs, Detail: c.Detail}
	for _, id := range c.UserIDs {
		u := users[id]
		rc.SalesforceUsers = append(rc.SalesforceUsers, report.UserRef{ID: id, Username: u.Username, Name: u.Name})
	}
	return rc
}

// usernames are the usernames of user ids, where the state knows them.
func usernames(ids []string, users map[string]state.UserRef) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if u, ok := users[id]; ok {
			out[i] = u.Username
		}
	}
	return out
}

// StoredReport is the report run id left in the state file (state.ErrNotFound
// when there is no such run).
func StoredReport(db *state.DB, id int64) (*report.Report, error) {
	raw, err := db.Report(id)
	if err != nil {
		return nil, err
	}
	var rep report.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, fmt.Errorf("run %d: stored report is unreadable: %w", id, err)
	}
	return &rep, nil
}
