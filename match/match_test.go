package match

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	rc = RingCentral
	ac = Aircall
)

// usr builds a Salesforce user; fields are "Key=value" (Email, Phone, Mobile,
// Ext, CC, Country, RC, AC).
func usr(id string, fields ...string) User {
	u := User{ID: id, Username: id + "@example.com.prod"}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "Email":
			u.Email = v
		case "Phone":
			u.Phone = v
		case "Mobile":
			u.MobilePhone = v
		case "Ext":
			u.Extension = v
		case "CC":
			u.CountryCode = v
		case "Country":
			u.Country = v
		case "RC":
			u.Fields.Set(rc, v)
		case "AC":
			u.Fields.Set(ac, v)
		default:
			panic("unknown user field " + k)
		}
	}
	return u
}

// per builds an enabled RingCentral user; fields are "Email=", "Ext=",
// "Direct=" (a DirectNumber, repeatable), "Main=" (a MainCompanyNumber),
// "Type=", "Status=" (RingCentral's words, mapped as its reader maps them).
func per(id string, fields ...string) Person {
	p := Person{Provider: rc, ID: id, Name: "Person " + id}
	typ, status := "User", "Enabled"
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "Email":
			p.Email = v
		case "Ext":
			p.Extension = v
		case "Direct":
			p.Numbers = append(p.Numbers, Number{Raw: v, Direct: true})
		case "Main":
			p.Numbers = append(p.Numbers, Number{Raw: v})
		case "Type":
			typ = v
		case "Status":
			status = v
		default:
			panic("unknown person field " + k)
		}
	}
	p.Owner, p.Eligible, p.State = rcKind(typ, status)
	return p
}

// rcKind maps a RingCentral entry's type and status as its reader does.
func rcKind(typ, status string) (Owner, bool, string) {
	owner := map[string]Owner{"User": OwnerPerson, "Department": OwnerDepartment, "Office": OwnerOffice}[typ]
	if owner == "" {
		owner = OwnerOther
	}
	return owner, typ == "User" && status == "Enabled", typ + " " + status
}

func aircallPerson(id string, fields ...string) Person {
	p := per(id, fields...)
	p.Provider = ac
	return p
}

// want lists expected outcomes as short strings:
//
//	changes:   "user:provider=new(rule)"
//	links:     "user:provider~person(rule)"
//	conflicts: "kind:provider:value[persons|users]"
type want struct {
	changes   []string
	links     []string
	conflicts []string
}

func changeStrings(p Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, fmt.Sprintf("%s:%s=%s(%s)", c.UserID, c.Provider, c.New, c.Rule))
	}
	return out
}

func linkStrings(p Plan) []string {
	var out []string
	for _, l := range p.Links {
		out = append(out, fmt.Sprintf("%s:%s~%s(%s)", l.UserID, l.Provider, l.PersonID, l.Rule))
	}
	sort.Strings(out)
	return out
}

