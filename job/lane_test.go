package job

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"voiceid/match"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/sandbox"
	"voiceid/state"
)

// hire is one new person in Salesforce, RingCentral and Aircall, with one email.
func hire(sb *sandbox.Stack, id int, email string) (user string, rc string, ac string) {
	user = fmt.Sprintf("005NEWHIRE%05dAAA", id) // 18 characters, as Salesforce's ids
	sb.Salesforce.Hire(sandbox.SFUser{ID: user, Username: email + ".prod", FirstName: "New", LastName: "Hire", Email: email,
		IsActive: true, UserType: "Standard", CountryCode: "US"})
	rcID := int64(77000000 + id)
	ringcentralsim.InStack(sb).Hire(ringcentralsim.Entry{ID: rcID, Type: "User", Status: "Enabled", FirstName: "New", LastName: "Hire",
		Email: email, Extension: fmt.Sprint(9000 + id)})
	acID := int64(990000 + id)
	aircallsim.InStack(sb).Hire(aircallsim.User{ID: acID, Name: "New Hire", Email: email},
		aircallsim.Number{ID: 8800000 + acID, Digits: fmt.Sprintf("+1 646-555-%04d", 177+id), Country: "US", UserIDs: []int64{acID}})
	return user, itoa(rcID), itoa(acID)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A new hire who appears in Salesforce, RingCentral and Aircall after the
// night's complete run is linked by the fast lane: both fields filled, with
// Aircall read only from where the complete run left it (2 + 1 a hire calls).
// A second fast run has nothing left to link.
func TestTheFastLaneLinksANewHireAfterTheCompleteRun(t *testing.T) {
	sb, o := stack(t, 600, 9)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatalf("the complete run: %v", err)
	}
	user, rc, ac := hire(sb, 0, "nina.newhire@example.com")
	o.New, o.Backfill, o.Safety = true, false, Safety{MaxChanges: DefaultMaxChanges, MaxChangeRatio: DefaultMaxChangeRatio}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("the fast lane: %v %+v", err, rep.Changes)
	}
	if rep.Run.Lane != state.LaneNew || rep.Counts.Changes != 2 || rep.Counts.Applied != 2 {
		t.Fatalf("lane %s, counts %+v: want the new hire's two fields filled", rep.Run.Lane, rep.Counts)
	}
	u, _ := sb.Salesforce.User(user)
	if u.Identifiers["ringcentral"] != rc || u.Identifiers["aircall"] != ac {
		t.Errorf("the new hire holds %v, want ringcentral %s and aircall %s", u.Identifiers, rc, ac)
	}
	if calls := rep.APICalls["aircall"]; calls > 2+1 {
		t.Errorf("%d Aircall calls for one new hire, want at most 3", calls)
	}
	again, err := Run(context.Background(), o)
	if err != nil || again.Counts.Changes != 0 {
		t.Errorf("a second fast run: %v, %+v; want nothing left to link", err, again.Counts)
	}
}

// Before any complete run the fast lane has nothing to build on: it refuses,
// and says to run one.
func TestTheFastLaneNeedsACompleteRunFirst(t *testing.T) {
	_, o := stack(t, 120, 3)
	o.New, o.Backfill = true, false
	if _, err := Run(context.Background(), o); !errors.Is(err, ErrNoCompleteRun) {
		t.Fatalf("the fast lane on a new state file: %v, want ErrNoCompleteRun", err)
	}
	db, _ := state.Open(o.StatePath)
	defer db.Close()
	if runs, _ := db.Runs(5); len(runs) != 0 {
		t.Errorf("a refused fast run recorded %+v", runs)
	}
}

// A new Aircall person whose email a remembered one also holds (it may have
// changed since the complete run: the fast lane cannot know) is a doubt: no
// write, and the duplicate_email conflict names the new person.
func TestTheFastLaneWritesNothingOnADoubtAboutANewPerson(t *testing.T) {
	sb, o := stack(t, 300, 4)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	acSim := aircallsim.InStack(sb)
	taken := aircallsim.InOrg(sb.Org).Users[0].Email // a remembered person's email
	acSim.Hire(aircallsim.User{ID: 990100, Name: "Echo", Email: taken})
	o.New, o.Backfill = true, false
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Changes {
		if c.Provider == "aircall" && c.New == "990100" {
			t.Errorf("the fast lane wrote %+v on a doubtful email", c)
		}
	}
	found := false
	for _, c := range rep.Conflicts {
		found = found || (c.Kind == string(match.DuplicateEmail) && c.Provider == "aircall" && slices.Contains(c.ProviderIDs, "990100"))
	}
	if !found {
		t.Errorf("no duplicate_email conflict names the new person: %+v", rep.Conflicts)
	}
}

