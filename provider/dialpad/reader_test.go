package dialpad

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"voiceid/internal/fakeclock"
	"voiceid/match"
	"voiceid/provider/dialpad/dialpadsim"
	"voiceid/provider/read"
	"voiceid/sandbox"
)

const dpKey = "dp-test-key"

// aboveFloat is 2^53 + 1: a 16-digit id a float64 cannot hold exactly.
const aboveFloat = 9007199254740993

// dialpadCompany is n active users (the first with two emails, an extension
// and the id above 2^53), a suspended and a deleted user, and the owners of
// an office main line, a department line and a room line.
func dialpadCompany(n int) ([]dialpadsim.User, []dialpadsim.Owner) {
	var users []dialpadsim.User
	for i := range n {
		u := dialpadsim.User{ID: 5100000000001000 + int64(i), FirstName: "User", LastName: fmt.Sprint(i),
			Emails: []string{fmt.Sprintf("user%d@example.com", i)}, Numbers: []string{fmt.Sprintf("+1650555%04d", 1000+i)},
			State: "active", OfficeID: 5100000000000011}
		if i == 0 {
			u.ID, u.Extension = aboveFloat, "101"
			u.Emails = append(u.Emails, "Alias0@Example.com")
		}
		users = append(users, u)
	}
	users = append(users,
		dialpadsim.User{ID: 5100000000009001, FirstName: "Sus", LastName: "Pended", Emails: []string{"sus@example.com"}, State: "suspended"},
		dialpadsim.User{ID: 5100000000009002, FirstName: "De", LastName: "Leted", Emails: []string{"del@example.com"}, State: "deleted"})
	owners := []dialpadsim.Owner{
		{ID: 5100000000000011, Kind: "office", Name: "HQ", Numbers: []string{"+16505550100"}},
		{ID: 5100000000000201, Kind: "department", Name: "Support", Numbers: []string{"+16505550199", "+16505550198"}, OfficeID: 5100000000000011},
		{ID: 5100000000000301, Kind: "room", Name: "Boardroom", Numbers: []string{"+16505550197"}, OfficeID: 5100000000000011},
		{ID: 5100000000000401, Kind: "callcenter", Name: "No lines"},
	}
	return users, owners
}

func dpSim(t *testing.T, n int, clk *fakeclock.Clock) *dialpadsim.Sim {
	t.Helper()
	users, owners := dialpadCompany(n)
	sim := dialpadsim.New(users, owners, dpKey)
	sim.Now = clk.Now
	t.Cleanup(sim.Close)
	return sim
}

func dpReader(sim *dialpadsim.Sim, clk *fakeclock.Clock, adjust func(*Config)) (*Reader, *strings.Builder) {
	var log strings.Builder
	cfg := Config{BaseURL: sim.URL(), APIKey: dpKey, Sleep: clk.Sleep, Now: clk.Now,
		Log: func(format string, args ...any) { fmt.Fprintf(&log, format+"\n", args...) }}
	if adjust != nil {
		adjust(&cfg)
	}
	return New(cfg), &log
}

func dpUsersOf(people []match.Person) []match.Person {
	var out []match.Person
	for _, p := range people {
		if p.Owner == match.OwnerPerson {
			out = append(out, p)
		}
	}
	return out
}

func TestDialpadReadsActiveUsersWithExactIDsAndEveryEmail(t *testing.T) {
	clk := newClock()
	sim := dpSim(t, 60, clk)
	sim.DefaultState = "all" // a reader that left state out would get the suspended and deleted users
	r, _ := dpReader(sim, clk, nil)
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	users := dpUsersOf(people)
	if len(users) != 60 {
		t.Fatalf("%d users, want the 60 active ones", len(users))
	}
	first := users[slices.IndexFunc(users, func(p match.Person) bool { return p.Extension == "101" })]
	if first.ID != "9007199254740993" {
		t.Errorf("id %q, want 9007199254740993 exactly (never through float64)", first.ID)
	}
	if first.Email != "user0@example.com" || !slices.Equal(first.Emails, []string{"Alias0@Example.com"}) {
		t.Errorf("emails %q + %q, want the first as Email and the rest in Emails", first.Email, first.Emails)
	}
	if !first.Eligible || first.State != "active" || len(first.Numbers) != 1 || first.Numbers[0] != (match.Number{Raw: "+16505551000", Direct: true}) {
		t.Errorf("user 0: %+v", first)
	}
	for _, p := range people {
		if p.ID == "5100000000009001" || p.ID == "5100000000009002" {
			t.Errorf("non-active user %s was read: its identifier must be stale", p.ID)
		}
	}
	// 60 users at 25 a page: 3 pages and the final page without items
	if n := sim.Requests("/api/v2/users"); n != 4 {
		t.Errorf("%d users requests, want 4", n)
	}
}