func conflictStrings(p Plan) []string {
	var out []string
	for _, c := range p.Conflicts {
		out = append(out, fmt.Sprintf("%s:%s:%s[%s|%s]", c.Kind, c.Provider, c.Value, strings.Join(c.PersonIDs, ","), strings.Join(c.UserIDs, ",")))
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// ruleCase is a small organisation and what Build must make of it: the
// changes, links and conflicts, each written as the *Strings helpers write them.
type ruleCase struct {
	name   string
	users  []User
	people []Person
	ac     []Person
	pins   []Pin
	clear  bool
	want   want
}

// ruleCases are the linking rules, each with the docs/spec.md line or the case it settles.
var ruleCases = []ruleCase{
	{
		name:   "spec example: email links whatever the case; the field becomes the extension id",
		users:  []User{usr("A", "Email=Ann@Example.com")},
		people: []Person{per("814243005", "Email=ann@example.com")},
		want:   want{changes: []string{"A:ringcentral=814243005(email)"}, links: []string{"A:ringcentral~814243005(email)"}},
	},
	{
		name:   "spec example: a US phone links to the person's direct number",
		users:  []User{usr("A", "Phone=(650) 555-0101", "CC=US")},
		people: []Person{per("P", "Direct=+16505550101")},
		want:   want{changes: []string{"A:ringcentral=P(phone)"}, links: []string{"A:ringcentral~P(phone)"}},
	},
	{
		name:   "spec example: two users on one number are a shared number; neither is linked by phone, both may be by email",
		users:  []User{usr("A", "Phone=+1 650 555 0100", "Email=a@x.com"), usr("B", "Email=b@x.com")},
		people: []Person{per("P", "Direct=+16505550100", "Email=a@x.com"), per("Q", "Direct=+16505550100", "Email=b@x.com")},
		want: want{changes: []string{"A:ringcentral=P(email)", "B:ringcentral=Q(email)"},
			links:     []string{"A:ringcentral~P(email)", "B:ringcentral~Q(email)"},
			conflicts: []string{"shared_number:ringcentral:+16505550100[P,Q|A]"}},
	},
	{
		name:   "spec example: email link stands against the extension, which is recorded as a disagreement",
		users:  []User{usr("A", "Email=a@x.com", "Ext=102")},
		people: []Person{per("P", "Email=a@x.com", "Ext=101"), per("Q", "Ext=102")},
		want: want{changes: []string{"A:ringcentral=P(email)"}, links: []string{"A:ringcentral~P(email)"},
			conflicts: []string{"rule_disagreement:ringcentral:102[P,Q|A]"}},
	},
	{
		name:   "spec example: a field naming a disabled person, no rule linking the user: stale, left as is",
		users:  []User{usr("A", "RC=999", "Email=a@x.com")},
		people: []Person{per("999", "Status=Disabled", "Email=gone@x.com")},
		want:   want{conflicts: []string{"stale_identifier:ringcentral:999[999|A]"}},
	},
	{
		name:  "clear_stale clears a field naming a person missing from the directory",
		users: []User{usr("A", "RC=12345")},
		clear: true,
		want:  want{changes: []string{"A:ringcentral=(stale)"}, conflicts: []string{"stale_identifier:ringcentral:12345[12345|A]"}},
	},
	{
		name:   "extension links, the x prefix ignored",
		users:  []User{usr("A", "Ext=x2101")},
		people: []Person{per("P", "Ext=2101")},
		want:   want{changes: []string{"A:ringcentral=P(extension)"}, links: []string{"A:ringcentral~P(extension)"}},
	},
	{
		name:   "an extension held by two users is ambiguous and links nobody",
		users:  []User{usr("A", "Ext=2101"), usr("B", "Ext=2101")},
		people: []Person{per("P", "Ext=2101")},
		want:   want{conflicts: []string{"ambiguous_match:ringcentral:2101[P|A,B]"}},
	},
	{
		name:   "an identifier moves: the other holder's field is cleared",
		users:  []User{usr("A", "Email=a@x.com"), usr("B", "RC=P")},
		people: []Person{per("P", "Email=a@x.com")},
		want: want{changes: []string{"A:ringcentral=P(email)", "B:ringcentral=(moved)"},
			links: []string{"A:ringcentral~P(email)"}},
	},
	{
		name:   "a pin outranks email; the email evidence is a disagreement",
		users:  []User{usr("A", "Email=a@x.com")},
		people: []Person{per("P", "Email=a@x.com"), per("Q")},
		pins:   []Pin{{UserID: "A", Provider: rc, PersonID: "Q"}},
		want: want{changes: []string{"A:ringcentral=Q(pin)"}, links: []string{"A:ringcentral~Q(pin)"},
			conflicts: []string{"rule_disagreement:ringcentral:a@x.com[P,Q|A]"}},
	},
	{
		name:   "pin --none clears the field and keeps every rule away",
		users:  []User{usr("A", "Email=a@x.com", "RC=P")},
		people: []Person{per("P", "Email=a@x.com")},
		pins:   []Pin{{UserID: "A", Provider: rc, None: true}},
		want:   want{changes: []string{"A:ringcentral=(pin)"}},
	},
	{
		name:   "a pin naming a disabled person is broken: field left as is, no rule links the user",
		users:  []User{usr("A", "Email=a@x.com", "RC=OLD")},
		people: []Person{per("P", "Email=a@x.com"), per("Q", "Status=Disabled"), per("OLD")},
		pins:   []Pin{{UserID: "A", Provider: rc, PersonID: "Q"}},
		want:   want{conflicts: []string{"pin_broken:ringcentral:Q[Q|A]"}},
	},
	{
		name:  "a pin naming a missing person is broken",
		users: []User{usr("A")},
		pins:  []Pin{{UserID: "A", Provider: rc, PersonID: "GONE"}},
		want:  want{conflicts: []string{"pin_broken:ringcentral:GONE[GONE|A]"}},
	},
	{
		name:   "two users pinned to one person: ambiguous, neither linked",
		users:  []User{usr("A"), usr("B")},
		people: []Person{per("P")},
		pins:   []Pin{{UserID: "A", Provider: rc, PersonID: "P"}, {UserID: "B", Provider: rc, PersonID: "P"}},
		want:   want{conflicts: []string{"ambiguous_match:ringcentral:P[P|A,B]"}},
	},
	{
		name:   "an email held by two enabled people links nobody",
		users:  []User{usr("A", "Email=desk@x.com")},
		people: []Person{per("P", "Email=desk@x.com"), per("Q", "Email=Desk@X.com")},
		want:   want{conflicts: []string{"duplicate_email:ringcentral:desk@x.com[P,Q|A]"}},
	},
	{
		name:   "an email held by two active users links nobody",
		users:  []User{usr("A", "Email=team@x.com"), usr("B", "Email=team@x.com")},
		people: []Person{per("P", "Email=team@x.com")},
		want:   want{conflicts: []string{"duplicate_email:ringcentral:team@x.com[P|A,B]"}},
	},
	{
		name:   "a disabled person's email does not make a duplicate",
		users:  []User{usr("A", "Email=a@x.com")},
		people: []Person{per("P", "Email=a@x.com"), per("OLD", "Email=a@x.com", "Status=Disabled")},
		want:   want{changes: []string{"A:ringcentral=P(email)"}, links: []string{"A:ringcentral~P(email)"}},
	},
	{
		name:   "a user whose Phone and Mobile point at different people is not linked by phone",
		users:  []User{usr("A", "Phone=+16505550101", "Mobile=+16505550102")},
		people: []Person{per("P", "Direct=+16505550101"), per("Q", "Direct=+16505550102")},
		want:   want{conflicts: []string{"ambiguous_match:ringcentral:+16505550101 +16505550102[P,Q|A]"}},
	},
	{
		name:   "a person whose numbers point at different users is not linked by phone",
		users:  []User{usr("A", "Phone=+16505550101"), usr("B", "Phone=+16505550102")},
		people: []Person{per("P", "Direct=+16505550101", "Direct=+16505550102")},
		want:   want{conflicts: []string{"ambiguous_match:ringcentral:+16505550101 +16505550102[P|A,B]"}},
	},
	{
		name:   "a user's Phone and Mobile on the same person's numbers link once",
		users:  []User{usr("A", "Phone=+16505550101", "Mobile=(650) 555-0102", "CC=US")},
		people: []Person{per("P", "Direct=+16505550101", "Direct=+16505550102")},
		want:   want{changes: []string{"A:ringcentral=P(phone)"}, links: []string{"A:ringcentral~P(phone)"}},
	},
	{
		name:   "an invalid phone is reported and ignored; email still links",
		users:  []User{usr("A", "Phone=555-CALL-NOW", "Email=a@x.com")},
		people: []Person{per("P", "Email=a@x.com")},
		want: want{changes: []string{"A:ringcentral=P(email)"}, links: []string{"A:ringcentral~P(email)"},
			conflicts: []string{"invalid_phone:ringcentral:555-CALL-NOW[|A]"}},
	},
	{
		name:   "a department's direct number links nobody, and with a user's it is shared",
		users:  []User{usr("A", "Phone=+16505550199"), usr("B", "Phone=+16505550198")},
		people: []Person{per("D", "Type=Department", "Direct=+16505550199"), per("E", "Type=Department", "Direct=+16505550198"), per("P", "Direct=+16505550198")},
		want:   want{conflicts: []string{"shared_number:ringcentral:+16505550198[E,P|B]"}},
	},
	{
		name:   "company main numbers never link anyone and are not direct numbers",
		users:  []User{usr("A", "Phone=+18005550100")},
		people: []Person{per("P", "Main=+18005550100")},
		want:   want{},
	},
	{
		name:   "a NotActivated person is not eligible",
		users:  []User{usr("A", "Email=a@x.com")},
		people: []Person{per("P", "Email=a@x.com", "Status=NotActivated")},
		want:   want{},
	},
	{
		name:   "an unlinked user keeps an identifier naming an unclaimed eligible person; no write",
		users:  []User{usr("A", "RC=P", "Email=a@old.com")},
		people: []Person{per("P", "Email=p@new.com")},
		want:   want{links: []string{"A:ringcentral~P(existing)"}},
	},
	{
		name:   "two unlinked users holding one identifier: ambiguous, both left",
		users:  []User{usr("A", "RC=P"), usr("B", "RC=P")},
		people: []Person{per("P")},
		want:   want{conflicts: []string{"ambiguous_match:ringcentral:P[P|A,B]"}},
	},
	{
		name:   "a user linked and already holding the id needs no write",
		users:  []User{usr("A", "Email=a@x.com", "RC=P")},
		people: []Person{per("P", "Email=a@x.com")},
		want:   want{links: []string{"A:ringcentral~P(email)"}},
	},
	{
		name:   "an extension written in the phone is not part of the number",
		users:  []User{usr("A", "Phone=(650) 555-0101 x123", "CC=US")},
		people: []Person{per("P", "Direct=+16505550101")},
		want:   want{changes: []string{"A:ringcentral=P(phone)"}, links: []string{"A:ringcentral~P(phone)"}},
	},
	{
		name:   "Country names the region when CountryCode is empty",
		users:  []User{usr("A", "Phone=020 7946 0999", "Country=United Kingdom")},
		people: []Person{per("P", "Direct=+442079460999")},
		want:   want{changes: []string{"A:ringcentral=P(phone)"}, links: []string{"A:ringcentral~P(phone)"}},
	},
	{
		name:   "a national number in the wrong region is invalid",
		users:  []User{usr("A", "Phone=020 7946 0999", "CC=US")},
		people: []Person{per("P", "Direct=+442079460999")},
		want:   want{conflicts: []string{"invalid_phone:ringcentral:020 7946 0999[|A]"}},
	},
	{
		name:   "providers are linked independently",
		users:  []User{usr("A", "Email=a@x.com", "Phone=+33 1 23 45 67 89")},
		people: []Person{per("P", "Email=a@x.com")},
		ac:     []Person{aircallPerson("51234", "Direct=+33 1 23 45 67 89", "Email=agent@aircall.example")},
		want: want{changes: []string{"A:ringcentral=P(email)", "A:aircall=51234(phone)"},
			links: []string{"A:aircall~51234(phone)", "A:ringcentral~P(email)"}},
	},
	{
		name:  "an Aircall number assigned to several users is shared",
		users: []User{usr("A", "Phone=+33123456789", "CC=FR")},
		ac:    []Person{aircallPerson("1", "Direct=+33 1 23 45 67 89"), aircallPerson("2", "Direct=+33 1 23 45 67 89")},
		want:  want{conflicts: []string{"shared_number:aircall:+33123456789[1,2|A]"}},
	},
	{
		name:  "a user-only conflict is reported once, under the first provider",
		users: []User{usr("A", "Phone=not a phone")},
		ac:    []Person{aircallPerson("1")},
		want:  want{conflicts: []string{"invalid_phone:ringcentral:not a phone[|A]"}},
	},
}

func TestRules(t *testing.T) {
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			plan := Build(Input{Users: tc.users, People: map[Provider][]Person{rc: tc.people, ac: tc.ac},
				Pins: tc.pins, Options: Options{DefaultRegion: "US", ClearStale: tc.clear, Providers: []Provider{rc, ac}, Rules: testRules}})
			check := func(what string, got, want []string) {
				t.Helper()
				if strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
					t.Errorf("%s:\n got  %q\n want %q", what, sorted(got), sorted(want))
				}
			}
			check("changes", changeStrings(plan), tc.want.changes)
			check("links", linkStrings(plan), tc.want.links)
			check("conflicts", conflictStrings(plan), tc.want.conflicts)
			for _, c := range plan.Conflicts {
				if c.Detail == "" {
					t.Errorf("conflict %s has no detail", c.Key())
				}
			}
		})
	}
}

