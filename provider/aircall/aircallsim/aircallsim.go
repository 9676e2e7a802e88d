// Package aircallsim simulates the parts of Aircall's public API that voiceid
// reads, holding to docs/providers/aircall.md, and makes Aircall's part of
// the sandbox's generated organisations. The stack, the demo, the bench and
// the tests take it as its Simulator.
package aircallsim

import (
	"fmt"
	"strconv"

	"voiceid/sandbox"
)

// Name is the provider's key: its section of voiceid.toml, its report keys.
const Name = "aircall"

// Field is Aircall's identifier field on the simulated User object.
var Field = sandbox.Field{Provider: Name, Name: "cnx__Aircall_User_Identifier__c", Label: "Aircall User Identifier"}

// The stack's Aircall API key: made-up credentials the simulator accepts.
const (
	APIID    = "sim-aircall-id"
	APIToken = "sim-aircall-token"
)

// StackLimit is the stack's Aircall company limit per minute: raised
// (Aircall raises limits on request) so that demo and tests run fast, while
// the answers keep their strict shape. voiceid's config takes half of it.
const StackLimit = 6_000_000

// DefaultBudget is voiceid's default Aircall budget, half the company's 120
// a minute: a real account's pace (provider/aircall's test holds it to
// DefaultRequestsPerMinute).
const DefaultBudget = 60

// Simulator is Aircall's simulator as the sandbox takes it: the
// support quarter of the company, each with a line; a fifth of the bench's,
// a quarter of those with a line.
func Simulator() sandbox.Simulator {
	share := sandbox.Share{Users: 0.25, Lines: 1}
	return sandbox.Simulator{Name: Name, Title: "Aircall", Field: Field,
		Share: share, Demo: share, Bench: sandbox.Share{Users: 0.2, Lines: 0.25},
		Generate: newGenerator,
		Start: func(org *sandbox.Org) (sandbox.Sim, error) {
			part := InOrg(org)
			sim := New(part.Users, part.Numbers, APIID, APIToken)
			sim.RateLimit = StackLimit
			return sim, nil
		},
		Count:    func(org *sandbox.Org) string { return fmt.Sprintf("%d Aircall users", len(InOrg(org).Users)) },
		MinCalls: minCalls,
		Budget: func(calls int) string {
			return fmt.Sprintf("Aircall %.0f min (%d calls/min)", float64(calls)/DefaultBudget, DefaultBudget)
		},
		Audit: audit,
		Hire: func(sim sandbox.Sim, p sandbox.Person) string {
			id := int64(90_000_000 + p.Index)
			line, _ := sandbox.USNumber(30_000_000 + p.Index)
			sim.(*Sim).Hire(User{ID: id, Name: p.First + " " + p.Last, Email: p.Email, TimeZone: "America/New_York", Language: "en-US"},
				Number{ID: 80_000_000 + id, Name: p.First + "'s line", Digits: line, Country: p.Country, UserIDs: []int64{id}})
			return strconv.FormatInt(id, 10)
		},
	}
}

// minCalls: users and numbers in pages of 50; the numbers list names
// nobody, so each number is read once.
func minCalls(org *sandbox.Org) int {
	part := InOrg(org)
	lines := len(part.Numbers)
	return (len(part.Users)+49)/50 + (lines+49)/50 + lines
}

// audit holds a read to the stack's strict Aircall: a 400 past 10,000
// records, assignments on single-number reads only.
func audit(sim sandbox.Sim, org *sandbox.Org) error {
	if n := sim.Answered(400); n != 0 {
		return fmt.Errorf("voiceid asked Aircall for %d pages past the 10,000-record cap", n)
	}
	if got, lines := sim.Requests("/v1/numbers/"), len(InOrg(org).Numbers); got != lines {
		return fmt.Errorf("voiceid read %d single Aircall numbers, want each of the %d once", got, lines)
	}
	return nil
}

// InStack is the stack's Aircall simulator, or nil.
func InStack(s *sandbox.Stack) *Sim {
	sim, _ := s.Sim(Name).(*Sim)
	return sim
}

// Section points voiceid at the simulator, with half its company limit.
func (s *Sim) Section() string {
	return fmt.Sprintf("[aircall]\nbase_url = %q\napi_id = %q\napi_token = %q\nrequests_per_minute = %d\n",
		s.URL(), s.apiID, s.apiToken, s.RateLimit/2)
}
