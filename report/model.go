// Package report renders what one run planned, wrote and could not decide,
// as JSON (report-schema.json), text for a terminal, CSV for a spreadsheet and
// one self-contained HTML page for review.
package report

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"voiceid/match"
	"voiceid/provider"

	"github.com/nyaruka/phonenumbers"
)

// SchemaVersion is the report-schema.json version written.
const SchemaVersion = 1

// Report is one run's report; its JSON form follows report-schema.json.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Run           Run    `json:"run"`
	Counts        Counts `json:"counts"`
	// Conflicts come before the changes: a review starts with what needs a person.
	Conflicts []Conflict `json:"conflicts"`
	// Changes are in review order (ReviewFirst) when the job assembles them.
	Changes   []Change    `json:"changes"`
	Unmatched []Unmatched `json:"unmatched"`
	// APICalls counts HTTP requests per service (beyond the schema's required keys).
	APICalls map[string]int64 `json:"api_calls,omitempty"`
	// SalesforceAPIUsage is the org's daily API usage after the run, from Sforce-Limit-Info.
	SalesforceAPIUsage *Usage `json:"salesforce_api_usage,omitempty"`
	// Providers are the providers the report names, in report order: their
	// titles and words (not stored; a stored report takes the registry's).
	Providers []provider.Info `json:"-"`
}

// Run describes the run.
type Run struct {
	ID         int64           `json:"id"`
	Mode       string          `json:"mode"` // dry-run | apply
	Backfill   bool            `json:"backfill"`
	Lane       string          `json:"lane,omitempty"` // complete | new (the fast lane); absent: complete
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Status     match.RunStatus `json:"status"`
	Reason     string          `json:"reason,omitempty"`
}

// Counts are the run's totals.
type Counts struct {
	SalesforceUsers int
	// People read per provider; in JSON "<provider>_people", where the schema
	// requires some providers' counts (Report.RequiredPeople; 0 when off).
	People    map[string]int
	Linked    map[string]int
	Changes   int
	Applied   int
	Failed    int
	Conflicts int
	// Deferred are the fast lane's fills that wait for the complete run (JSON "deferred", only when some do).
	Deferred int
}

// Change is one identifier field the run changes (or would change).
type Change struct {
	SalesforceUserID   string             `json:"salesforce_user_id"`
	SalesforceUsername string             `json:"salesforce_username,omitempty"`
	Name               string             `json:"name,omitempty"`
	Provider           string             `json:"provider"`
	Field              string             `json:"field"` // API name
	FieldLabel         string             `json:"field_label,omitempty"`
	Old                string             `json:"old"`
	New                string             `json:"new"`
	Rule               string             `json:"rule"`
	Status             match.ChangeStatus `json:"status"` // planned | applied | failed | skipped
	Error              string             `json:"error,omitempty"`
	// Evidence is what the rule matched: an email, an extension, number(s), or "pin".
	Evidence string `json:"evidence,omitempty"`
	// Person is whom the new value names; for a clear, whom the old value named.
	Person *PersonRef `json:"person,omitempty"`
}

// Why a change needs a person's eye (Change.NeedsPerson).
const (
	WriteFailed = "write failed"
	Clears      = "clears the field"
)

// NeedsPerson says why a change needs a person's eye before or after it is
// written: a failed write or an emptied field; "" when it does not.
func (c *Change) NeedsPerson() string {
	switch {
	case c.Status == match.ChangeFailed:
		return WriteFailed
	case c.New == "":
		return Clears
	}
	return ""
}

// ReviewFirst puts the lists in the order every format shows them: the
// conflicts by kind; the changes that need a person (failed writes, then
// clears) before the rest. Each keeps its order within.
func (r *Report) ReviewFirst() {
	slices.SortStableFunc(r.Conflicts, func(a, b Conflict) int { return kindRank(a.Kind) - kindRank(b.Kind) })
	rank := map[string]int{WriteFailed: 0, Clears: 1, "": 2}
	slices.SortStableFunc(r.Changes, func(a, b Change) int { return rank[a.NeedsPerson()] - rank[b.NeedsPerson()] })
}

// sections splits the changes in review order: failed writes, clears, the rest.
func (r *Report) sections() (failed, clears, rest []*Change) {
	for i := range r.Changes {
		c := &r.Changes[i]
		switch c.NeedsPerson() {
		case WriteFailed:
			failed = append(failed, c)
		case Clears:
			clears = append(clears, c)
		default:
			rest = append(rest, c)
		}
	}
	return failed, clears, rest
}