func TestFillPhoneWritesTheOneUniqueDirectNumber(t *testing.T) {
	in := Input{
		Users: []User{usr("A", "Email=a@x.com"), usr("B", "Email=b@x.com"), usr("C", "Email=c@x.com", "Phone=+16505550999"),
			usr("D", "Email=d@x.com"), usr("E", "Email=e@x.com"), usr("F", "Mobile=+16505550106"), usr("G", "RC=V")},
		People: map[Provider][]Person{rc: {
			per("P", "Email=a@x.com", "Direct=+16505550101"),                                  // A: filled
			per("Q", "Email=b@x.com", "Direct=+16505550102", "Direct=+16505550103"),           // two numbers: which one?
			per("R", "Email=c@x.com", "Direct=+16505550104"),                                  // C already has a Phone
			per("S", "Email=d@x.com", "Direct=+16505550105"), per("T", "Direct=+16505550105"), // shared
			per("U", "Email=e@x.com", "Direct=+16505550106"), // F holds it as a mobile
			per("V", "Direct=+16505550107"),                  // G holds V only in its field: no rule confirms it
		}},
		Options: Options{DefaultRegion: "US", FillPhone: true, Providers: []Provider{rc}, Rules: testRules},
	}
	var got []string
	for _, c := range Build(in).Changes {
		if c.Phone {
			got = append(got, c.UserID+"="+c.New+"("+string(c.Rule)+")")
		}
	}
	if strings.Join(got, " ") != "A=+16505550101(email)" {
		t.Errorf("phone write-backs = %v, want only A=+16505550101(email)", got)
	}
	in.Options.FillPhone = false
	for _, c := range Build(in).Changes {
		if c.Phone {
			t.Errorf("phone write-back %+v planned while off", c)
		}
	}
}

