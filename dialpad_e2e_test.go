package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"voiceid/provider/all"
	"voiceid/provider/dialpad"
	"voiceid/provider/dialpad/dialpadsim"

	"voiceid/config"
	"voiceid/internal/schematest"
	"voiceid/report"
	"voiceid/sandbox"
)

// dialpadShape is the simulators of the tests' company with a third of it also on Dialpad.
func dialpadShape() []sandbox.Simulator {
	sims := all.Simulators()
	for i := range sims {
		if sims[i].Name == string(dialpad.Name) {
			sims[i].Share.Users = 1.0 / 3
		}
	}
	return sims
}

func findConflict(r *report.Report, kind, provider, value string) *report.Conflict {
	for i, c := range r.Conflicts {
		if c.Kind == kind && c.Provider == provider && c.Value == value {
			return &r.Conflicts[i]
		}
	}
	return nil
}

func TestSyncEndToEndWithDialpad(t *testing.T) {
	org := sandbox.GenerateOrg(200, 11, dialpadShape()...)
	sb, cfg := startShaped(t, org, sandbox.Options{}, "")
	dir := filepath.Dir(sb.ConfigPath)
	if !cfg.Enabled(dialpad.Name) {
		t.Fatal("the stack of an org with Dialpad users did not turn [dialpad] on")
	}
	// the stack's Dialpad answers as REST does: string ids, a final page without items
	if d := dialpadsim.InStack(sb); d.NumericIDs || d.ItemsOnLastPage {
		t.Fatal("the e2e Dialpad simulator is not in its documented default shape")
	}

	applied := sync(t, cfg, false, filepath.Join(dir, "apply.json"))
	if applied.Run.Status != "ok" {
		t.Fatalf("apply: status %s", applied.Run.Status)
	}
	checkDialpadLinks(t, sb, applied)
	active := checkDialpadBulkUsers(t, sb)
	checkDialpadReport(t, filepath.Join(dir, "apply.json"), applied, cfg, active)

	// a re-run right after plans zero changes
	if again := sync(t, cfg, false); again.Counts.Changes != 0 {
		t.Errorf("re-run planned %d changes", again.Counts.Changes)
	}
}

// checkDialpadLinks checks the planted Dialpad users' fields and conflicts.
func checkDialpadLinks(t *testing.T, sb *sandbox.Stack, applied *report.Report) {
	t.Helper()
	p := dialpadsim.InOrg(sb.Org).Planted
	field := func(id string) string {
		u, ok := sb.Salesforce.User(id)
		if !ok {
			t.Fatalf("no Salesforce user %s", id)
		}
		return u.Identifiers["dialpad"]
	}
	for _, c := range []struct{ what, user, want string }{
		{"linked by its second email", p.EmailUser, p.EmailPerson},
		{"linked by extension, an id above 2^53 written exactly", p.ExtensionUser, "9007199254740993"},
		{"linked by phone", p.PhoneUser, p.PhonePerson},
		{"Phone is the department's line: not linked", p.LineUser, ""},
		{"holds a suspended user's id: left as it is", p.StaleUser, p.StalePerson},
	} {
		if got := field(c.user); got != c.want {
			t.Errorf("%s: field %q, want %q", c.what, got, c.want)
		}
	}
	if c := findConflict(applied, "shared_number", "dialpad", p.Line); c == nil {
		t.Errorf("no shared_number for the department's line %s", p.Line)
	} else if !slices.Equal(c.ProviderIDs, []string{"department:" + p.Department}) || !slices.Equal(c.SalesforceUserIDs, []string{p.LineUser}) ||
		!strings.Contains(c.Detail, "Dialpad department") {
		t.Errorf("shared_number %+v does not name the department and the user", *c)
	}
	if c := findConflict(applied, "stale_identifier", "dialpad", p.StalePerson); c == nil || !slices.Equal(c.SalesforceUserIDs, []string{p.StaleUser}) {
		t.Errorf("stale_identifier for %s: %+v", p.StalePerson, c)
	}
}

// checkDialpadBulkUsers checks that every bulk Dialpad user is linked by
// email to the Salesforce user of that email, and that the users list was
// read in pages of 25 ending with one without items; it returns the number
// of active Dialpad users.
func checkDialpadBulkUsers(t *testing.T, sb *sandbox.Stack) (active int) {
	t.Helper()
	byEmail := map[string]string{}
	for _, u := range sb.Salesforce.Users() {
		byEmail[strings.ToLower(u.Email)] = u.Identifiers["dialpad"]
	}
	for _, d := range dialpadsim.InOrg(sb.Org).Users {
		if d.ID >= 5100000000100000 && d.ID < 5200000000000000 { // the bulk users
			if got := byEmail[d.Emails[0]]; got != jsonID(d.ID) {
				t.Errorf("%s holds %q, want %d", d.Emails[0], got, d.ID)
			}
		}
		if d.State == "active" {
			active++
		}
	}
	// 60-odd active users at 25 a page end with a page without items
	if got, want := dialpadsim.InStack(sb).Requests("/api/v2/users"), active/25+1+1; got != want {
		t.Errorf("%d users requests for %d active users, want %d (the last without items)", got, active, want)
	}
	return active
}

// checkDialpadReport checks that the report, its JSON and its text show
// Dialpad with no edit of their own.
func checkDialpadReport(t *testing.T, jsonFile string, applied *report.Report, cfg *config.Config, active int) {
	t.Helper()
	raw, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, raw)
	var doc struct {
		Counts struct {
			DialpadPeople int            `json:"dialpad_people"`
			Linked        map[string]int `json:"linked"`
		} `json:"counts"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Counts.DialpadPeople < active || doc.Counts.Linked["dialpad"] < active-1 {
		t.Errorf("counts: dialpad_people %d, linked %d; want at least %d and %d", doc.Counts.DialpadPeople, doc.Counts.Linked["dialpad"], active, active-1)
	}
	var text bytes.Buffer
	if err := applied.Render(&text, "txt", cfg.Location()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Dialpad") {
		t.Errorf("the text report does not show Dialpad:\n%s", text.String())
	}
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

func TestStackWithoutDialpadUsersLeavesDialpadOff(t *testing.T) {
	sb, cfg := startShaped(t, sandbox.GenerateOrg(60, 3, all.Simulators()...), sandbox.Options{}, "")
	src, err := os.ReadFile(sb.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), "[dialpad]") || cfg.Enabled(dialpad.Name) || dialpadsim.InStack(sb) != nil {
		t.Error("an org without Dialpad users got a [dialpad] section")
	}
	for _, p := range cfg.Job().Providers {
		if p.Name == "dialpad" {
			t.Error("Dialpad is among the providers of a config without [dialpad]")
		}
	}
}