func TestDialpadPagingEndsOnEachDocumentedEnd(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(*dialpadsim.Sim)
		calls int
	}{
		{"final page without items", func(s *dialpadsim.Sim) {}, 4},
		{"cursor absent on the last page with items", func(s *dialpadsim.Sim) { s.ItemsOnLastPage = true }, 3},
		{"cursor null", func(s *dialpadsim.Sim) { s.ItemsOnLastPage, s.NullCursor = true, true }, 3},
		{"ids as JSON numbers", func(s *dialpadsim.Sim) { s.NumericIDs = true }, 4},
		{"a page of 100", func(s *dialpadsim.Sim) { s.PageSize = 100 }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			sim := dpSim(t, 60, clk)
			tc.set(sim)
			r, _ := dpReader(sim, clk, nil)
			people, err := r.People(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			users := dpUsersOf(people)
			if len(users) != 60 || !slices.ContainsFunc(users, func(p match.Person) bool { return p.ID == "9007199254740993" }) {
				t.Errorf("%d users, want 60 with id 9007199254740993", len(users))
			}
			if n := sim.Requests("/api/v2/users"); n != tc.calls {
				t.Errorf("%d users requests, want %d", n, tc.calls)
			}
		})
	}
}

func TestDialpadRepeatedCursorIsAnErrorNotALoop(t *testing.T) {
	clk := newClock()
	sim := dpSim(t, 10, clk)
	sim.Inject(sandbox.Fault{Path: "/api/v2/users", Status: 200, Times: 3, Body: `{"items":[{"id":"1","state":"active"}],"cursor":"same-_-1"}`})
	r, _ := dpReader(sim, clk, nil)
	_, err := r.People(context.Background(), nil)
	if !errors.Is(err, read.ErrIncomplete) || !strings.Contains(err.Error(), "repeats an earlier cursor") {
		t.Fatalf("err = %v, want an incomplete read naming the repeated cursor", err)
	}
	if n := sim.Requests("/api/v2/users"); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// ownersOf maps each non-user entry to its type and sorted numbers.
func ownersOf(people []match.Person) map[string]string {
	out := map[string]string{}
	for _, p := range people {
		if p.Owner == match.OwnerPerson {
			continue
		}
		var nums []string
		for _, n := range p.Numbers {
			if !n.Direct {
				nums = append(nums, "not direct")
			}
			nums = append(nums, n.Raw)
		}
		slices.Sort(nums)
		out[p.ID] = string(p.Owner) + " " + strings.Join(nums, ",")
		if p.Eligible {
			out[p.ID] += " ELIGIBLE"
		}
	}
	return out
}

var wantOwners = map[string]string{
	"office:5100000000000011":     "office +16505550100",
	"department:5100000000000201": "department +16505550198,+16505550199",
	"room:5100000000000301":       "room +16505550197",
}

// readOwners reads a 30-user Dialpad company, with an admin key or without,
// and checks the owners of its numbers against wantOwners.
func readOwners(t *testing.T, admin bool) (*dialpadsim.Sim, []match.Person, *strings.Builder) {
	t.Helper()
	clk := newClock()
	sim := dpSim(t, 30, clk)
	sim.NotAdmin = !admin
	r, log := dpReader(sim, clk, nil)
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ownersOf(people); fmt.Sprint(got) != fmt.Sprint(wantOwners) {
		t.Errorf("owners %v\nwant %v", got, wantOwners)
	}
	return sim, people, log
}

func TestDialpadOwnersOfNumbersWithAnAdminKeyComeFromTheNumbersList(t *testing.T) {
	sim, _, log := readOwners(t, true)
	if n := sim.Requests("/api/v2/departments") + sim.Requests("/api/v2/offices"); n != 0 {
		t.Errorf("%d requests to the entity lists, want none with an admin key", n)
	}
	if !strings.Contains(log.String(), "/api/v2/numbers names the owners") {
		t.Errorf("log does not say where the owners came from: %q", log.String())
	}
}

func TestDialpadOwnersOfNumbersWithoutAnAdminKeyComeFromEachKind(t *testing.T) {
	sim, people, log := readOwners(t, false)
	for _, p := range people {
		if p.Owner == match.OwnerDepartment && p.Name != "Support" {
			t.Errorf("department named %q, want Support", p.Name)
		}
	}
	if !strings.Contains(log.String(), "needs a company-admin key (403)") {
		t.Errorf("log does not say why the entity lists were read: %q", log.String())
	}
	for _, path := range []string{"/api/v2/offices", "/api/v2/departments", "/api/v2/callcenters", "/api/v2/rooms", "/api/v2/callrouters"} {
		if sim.Requests(path) == 0 {
			t.Errorf("%s was not read", path)
		}
	}
}

func TestDialpadNeverExceedsItsBudget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int
		want   int
	}{{"default budget", 0, DefaultRequestsPerSecond}, {"configured budget", 2, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			sim := dpSim(t, 300, clk) // 13 users pages and 1 numbers page
			r, _ := dpReader(sim, clk, func(c *Config) { c.RequestsPerSecond = tc.budget })
			if _, err := r.People(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			times := sim.RequestTimes()
			if got := busiest(times, time.Second); got > tc.want {
				t.Errorf("%d requests in one second, budget %d", got, tc.want)
			}
			if took, least := times[len(times)-1].Sub(times[0]), time.Duration(len(times)-1)*time.Second/time.Duration(tc.want); took < least {
				t.Errorf("%d requests took %v, want at least %v at %d/s", len(times), took, least, tc.want)
			}
			if n := sim.Answered(http.StatusTooManyRequests); n != 0 {
				t.Errorf("%d answers were 429", n)
			}
		})
	}
}