// The fast lane reads only the Salesforce users changed since the complete
// run read them (SystemModstamp), over the ones it remembered: one query page
// where the complete run read three. What changed in Salesforce since is
// seen, never the remembered copy: a field an administrator filled by hand
// is not overwritten, and a user deactivated since is not linked.
//
// How Salesforce dates its answers is UNCONFIRMED (docs/providers/salesforce.md:
// Query), so the simulator answers three ways: Date on one clock with the
// records (the fast run hours later); Date ten minutes ahead of the records'
// clock, with the changes made right after the complete read (within the
// margin the fast lane reads from); and no Date at all, when nothing is built
// on and every user is read.
func TestTheFastLaneReadsTheSalesforceUsersChangedSinceTheCompleteRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(*sandbox.SalesforceSim)
		later time.Duration // between the complete run and the changes
		pages func(int) bool
	}{
		{"dated", func(*sandbox.SalesforceSim) {}, 4 * time.Hour, func(n int) bool { return n == 1 }},
		{"dated ahead of the records", func(s *sandbox.SalesforceSim) { s.DateAhead = 10 * time.Minute }, 0, func(n int) bool { return n == 1 }},
		{"undated", func(s *sandbox.SalesforceSim) { s.NoDate = true }, 4 * time.Hour, func(n int) bool { return n >= 3 }},
	} {
		t.Run(tc.name, func(t *testing.T) { changedSinceTheCompleteRun(t, tc.set, tc.later, tc.pages) })
	}
}

func changedSinceTheCompleteRun(t *testing.T, set func(*sandbox.SalesforceSim), later time.Duration, wantPages func(int) bool) {
	sb, o := stack(t, 4500, 11)
	set(sb.Salesforce) // before any request
	uma := sandbox.SFUser{ID: "005LATESTART01UMAA", Username: "uma.late@example.com.prod", FirstName: "Uma", LastName: "Late",
		Email: "uma.late@example.com", IsActive: true, UserType: "Standard", CountryCode: "US"}
	vic := sandbox.SFUser{ID: "005LATESTART02VICA", Username: "vic.late@example.com.prod", FirstName: "Vic", LastName: "Late",
		Email: "vic.late@example.com", IsActive: true, UserType: "Standard", CountryCode: "US"}
	sb.Salesforce.Hire(uma, vic) // in Salesforce only, until after the complete run
	query := "/services/data/v" + sandbox.StackAPIVersion + "/query"
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// The complete run's writes came after its read: a fast run would read
	// those users again. The next night's run, which writes nothing, is the
	// one the fast lane builds on.
	sb.Salesforce.Advance(24 * time.Hour)
	before := sb.Salesforce.Requests(query)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	completePages := sb.Salesforce.Requests(query) - before
	sb.Salesforce.Advance(later)

	sb.Salesforce.Edit(uma.ID, func(u *sandbox.SFUser) { u.SetIdentifier("aircall", "424242") }) // by hand, since
	sb.Salesforce.Edit(vic.ID, func(u *sandbox.SFUser) { u.IsActive = false })
	aircallsim.InStack(sb).Hire(aircallsim.User{ID: 990200, Name: "Uma Late", Email: uma.Email})
	ringcentralsim.InStack(sb).Hire(ringcentralsim.Entry{ID: 77000200, Type: "User", Status: "Enabled", FirstName: "Vic", LastName: "Late",
		Email: vic.Email, Extension: "9200"})
	user, rc, ac := hire(sb, 1, "nina.newhire@example.com")

	o.New, o.Backfill, o.Safety = true, false, Safety{MaxChanges: DefaultMaxChanges, MaxChangeRatio: DefaultMaxChangeRatio}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if pages := sb.Salesforce.Requests(query) - before - completePages; completePages < 3 || !wantPages(pages) {
		t.Errorf("the complete run read %d query pages, the fast lane %d", completePages, pages)
	}
	if got, _ := sb.Salesforce.User(uma.ID); got.Identifiers["aircall"] != "424242" {
		t.Errorf("the field filled by hand since the complete run holds %q, want 424242 kept", got.Identifiers["aircall"])
	}
	for _, c := range rep.Changes {
		if c.SalesforceUserID == uma.ID || c.SalesforceUserID == vic.ID {
			t.Errorf("the fast lane planned %+v on a user changed since the complete run", c)
		}
	}
	if got, _ := sb.Salesforce.User(user); got.Identifiers["ringcentral"] != rc || got.Identifiers["aircall"] != ac {
		t.Errorf("the new hire holds %v, want ringcentral %s and aircall %s", got.Identifiers, rc, ac)
	}
	if rep.Counts.SalesforceUsers != len(activeStandard(sb)) {
		t.Errorf("the fast lane counted %d Salesforce users, want %d: every user a complete run would read now", rep.Counts.SalesforceUsers, len(activeStandard(sb)))
	}
}

// When the users were read another way than the fast lane would read them
// now (here: an identifier field fewer), the remembered ones are not built
// on: every user is read.
func TestTheFastLaneReadsEveryUserWhenTheRememberedOnesWereReadAnotherWay(t *testing.T) {
	sb, o := stack(t, 4500, 12)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	query := "/services/data/v" + sandbox.StackAPIVersion + "/query"
	before := sb.Salesforce.Requests(query)
	o.New, o.Backfill = true, false
	o.Providers = o.Providers[1:] // Aircall only: the RingCentral field is no longer selected
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if pages := sb.Salesforce.Requests(query) - before; pages < 3 {
		t.Errorf("the fast lane read %d query pages, want every user (3 or more)", pages)
	}
	if rep.Counts.SalesforceUsers != len(activeStandard(sb)) {
		t.Errorf("counted %d Salesforce users, want %d", rep.Counts.SalesforceUsers, len(activeStandard(sb)))
	}
}

// activeStandard are the users a run reads, as the simulator holds them now.
func activeStandard(sb *sandbox.Stack) []sandbox.SFUser {
	var out []sandbox.SFUser
	for _, u := range sb.Salesforce.Users() {
		if u.IsActive && u.UserType == "Standard" {
			out = append(out, u)
		}
	}
	return out
}