func TestUnmatchedAreEligiblePeopleNobodyHolds(t *testing.T) {
	plan := Build(Input{
		Users:   []User{usr("A", "Email=a@x.com"), usr("B", "RC=Q")},
		People:  map[Provider][]Person{rc: {per("P", "Email=a@x.com"), per("Q"), per("R"), per("S", "Status=Disabled"), per("D", "Type=Department")}},
		Options: Options{Providers: []Provider{rc}, Rules: testRules},
	})
	var got []string
	for _, p := range plan.Unmatched {
		got = append(got, p.ID)
	}
	if strings.Join(got, ",") != "R" {
		t.Errorf("unmatched = %v, want [R] (P linked by email, Q kept as existing, S disabled, D a department)", got)
	}
	if plan.Linked(rc) != 2 {
		t.Errorf("linked = %d, want 2 (email and existing)", plan.Linked(rc))
	}
}

func TestChangesCarryTheEvidenceTheirRuleMatched(t *testing.T) {
	plan := Build(Input{
		Users: []User{usr("A", "Email=Ann@Example.com"), usr("B", "Ext=x2101"), usr("C", "Phone=(650) 555-0101", "CC=US"),
			usr("D"), usr("E", "RC=P1"), usr("F", "RC=Q9")},
		People: map[Provider][]Person{rc: {per("P1", "Email=ann@example.com"), per("P2", "Ext=2101"),
			per("P3", "Direct=+16505550101"), per("P4")}},
		Pins:    []Pin{{UserID: "D", Provider: rc, PersonID: "P4"}, {UserID: "F", Provider: rc, None: true}},
		Options: Options{DefaultRegion: "US", Providers: []Provider{rc}, Rules: testRules}})
	got := map[string]string{}
	for _, c := range plan.Changes {
		got[c.UserID+"("+string(c.Rule)+")"] = c.Evidence
	}
	want := map[string]string{"A(email)": "Ann@Example.com", "B(extension)": "2101", "C(phone)": "+16505550101",
		"D(pin)": "pin", "E(moved)": "", "F(pin)": "pin"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("evidence by change:\n got  %v\n want %v", got, want)
	}
}

// A Phone written from one directory must not be a number another directory
// holds: the next run would link the user by it (found by the property test
// once Dialpad joined its random orgs: a re-run planned an Aircall link).
func TestFillPhoneSkipsANumberAnotherProviderHolds(t *testing.T) {
	in := Input{
		Users: []User{usr("A", "Email=a@x.com"), usr("B", "Email=b@x.com")},
		People: map[Provider][]Person{
			rc: {per("P", "Email=a@x.com", "Direct=+16505550101"), per("R", "Email=b@x.com", "Direct=+16505550102")},
			ac: {{Provider: ac, ID: "Q", Eligible: true, Owner: OwnerPerson, Numbers: []Number{{Raw: "+1 650-555-0101", Direct: true}}}},
		},
		Options: Options{DefaultRegion: "US", FillPhone: true, Providers: []Provider{rc, ac}, Rules: testRules},
	}
	var got []string
	for _, c := range Build(in).Changes {
		if c.Phone {
			got = append(got, c.UserID+"="+c.New)
		}
	}
	if strings.Join(got, " ") != "B=+16505550102" {
		t.Errorf("phone write-backs = %v, want only B=+16505550102 (A's number is also an Aircall person's)", got)
	}
}
