package match

import (
	"strings"
	"testing"
)

// dialpadLike stands for a provider whose people have several emails and
// whose numbers may belong to offices and departments (OwnerLines).
const dialpadLike Provider = "dialpad"

func buildOne(users []User, people []Person, rules Rules) Plan {
	for i := range people {
		people[i].Provider = dialpadLike
	}
	return Build(Input{Users: users, People: map[Provider][]Person{dialpadLike: people},
		Options: Options{DefaultRegion: "US", Providers: []Provider{dialpadLike}, Rules: map[Provider]Rules{dialpadLike: rules}}})
}

func withEmails(p Person, emails ...string) Person {
	p.Emails = emails
	return p
}

func TestASecondEmailLinksLikeTheFirst(t *testing.T) {
	plan := buildOne([]User{usr("A", "Email=Ada.Alias@Example.com")},
		[]Person{withEmails(per("P", "Email=ada@example.com"), "ada.alias@example.com")}, Rules{})
	if got := strings.Join(linkStrings(plan), " "); got != "A:dialpad~P(email)" {
		t.Errorf("links %q, want A linked to P by its second email", got)
	}
}

func TestEmailsOfOnePersonAtTwoUsersAreAmbiguous(t *testing.T) {
	plan := buildOne([]User{usr("A", "Email=a@x.com"), usr("B", "Email=b@x.com")},
		[]Person{withEmails(per("P", "Email=a@x.com"), "B@X.com")}, Rules{})
	if len(plan.Links) != 0 {
		t.Errorf("links %q, want none", linkStrings(plan))
	}
	if got := strings.Join(conflictStrings(plan), " "); got != "ambiguous_match:dialpad:a@x.com b@x.com[P|A,B]" {
		t.Errorf("conflicts %q", got)
	}
}

func TestASecondEmailHeldByAnotherPersonIsADuplicate(t *testing.T) {
	plan := buildOne([]User{usr("A", "Email=desk@x.com")},
		[]Person{withEmails(per("P", "Email=p@x.com"), "desk@x.com"), per("Q", "Email=Desk@x.com")}, Rules{})
	if len(plan.Links) != 0 {
		t.Errorf("links %q, want none", linkStrings(plan))
	}
	if got := strings.Join(conflictStrings(plan), " "); got != "duplicate_email:dialpad:desk@x.com[P,Q|A]" {
		t.Errorf("conflicts %q", got)
	}
}

func TestAnOwnerLineHeldByAUserIsASharedNumberNamingTheOwner(t *testing.T) {
	people := func() []Person {
		d := per("D", "Type=Department", "Direct=+16505550199")
		d.Name = "Support"
		return []Person{d, per("P", "Email=a@x.com")}
	}
	users := []User{usr("A", "Email=a@x.com", "Phone=(650) 555-0199")}
	plan := buildOne(users, people(), Rules{OwnerLines: true})
	if got := strings.Join(conflictStrings(plan), " "); got != "shared_number:dialpad:+16505550199[D|A]" {
		t.Fatalf("conflicts %q, want the department's line shared with A", got)
	}
	if d := plan.Conflicts[0].Detail; !strings.Contains(d, "department Support (D)") {
		t.Errorf("detail %q does not name the department", d)
	}
	if got := strings.Join(linkStrings(plan), " "); got != "A:dialpad~P(email)" {
		t.Errorf("links %q: the email link must stand", got)
	}
	if plan := buildOne(users, people(), Rules{}); len(plan.Conflicts) != 0 {
		t.Errorf("without OwnerLines: conflicts %q, want none (RingCentral's rule)", conflictStrings(plan))
	}
}

// Conflicts read as a person writes them: the provider's title, not its
// key, and counts in agreement with their nouns.
func TestConflictSentencesNameTheProviderAndAgreeInNumber(t *testing.T) {
	in := Input{Users: []User{usr("A", "Email=desk@x.com"), usr("B", "Email=Desk@x.com")},
		People: map[Provider][]Person{rc: {per("P", "Email=desk@x.com")}},
		Options: Options{DefaultRegion: "US", Providers: []Provider{rc}, Rules: testRules,
			Naming: map[Provider]Naming{rc: {Title: "RingCentral", Entry: "entry", Entries: "entries"}}}}
	plan := Build(in)
	want := "email held by 1 eligible RingCentral person and 2 active Salesforce users; nobody is linked by it"
	if len(plan.Conflicts) != 1 || plan.Conflicts[0].Detail != want {
		t.Fatalf("conflicts %+v, want one whose detail is %q", plan.Conflicts, want)
	}
	in.Users = in.Users[:1]
	in.People[rc] = append(in.People[rc], per("Q", "Email=desk@x.com"))
	want = "email held by 2 eligible RingCentral people and 1 active Salesforce user; nobody is linked by it"
	if plan := Build(in); len(plan.Conflicts) != 1 || plan.Conflicts[0].Detail != want {
		t.Errorf("conflicts %+v, want one whose detail is %q", plan.Conflicts, want)
	}
}