// Conflict is one thing the run could not decide.
type Conflict struct {
	Kind              string     `json:"kind"`
	Provider          string     `json:"provider"`
	Value             string     `json:"value"`
	ProviderIDs       []string   `json:"provider_ids"`
	SalesforceUserIDs []string   `json:"salesforce_user_ids"`
	Detail            string     `json:"detail,omitempty"`
	FirstSeen         *time.Time `json:"first_seen,omitempty"`
	// ProviderTitle is the provider as people write it (its Info.Title), for
	// the suggested fix; "" shows the provider's key.
	ProviderTitle string `json:"-"`
	// The records involved, so that a reader need not look ids up.
	SalesforceUsers []UserRef   `json:"salesforce_users,omitempty"`
	People          []PersonRef `json:"people,omitempty"`
}

// UserRef names a Salesforce user.
type UserRef struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
}

// PersonRef names a provider person.
type PersonRef struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// State is the provider's own words for the entry ("User Enabled",
	// "Department Enabled", "suspended"), or "missing" when it is not in the directory.
	State string `json:"state,omitempty"`
	// Eligible is voiceid's judgement beside those words: the person may be
	// linked. Absent in reports stored before it was recorded.
	Eligible *bool `json:"eligible,omitempty"`
	// Numbers are the person's direct numbers, as the provider wrote them.
	Numbers []string `json:"numbers,omitempty"`
}

// ineligible reports whether the person may not be linked: voiceid's
// judgement, or for an older stored report, a state other than an enabled user's.
func (p *PersonRef) ineligible() bool {
	if p.Eligible != nil {
		return !*p.Eligible
	}
	return p.State != "" && p.State != "User Enabled"
}

// stateNote is what a listing adds to a person who may not be linked: the
// provider's words for why.
func (p *PersonRef) stateNote() string {
	switch {
	case !p.ineligible():
		return ""
	case p.State == "":
		return "[not eligible]"
	}
	return "[" + p.State + "]"
}

// describe names a person: name, email, numbers and id, as far as known.
func (p *PersonRef) describe() string {
	parts := []string{}
	if p.Name != "" {
		parts = append(parts, p.Name)
	}
	if p.Email != "" {
		parts = append(parts, "<"+p.Email+">")
	}
	for _, n := range p.Numbers {
		parts = append(parts, Display(n))
	}
	parts = append(parts, "("+p.ID+")")
	if note := p.stateNote(); note != "" {
		parts = append(parts, note)
	}
	return strings.Join(parts, " ")
}

// Unmatched is an eligible person no user is linked to.
type Unmatched struct {
	Provider   string `json:"provider"`
	ProviderID string `json:"provider_id"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
}

// Usage is used/limit of the Salesforce daily API allowance.
type Usage struct {
	Used  int `json:"used"`
	Limit int `json:"limit"`
}

// groupBy groups items by key; keys are in the order they first appear.
func groupBy[T any](items []T, key func(T) string) (keys []string, groups map[string][]T) {
	groups = map[string][]T{}
	for _, it := range items {
		k := key(it)
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], it)
	}
	return keys, groups
}

// maxShown is the most characters of one value a text report shows: a name
// or message longer than this is an attack or an accident, not data to read.
const maxShown = 200

// clean keeps a value on its line and in its order: control characters
// become spaces, bidirectional controls (which can make a line read
// backwards, "Trojan Source") are dropped, and an absurd length is cut.
func clean(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return ' '
		case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(out) > maxShown {
		out = string([]rune(out)[:maxShown]) + "…"
	}
	return out
}

// Display shows an E.164 number in international format ("+1 650-555-0100");
// any other value is returned as it is.
func Display(v string) string {
	if !strings.HasPrefix(v, "+") {
		return v
	}
	num, err := phonenumbers.Parse(v, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return v
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

func ruleRank(r string) int {
	for i, x := range []string{"pin", "email", "extension", "phone", "moved", "stale"} {
		if x == r {
			return i
		}
	}
	return 99
}

func show(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

func userLabel(name, username, id string) string {
	switch {
	case name != "" && username != "":
		return name + " <" + username + ">"
	case username != "":
		return username
	case name != "":
		return name + " (" + id + ")"
	}
	return id
}
