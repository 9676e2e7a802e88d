package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"voiceid/match"
)

// TextOptions shape the text rendering.
type TextOptions struct {
	Location *time.Location // times are shown in it (UTC if nil)
	Limit    int            // rows shown per group; 0 = all
}

// advice says what an administrator can do about each conflict kind.
var advice = map[string]string{
	"duplicate_email":   "give each person their own email in the provider or in Salesforce, or pin the right user (voiceid pin)",
	"shared_number":     "give each person their own direct number, or link them by email/extension; a shared Phone also makes the Voice Connector's fallback arbitrary",
	"ambiguous_match":   "decide which record is right and pin it (voiceid pin USER --PROVIDER ID)",
	"rule_disagreement": "check the weaker evidence (extension or phone) on the user and correct it; the stronger link was kept",
	"stale_identifier":  "the field names someone who left or is disabled: clear it, or set clear_stale = true",
	"pin_broken":        "the pinned person is gone or disabled: re-pin (voiceid pin) or remove the pin (voiceid unpin)",
	"invalid_phone":     "correct the number on the record, in international form (+1 650 555 0100)",
	"write_failed":      "read Salesforce's message; the write is tried again on the next run",
}

// Text writes the report for a person: the summary, what needs a person
// (conflicts by kind, clears, failed writes), then the changes by rule.
func (r *Report) Text(w io.Writer, o TextOptions) error {
	r.TitleConflicts()
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	r.textSummary(p, o.Location)
	failed, clears, rest := r.sections()
	if len(r.Conflicts)+len(failed)+len(clears) == 0 {
		p("\nNeeds a person: nothing\n")
	} else {
		p("\nNeeds a person: %d conflicts, %d clears, %d failed writes\n", len(r.Conflicts), len(clears), len(failed))
		r.textConflicts(p, o.Limit)
		textChangeList(p, r.providers(), fmt.Sprintf("Clears (%d): the field is emptied", len(clears)), clears, o.Limit)
		textChangeList(p, r.providers(), fmt.Sprintf("Write failures (%d): Salesforce refused these; the next run tries again", len(failed)), failed, o.Limit)
	}
	textChanges(p, r.providers(), rest, len(failed)+len(clears), o.Limit)
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
	p("voiceid run %d: %s%s%s, %s\n", r.Run.ID, r.Run.Mode, map[bool]string{true: " (backfill)"}[r.Run.Backfill],
		map[bool]string{true: ", fast lane (sync --new)"}[r.Run.Lane == "new"], r.Run.Status)
	if r.Run.Reason != "" {
		p("  reason: %s\n", r.Run.Reason)
	}
	p("  started %s, finished %s\n", r.Run.StartedAt.In(loc).Format("2006-01-02 15:04:05 MST"), r.Run.FinishedAt.In(loc).Format("15:04:05"))
	c := r.Counts
	var read, linked []string
	for _, prov := range peopleOrder(c.People) {
		read = append(read, fmt.Sprintf("%d %s people", c.People[prov], r.providers().title(prov)))
		linked = append(linked, fmt.Sprintf("%s %d", r.providers().title(prov), c.Linked[prov]))
	}
	p("\nRead: %d Salesforce users, %s\n", c.SalesforceUsers, strings.Join(read, ", "))
	p("Linked: %s\n", strings.Join(linked, ", "))
	verb := "would change"
	if r.Run.Mode == "apply" {
		verb = "changes"
	}
	p("Fields: %d %s (applied %d, failed %d); %d conflicts; %d people unmatched\n", c.Changes, verb, c.Applied, c.Failed, c.Conflicts, len(r.Unmatched))
	if c.Deferred > 0 {
		p("Deferred to the complete run: %d fills the fast lane cannot confirm on what it read now\n", c.Deferred)
	}
	if r.SalesforceAPIUsage != nil {
		p("Salesforce API usage: %d of %d today\n", r.SalesforceAPIUsage.Used, r.SalesforceAPIUsage.Limit)
	}
}

// textChanges writes the changes that link a person, grouped by rule, strongest rule first.
func textChanges(p printf, ps providers, rest []*Change, above, limit int) {
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
		textChangeList(p, ps, fmt.Sprintf("%s (%d)", rule, len(byRule[rule])), byRule[rule], limit)
	}
}

// textChangeList writes one group of changes: each on a line, with the
// person it names and the evidence on the next.
func textChangeList(p printf, ps providers, heading string, list []*Change, limit int) {
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
			ps.title(ch.Provider), clean(ch.label()), clean(show(Display(ch.Old))), clean(show(Display(ch.New))), clean(status))
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
		p("  %s (%d): %s\n", kind, len(list), r.providers().advice(kind))
		for i, cf := range list {
			if cut(p, limit, i, len(list)) {
				break
			}
			p("    %-11s %s: %s\n", r.providers().title(cf.Provider), clean(Display(cf.Value)), clean(cf.Detail))
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
		p("    %-11s %-14s %s <%s>\n", r.providers().title(u.Provider), u.ProviderID, clean(u.Name), clean(u.Email))
	}
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
		if note := p.stateNote(); note != "" {
			label += " " + note
		}
		parts = append(parts, c.title()+" "+label)
	}
	return strings.Join(parts, "; ")
}
