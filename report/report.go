// Package report renders what one run planned, wrote and could not decide,
// as JSON (report-schema.json), text for a terminal, CSV for a spreadsheet and
// one self-contained HTML page for review.
package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
	"voiceid/directory"
	"voiceid/match"

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
}

// Run describes the run.
type Run struct {
	ID         int64           `json:"id"`
	Mode       string          `json:"mode"` // dry-run | apply
	Backfill   bool            `json:"backfill"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Status     match.RunStatus `json:"status"`
	Reason     string          `json:"reason,omitempty"`
}

// Counts are the run's totals.
type Counts struct {
	SalesforceUsers int
	// People read per provider; in JSON "<provider>_people", where the schema
	// requires ringcentral_people and aircall_people (0 when off).
	People    map[string]int
	Linked    map[string]int
	Changes   int
	Applied   int
	Failed    int
	Conflicts int
}

// requiredPeople are the providers whose people count the schema requires.
var requiredPeople = []string{"ringcentral", "aircall"}

// countsJSON is Counts as the schema spells it, but for the people counts.
type countsJSON struct {
	SalesforceUsers int            `json:"salesforce_users"`
	Linked          map[string]int `json:"linked"`
	Changes         int            `json:"changes"`
	Applied         int            `json:"applied"`
	Failed          int            `json:"failed"`
	Conflicts       int            `json:"conflicts"`
}

// MarshalJSON writes one "<provider>_people" key per provider read.
func (c Counts) MarshalJSON() ([]byte, error) {
	fixed, err := json.Marshal(countsJSON{c.SalesforceUsers, c.Linked, c.Changes, c.Applied, c.Failed, c.Conflicts})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("{")
	for _, p := range peopleOrder(c.People) {
		fmt.Fprintf(&b, "%q:%d,", p+"_people", c.People[p])
	}
	b.Write(fixed[1:])
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes (stored reports).
func (c *Counts) UnmarshalJSON(data []byte) error {
	var fixed countsJSON
	if err := json.Unmarshal(data, &fixed); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*c = Counts{SalesforceUsers: fixed.SalesforceUsers, Linked: fixed.Linked, Changes: fixed.Changes, Applied: fixed.Applied,
		Failed: fixed.Failed, Conflicts: fixed.Conflicts, People: map[string]int{}}
	for k, v := range all {
		if p, ok := strings.CutSuffix(k, "_people"); ok {
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("counts.%s: %w", k, err)
			}
			c.People[p] = n
		}
	}
	return nil
}

// peopleOrder lists the providers of a people count: the required ones
// first, always, then the others by name.
func peopleOrder(people map[string]int) []string {
	out := slices.Clone(requiredPeople)
	var rest []string
	for p := range people {
		if !slices.Contains(requiredPeople, p) {
			rest = append(rest, p)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
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
	// The records involved, so that a reader need not look ids up.
	SalesforceUsers []UserRef   `json:"salesforce_users,omitempty"`
	People          []PersonRef `json:"people,omitempty"`
}

// MarshalJSON writes the conflict with its suggested fix, worked out from the
// conflict itself when written, so that a stored report never holds a stale one.
func (c Conflict) MarshalJSON() ([]byte, error) {
	type plain Conflict // without this method
	return json.Marshal(struct {
		plain
		Fix Fix `json:"fix"`
	}{plain(c), PinCommand(c)})
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
	State string `json:"state,omitempty"` // "User Enabled", "Department Enabled", "missing"...
	// Numbers are the person's direct numbers, as the provider wrote them.
	Numbers []string `json:"numbers,omitempty"`
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
	if p.State != "" && p.State != "User Enabled" {
		parts = append(parts, "["+p.State+"]")
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

// JSON writes the report as indented JSON (as encoding/json's Encoder with a
// two-space indent writes it). The lists are written one element at a time: a
// backfill's changes are tens of megabytes of JSON, which built whole would be
// the largest allocation of the run.
func (r *Report) JSON(w io.Writer) error {
	return r.stream(w, "  ")
}

// CompactJSON writes the report as json.Marshal does, the lists streamed.
func (r *Report) CompactJSON(w io.Writer) error {
	return r.stream(w, "")
}

func (r *Report) stream(w io.Writer, indent string) error {
	skeleton := *r
	skeleton.Changes, skeleton.Conflicts, skeleton.Unmatched = nil, nil, nil
	head, err := marshal(skeleton, "", indent)
	if err != nil {
		return err
	}
	sep := ":"
	if indent != "" {
		sep = ": "
	}
	bw := bufio.NewWriter(w)
	lists := []struct {
		key   string
		write func() error
	}{
		{"conflicts", func() error { return writeList(bw, r.Conflicts, indent) }},
		{"changes", func() error { return writeList(bw, r.Changes, indent) }},
		{"unmatched", func() error { return writeList(bw, r.Unmatched, indent) }},
	}
	for _, l := range lists {
		// the key, unescaped quotes and all, cannot occur inside a JSON string
		key := []byte(`"` + l.key + `"` + sep)
		i := bytes.Index(head, append(key, "null"...))
		if i < 0 {
			return fmt.Errorf("report: %s missing from the JSON", l.key)
		}
		bw.Write(head[:i+len(key)])
		if err := l.write(); err != nil {
			return err
		}
		head = head[i+len(key)+len("null"):]
	}
	bw.Write(head)
	if indent != "" {
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// marshal is json.Marshal, or json.MarshalIndent when there is an indent.
func marshal(v any, prefix, indent string) ([]byte, error) {
	if indent == "" {
		return json.Marshal(v)
	}
	return json.MarshalIndent(v, prefix, indent)
}

// writeList writes a top-level list of the report, one element at a time.
func writeList[T any](w *bufio.Writer, items []T, indent string) error {
	switch {
	case items == nil:
		_, err := w.WriteString("null")
		return err
	case len(items) == 0:
		_, err := w.WriteString("[]")
		return err
	}
	w.WriteByte('[')
	prefix := indent + indent // elements sit two levels deep
	for i, it := range items {
		if i > 0 {
			w.WriteByte(',')
		}
		if indent != "" {
			w.WriteString("\n" + prefix)
		}
		b, err := marshal(it, prefix, indent)
		if err != nil {
			return err
		}
		w.Write(b)
	}
	if indent != "" {
		w.WriteString("\n" + indent)
	}
	return w.WriteByte(']')
}

// Formats are the report formats by file extension.
var Formats = []string{"txt", "csv", "json", "html"}

// Render writes the report in a format ("txt", "csv", "json").
func (r *Report) Render(w io.Writer, format string, loc *time.Location) error {
	switch format {
	case "json":
		return r.JSON(w)
	case "txt":
		return r.Text(w, TextOptions{Location: loc})
	case "csv":
		return r.CSV(w)
	case "html":
		return r.HTML(w, loc)
	}
	return fmt.Errorf("unknown report format %q (use %s)", format, strings.Join(Formats, ", "))
}

// FormatOf is the format a report file name asks for.
func FormatOf(path string) (string, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	for _, f := range Formats {
		if ext == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("report file %s: unknown extension %q (use .%s)", path, ext, strings.Join(Formats, ", ."))
}

// CheckTarget tells, before a run writes anything, whether a report can be
// written at path: a known extension, an existing directory this process can
// create files in, and not a directory itself.
func CheckTarget(path string) error {
	if _, err := FormatOf(path); err != nil {
		return err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("report file %s is a directory", path)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("report file %s: directory %s does not exist: create it or choose another path", path, dir)
	}
	probe, err := os.CreateTemp(dir, ".voiceid-report-*")
	if err != nil {
		return fmt.Errorf("report file %s: cannot write in %s: %v", path, dir, errors.Unwrap(err))
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return err
	}
	// WriteFile replaces the file by renaming over it: an immutable file, or
	// one another user owns in a sticky directory, refuses that. Moving the
	// file aside and back asks the same question and keeps its content.
	if _, err := os.Lstat(path); err == nil {
		if err := os.Rename(path, probe.Name()); err != nil {
			return fmt.Errorf("report file %s exists and cannot be replaced: %v (is it immutable, or another user's?)", path, errors.Unwrap(err))
		}
		if err := os.Rename(probe.Name(), path); err != nil {
			return fmt.Errorf("report file %s: moved aside to %s to test it and could not be moved back: %w", path, probe.Name(), err)
		}
	}
	return nil
}

// WriteFile writes the report to path in the format its extension names,
// through a temporary file so that a failed write leaves no half report.
func (r *Report) WriteFile(path string, loc *time.Location) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".voiceid-report-*")
	if err != nil {
		return fmt.Errorf("report file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := r.Render(tmp, format, loc); err != nil {
		tmp.Close()
		return fmt.Errorf("report file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report file %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// TextOptions shape the text rendering.
type TextOptions struct {
	Location *time.Location // times are shown in it (UTC if nil)
	Limit    int            // rows shown per group; 0 = all
}

// title is a provider's name as people write it (its plug-in's Title); a
// provider no plug-in names, in an old stored report, shows by its name.
func title(p string) string {
	if pl, ok := directory.Lookup(match.Provider(p)); ok {
		return pl.Title
	}
	return p
}

// entries is what a provider's directory lists: users, or its plug-in's word.
func entries(p string) string {
	if pl, ok := directory.Lookup(match.Provider(p)); ok && pl.Entries != "" {
		return pl.Entries
	}
	return "users"
}

// pinFlags is "--ringcentral ID | --aircall ID | ...", one per registered provider.
func pinFlags() string {
	var flags []string
	for _, p := range directory.Registered {
		flags = append(flags, "--"+string(p.Name)+" ID")
	}
	return strings.Join(flags, " | ")
}

// Advice says what an administrator can do about each conflict kind.
var Advice = map[string]string{
	"duplicate_email":   "give each person their own email in the provider or in Salesforce, or pin the right user (voiceid pin)",
	"shared_number":     "give each person their own direct number, or link them by email/extension; a shared Phone also makes the Voice Connector's fallback arbitrary",
	"ambiguous_match":   "decide which record is right and pin it (voiceid pin USER " + pinFlags() + ")",
	"rule_disagreement": "check the weaker evidence (extension or phone) on the user and correct it; the stronger link was kept",
	"stale_identifier":  "the field names someone who left or is disabled: clear it, or set clear_stale = true",
	"pin_broken":        "the pinned person is gone or disabled: re-pin (voiceid pin) or remove the pin (voiceid unpin)",
	"invalid_phone":     "correct the number on the record, in international form (+1 650 555 0100)",
	"write_failed":      "read Salesforce's message; the write is tried again on the next run",
}

// Text writes the report for a person: the summary, what needs a person
// (conflicts by kind, clears, failed writes), then the changes by rule.
func (r *Report) Text(w io.Writer, o TextOptions) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	r.textSummary(p, o.Location)
	failed, clears, rest := r.sections()
	if len(r.Conflicts)+len(failed)+len(clears) == 0 {
		p("\nNeeds a person: nothing\n")
	} else {
		p("\nNeeds a person: %d conflicts, %d clears, %d failed writes\n", len(r.Conflicts), len(clears), len(failed))
		r.textConflicts(p, o.Limit)
		textChangeList(p, fmt.Sprintf("Clears (%d): the field is emptied", len(clears)), clears, o.Limit)
		textChangeList(p, fmt.Sprintf("Write failures (%d): Salesforce refused these; the next run tries again", len(failed)), failed, o.Limit)
	}
	textChanges(p, rest, len(failed)+len(clears), o.Limit)
	r.textUnmatched(p, o.Limit)
	return nil
}

// printf is where the text sections write.
type printf func(format string, a ...any)

// textSummary writes the run's header and its counts.
func (r *Report) textSummary(p printf, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	p("voiceid run %d: %s%s, %s\n", r.Run.ID, r.Run.Mode, map[bool]string{true: " (backfill)"}[r.Run.Backfill], r.Run.Status)
	if r.Run.Reason != "" {
		p("  reason: %s\n", r.Run.Reason)
	}
	p("  started %s, finished %s\n", r.Run.StartedAt.In(loc).Format("2006-01-02 15:04:05 MST"), r.Run.FinishedAt.In(loc).Format("15:04:05"))
	c := r.Counts
	var read, linked []string
	for _, prov := range peopleOrder(c.People) {
		read = append(read, fmt.Sprintf("%d %s people", c.People[prov], title(prov)))
		linked = append(linked, fmt.Sprintf("%s %d", title(prov), c.Linked[prov]))
	}
	p("\nRead: %d Salesforce users, %s\n", c.SalesforceUsers, strings.Join(read, ", "))
	p("Linked: %s\n", strings.Join(linked, ", "))
	verb := "would change"
	if r.Run.Mode == "apply" {
		verb = "changes"
	}
	p("Fields: %d %s (applied %d, failed %d); %d conflicts; %d people unmatched\n", c.Changes, verb, c.Applied, c.Failed, c.Conflicts, len(r.Unmatched))
	if r.SalesforceAPIUsage != nil {
		p("Salesforce API usage: %d of %d today\n", r.SalesforceAPIUsage.Used, r.SalesforceAPIUsage.Limit)
	}
}

// textChanges writes the changes that link a person, grouped by rule, strongest rule first.
func textChanges(p printf, rest []*Change, above, limit int) {
	rules, byRule := groupBy(rest, func(ch *Change) string { return ch.Rule })
	sort.SliceStable(rules, func(i, j int) bool { return ruleRank(rules[i]) < ruleRank(rules[j]) })
	if len(rules) > 0 {
		p("\nChanges by rule")
		if above > 0 {
			p(" (%d more above)", above)
		}
		p("\n")
	}
	for _, rule := range rules {
		textChangeList(p, fmt.Sprintf("%s (%d)", rule, len(byRule[rule])), byRule[rule], limit)
	}
}

// textChangeList writes one group of changes: each on a line, with the
// person it names and the evidence on the next.
func textChangeList(p printf, heading string, list []*Change, limit int) {
	if len(list) == 0 {
		return
	}
	p("  %s\n", heading)
	for i, ch := range list {
		if cut(p, limit, i, len(list)) {
			break
		}
		status := ""
		if ch.Status != match.ChangePlanned {
			status = " [" + string(ch.Status) + "]"
		}
		if ch.Error != "" {
			status += " " + ch.Error
		}
		p("    %-28s %-11s %s: %s -> %s%s\n", clean(userLabel(ch.Name, ch.SalesforceUsername, ch.SalesforceUserID)),
			title(ch.Provider), clean(ch.label()), clean(show(Display(ch.Old))), clean(show(Display(ch.New))), clean(status))
		p("        %s\n", clean(ch.why()))
	}
}

// label is the field as Salesforce shows it, or its API name when the label is unknown.
func (c *Change) label() string {
	if c.FieldLabel != "" {
		return c.FieldLabel
	}
	return c.Field
}

// evidence is the rule and what it matched ("email ann@example.com").
func (c *Change) evidence() string {
	switch c.Rule {
	case "pin":
		return "pinned (voiceid pin)"
	case "moved":
		return "moved: the identifier now belongs to another user"
	case "stale":
		return "stale: the person is gone or disabled (clear_stale)"
	}
	if c.Evidence == "" {
		return c.Rule
	}
	var shown []string
	for _, v := range strings.Fields(c.Evidence) {
		shown = append(shown, Display(v))
	}
	return c.Rule + " " + strings.Join(shown, ", ")
}

// why says whom a change links (or unlinks) and on what evidence.
func (c *Change) why() string {
	who := "person unknown"
	if c.Person != nil {
		who = c.Person.describe()
	}
	if c.New == "" {
		return "was " + who + "; " + c.evidence()
	}
	return "links " + who + "; by " + c.evidence()
}

// textConflicts writes the conflicts grouped by kind, each kind with its
// advice and each conflict with the command that would resolve it.
func (r *Report) textConflicts(p printf, limit int) {
	kinds, byKind := r.conflictsByKind()
	for _, kind := range kinds {
		list := byKind[kind]
		p("  %s (%d): %s\n", kind, len(list), Advice[kind])
		for i, cf := range list {
			if cut(p, limit, i, len(list)) {
				break
			}
			p("    %-11s %s: %s\n", title(cf.Provider), clean(Display(cf.Value)), clean(cf.Detail))
			if names := cf.involved(); names != "" {
				p("                involved: %s\n", clean(names))
			}
			fix := PinCommand(*cf)
			if fix.Command != "" {
				p("                run: %s  # %s\n", clean(fix.Command), clean(fix.Note))
			} else {
				p("                fix: %s\n", clean(fix.Note))
			}
		}
	}
}

// conflictsByKind groups the conflicts by kind, in match's order of kinds.
func (r *Report) conflictsByKind() ([]string, map[string][]*Conflict) {
	ptrs := make([]*Conflict, len(r.Conflicts))
	for i := range r.Conflicts {
		ptrs[i] = &r.Conflicts[i]
	}
	kinds, byKind := groupBy(ptrs, func(cf *Conflict) string { return cf.Kind })
	sort.SliceStable(kinds, func(i, j int) bool { return kindRank(kinds[i]) < kindRank(kinds[j]) })
	return kinds, byKind
}

// kindRank orders conflict kinds as match lists them; unknown kinds last.
func kindRank(k string) int {
	if i := slices.Index(match.Kinds, match.Kind(k)); i >= 0 {
		return i
	}
	return len(match.Kinds)
}

// textUnmatched writes the people no Salesforce user is linked to.
func (r *Report) textUnmatched(p printf, limit int) {
	if len(r.Unmatched) == 0 {
		return
	}
	p("\nUnmatched people (%d): no Salesforce user holds their identifier\n", len(r.Unmatched))
	for i, u := range r.Unmatched {
		if cut(p, limit, i, len(r.Unmatched)) {
			break
		}
		p("    %-11s %-14s %s <%s>\n", title(u.Provider), u.ProviderID, clean(u.Name), clean(u.Email))
	}
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

// cut writes "... and N more" and says stop when item i of n is past the limit (0: none).
func cut(p printf, limit, i, n int) bool {
	if limit > 0 && i == limit {
		p("    ... and %d more\n", n-i)
		return true
	}
	return false
}

// involved lists the records of a conflict by name.
func (c Conflict) involved() string {
	var parts []string
	for _, u := range c.SalesforceUsers {
		parts = append(parts, "user "+userLabel(u.Name, u.Username, u.ID))
	}
	for _, p := range c.People {
		label := p.ID
		if p.Name != "" {
			label = p.Name + " (" + p.ID + ")"
		}
		if p.State != "" && p.State != "User Enabled" {
			label += " [" + p.State + "]"
		}
		parts = append(parts, title(c.Provider)+" "+label)
	}
	return strings.Join(parts, "; ")
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

// CSV writes one row per conflict, then per change, in review order
// (conflicts, failed writes, clears, the rest), with the columns Data Loader
// users expect first and the review's columns after. Every cell goes through
// safeCell: ids and values come from other systems too.
func (r *Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"record", "user_id", "username", "name", "provider", "field", "old", "new", "rule", "status", "error",
		"conflict_kind", "value", "provider_ids", "salesforce_user_ids", "detail",
		"needs_person", "field_label", "evidence", "person_id", "person_name", "person_email", "person_numbers", "fix_command", "fix_note"})
	row := func(cells ...string) {
		for i := range cells {
			cells[i] = safeCell(cells[i])
		}
		cw.Write(cells)
	}
	kinds, byKind := r.conflictsByKind()
	for _, k := range kinds {
		for _, c := range byKind[k] {
			fix := PinCommand(*c)
			row("conflict", "", "", "", c.Provider, "", "", "", "", "", "", c.Kind, c.Value,
				strings.Join(c.ProviderIDs, " "), strings.Join(c.SalesforceUserIDs, " "), c.Detail,
				"conflict", "", "", "", "", "", "", fix.Command, fix.Note)
		}
	}
	failed, clears, rest := r.sections()
	for _, c := range slices.Concat(failed, clears, rest) {
		var p PersonRef
		if c.Person != nil {
			p = *c.Person
		}
		row("change", c.SalesforceUserID, c.SalesforceUsername, c.Name, c.Provider, c.Field,
			c.Old, c.New, c.Rule, string(c.Status), c.Error, "", "", "", "", "",
			c.NeedsPerson(), c.FieldLabel, c.Evidence, p.ID, p.Name, p.Email, strings.Join(p.Numbers, " "), "", "")
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from reading a value as a formula: one that
// starts (after any spaces) with = + - @ a tab or CR, or their full-width
// forms, gets a leading '. A signed run of digits, such as an E.164 number, is
// data (OWASP "CSV Injection").
func safeCell(s string) string {
	t := strings.TrimLeft(s, " ")
	r, _ := utf8.DecodeRuneInString(t)
	if t == "" || !strings.ContainsRune("=+-@\t\r＝＋－＠", r) {
		return s
	}
	if s == t && (r == '+' || r == '-') && len(s) > 1 && strings.Trim(s[1:], "0123456789") == "" {
		return s
	}
	return "'" + s
}
