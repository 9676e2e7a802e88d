package report

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"voiceid/match"
)

// A shell reads each suggested command back into exactly the words meant,
// whatever a username holds: quotes, $( ), backticks, spaces, ; and globs.
func TestPinCommandQuotesEveryArgumentForAPOSIXShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	for _, name := range []string{"plain@example.com", "o'brien@example.com", `it's "x" $(touch pwned) ` + "`id`" + `; rm -rf * | &`, "'", "a\tb", "*"} {
		c := Conflict{Kind: "pin_broken", Provider: "aircall", Value: "7", ProviderIDs: []string{"7"}, SalesforceUserIDs: []string{"005A00000000001AAA"},
			SalesforceUsers: []UserRef{{ID: "005A00000000001AAA", Username: name}}}
		fix := PinCommand(c)
		args, ok := strings.CutPrefix(fix.Command, "voiceid ")
		if !ok {
			t.Fatalf("%q: command %q", name, fix.Command)
		}
		// the shell splits the words as it would for voiceid; set -f: no globbing either
		cmd := exec.Command(sh, "-c", `set -f; for a in `+args+`; do printf '[%s]\n' "$a"; done`)
		cmd.Dir = t.TempDir()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: sh: %v", name, err)
		}
		want := "[unpin]\n[" + name + "]\n[--aircall]\n"
		if string(out) != want {
			t.Errorf("%q: the shell read %q, want %q", name, out, want)
		}
	}
}

// The commands follow what each kind needs, from conflicts that match itself
// makes, so that a change of match's wording shows here.
func TestPinCommandPerKindFromMatchsOwnConflicts(t *testing.T) {
	const rc = match.Provider("ringcentral")
	people := func(ps ...match.Person) map[match.Provider][]match.Person {
		return map[match.Provider][]match.Person{rc: ps}
	}
	per := func(id string, f func(*match.Person)) match.Person {
		p := match.Person{Provider: rc, ID: id, Eligible: true, Owner: match.OwnerPerson, State: "User Enabled", Name: "P" + id}
		if f != nil {
			f(&p)
		}
		return p
	}
	opts := match.Options{DefaultRegion: "US", Providers: []match.Provider{rc}, Rules: map[match.Provider]match.Rules{rc: {Extensions: true}}}
	cases := []struct {
		name    string
		in      match.Input
		kind    string
		command string // "" when none is right
	}{
		{"one user, two people share an email: pin the first person, a guess to check",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x", Email: "a@x.com"}},
				People: people(per("11", func(p *match.Person) { p.Email = "a@x.com" }), per("12", func(p *match.Person) { p.Email = "a@x.com" }))},
			"duplicate_email", "voiceid pin u1@x --ringcentral 11"},
		{"the email links, the extension disagrees: pin the link that stands",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x", Email: "a@x.com", Extension: "102"}},
				People: people(per("11", func(p *match.Person) { p.Email = "a@x.com"; p.Extension = "101" }), per("12", func(p *match.Person) { p.Extension = "102" }))},
			"rule_disagreement", "voiceid pin u1@x --ringcentral 11"},
		{"a person's extension and another user's email disagree: pin the owner's link",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x", Email: "a@x.com"}, {ID: "U2", Username: "u2@x", Extension: "101"}},
				People: people(per("11", func(p *match.Person) { p.Email = "a@x.com"; p.Extension = "101" }))},
			"rule_disagreement", "voiceid pin u1@x --ringcentral 11"},
		{"a disabled person's id in the field: pin none for that provider",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x", Fields: match.Fields{{Provider: rc, Value: "99"}}}},
				People: people(per("99", func(p *match.Person) { p.Eligible, p.State = false, "User Disabled" }))},
			"stale_identifier", "voiceid pin u1@x --none --provider ringcentral"},
		{"a pin to a missing person: unpin",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x"}}, Pins: []match.Pin{{UserID: "U1", Provider: rc, PersonID: "404"}}},
			"pin_broken", "voiceid unpin u1@x --ringcentral"},
		{"an invalid phone: no pin helps",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x", Phone: "555-CALL-NOW"}}},
			"invalid_phone", ""},
		{"two users pinned to one person: unpin all but one, no guess",
			match.Input{Users: []match.User{{ID: "U1", Username: "u1@x"}, {ID: "U2", Username: "u2@x"}}, People: people(per("11", nil)),
				Pins: []match.Pin{{UserID: "U1", Provider: rc, PersonID: "11"}, {UserID: "U2", Provider: rc, PersonID: "11"}}},
			"ambiguous_match", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Options = opts
			plan := match.Build(tc.in)
			i := slices.IndexFunc(plan.Conflicts, func(c match.Conflict) bool { return string(c.Kind) == tc.kind })
			if i < 0 {
				t.Fatalf("match made no %s: %+v", tc.kind, plan.Conflicts)
			}
			mc := plan.Conflicts[i]
			c := Conflict{Kind: string(mc.Kind), Provider: string(mc.Provider), Value: mc.Value, ProviderIDs: mc.PersonIDs,
				SalesforceUserIDs: mc.UserIDs, Detail: mc.Detail}
			for _, id := range mc.UserIDs {
				c.SalesforceUsers = append(c.SalesforceUsers, UserRef{ID: id, Username: strings.ToLower(id) + "@x"})
			}
			fix := PinCommand(c)
			if fix.Command != tc.command || fix.Note == "" {
				t.Errorf("PinCommand = %q (note %q), want %q", fix.Command, fix.Note, tc.command)
			}
			if strings.HasPrefix(fix.Command, "voiceid pin") && tc.kind != "rule_disagreement" && tc.kind != "stale_identifier" &&
				!strings.Contains(fix.Note, "check") {
				t.Errorf("a guessed pin is not marked for checking: %q", fix.Note)
			}
		})
	}
}