func TestDialpad429BacksOffAndHonoursRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		header   map[string]string
		min, max time.Duration
	}{{"no headers: backoff 1 s then 2 s", nil, time.Second, 2 * time.Second}, {"Retry-After: 7", map[string]string{"Retry-After": "7"}, 7 * time.Second, 7 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			sim := dpSim(t, 10, clk)
			sim.Inject(sandbox.Fault{Path: "/api/v2/users", Status: 429, Times: 2, Header: tc.header})
			r, _ := dpReader(sim, clk, nil)
			people, err := r.People(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(dpUsersOf(people)) != 10 {
				t.Errorf("%d users, want 10", len(dpUsersOf(people)))
			}
			if long := clk.Longest(); long < tc.min || long > tc.max {
				t.Errorf("longest wait %v, want %v to %v", long, tc.min, tc.max)
			}
		})
	}
}

func TestDialpadExpiredKeySaysWhereToMakeANewOne(t *testing.T) {
	clk := newClock()
	sim := dpSim(t, 10, clk)
	sim.Expired = true
	r, _ := dpReader(sim, clk, nil)
	for name, call := range map[string]func() error{
		"check":  func() error { return r.Check(context.Background()) },
		"people": func() error { _, err := r.People(context.Background(), nil); return err },
	} {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "API Keys") {
			t.Errorf("%s: err = %v, want a 401 that says keys expire and where to make one", name, err)
		} else if strings.Contains(err.Error(), dpKey) {
			t.Errorf("%s: error prints the key: %v", name, err)
		}
	}
	if n := sim.Requests(""); n != 2 {
		t.Errorf("%d requests, want 1 each: a 401 is not retried", n)
	}
}

func TestDialpadCheckWithoutAnAdminKeyReadsOnePageOfUsers(t *testing.T) {
	clk := newClock()
	sim := dpSim(t, 60, clk)
	sim.NotAdmin = true
	r, _ := dpReader(sim, clk, nil)
	if err := r.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sim.Requests("/api/v2/company") != 1 || sim.Requests("/api/v2/users") != 1 {
		t.Errorf("requests: company %d, users %d; want one each", sim.Requests("/api/v2/company"), sim.Requests("/api/v2/users"))
	}
}

// An office and a department may share an id (Dialpad does not say ids of
// different kinds are distinct): they stay two owners, each with its lines.
func TestDialpadOwnersOfTwoKindsWithOneIDStayTwo(t *testing.T) {
	clk := newClock()
	users, owners := dialpadCompany(3)
	owners = append(owners, dialpadsim.Owner{ID: 5100000000000011, Kind: "department", Name: "Twin", Numbers: []string{"+16505550150"}})
	sim := dialpadsim.New(users, owners, dpKey)
	sim.Now = clk.Now
	t.Cleanup(sim.Close)
	r, _ := dpReader(sim, clk, nil)
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := ownersOf(people)
	if got["office:5100000000000011"] == "" || got["department:5100000000000011"] != "department +16505550150" {
		t.Errorf("owners %v: an office and a department with one id were not kept apart", got)
	}
}
