// Package dialpadsim simulates the parts of Dialpad's API v2 that voiceid
// reads, holding to docs/providers/dialpad.md, and makes Dialpad's part of
// the sandbox's generated organisations. The stack, the demo, the bench and
// the tests take it as its Simulator.
package dialpadsim

import (
	"fmt"

	"voiceid/sandbox"
)

// Name is the provider's key: its section of voiceid.toml, its report keys.
const Name = "dialpad"

// Field is Dialpad's identifier field on the simulated User object.
var Field = sandbox.Field{Provider: Name, Name: "cnx__Dialpad_User_Identifier__c", Label: "Dialpad User Identifier"}

// Key is the stack's Dialpad API key: a made-up credential the simulator accepts.
const Key = "sim-dialpad-key"

// StackLimit is the simulated Dialpad company's raised limit (per
// second), so that demo, tests and bench do not wait a real company's pace.
const StackLimit = 10_000

// DefaultBudget is voiceid's default Dialpad budget, a quarter of the
// company's 20 a second (provider/dialpad's test holds it to
// DefaultRequestsPerSecond).
const DefaultBudget = 5

// Simulator is Dialpad's simulator as the sandbox takes it: nobody
// on it by default (orgs made before Dialpad support stay the same), a
// tenth of the demo's company.
func Simulator() sandbox.Simulator {
	return sandbox.Simulator{Name: Name, Title: "Dialpad", Field: Field,
		Demo: sandbox.Share{Users: 0.1}, Generate: newGenerator,
		Start: func(org *sandbox.Org) (sandbox.Sim, error) {
			part := InOrg(org)
			if len(part.Users) == 0 {
				return nil, nil // no section: Dialpad is off, and configs without it stay as they were
			}
			sim := New(part.Users, part.Owners, Key)
			sim.RateLimit = StackLimit // the shapes stay strict; only the company limit is raised
			return sim, nil
		},
		Count:    func(org *sandbox.Org) string { return fmt.Sprintf("%d Dialpad users", len(InOrg(org).Users)) },
		MinCalls: minCalls,
		Budget: func(calls int) string {
			return fmt.Sprintf("Dialpad %.1f min (%d calls/s)", float64(calls)/(60*DefaultBudget), DefaultBudget)
		},
	}
}

// minCalls: pages of 25 (limit left out) of the active users and of every
// number, each list closed by a last page without items (the simulator's
// strict shape): the documents give no way to know the end sooner.
func minCalls(org *sandbox.Org) int {
	part := InOrg(org)
	if len(part.Users) == 0 {
		return 0
	}
	active, numbers := 0, 0
	for _, u := range part.Users {
		numbers += len(u.Numbers)
		if u.State == "active" {
			active++
		}
	}
	for _, o := range part.Owners {
		numbers += len(o.Numbers)
	}
	return (active+24)/25 + 1 + (numbers+24)/25 + 1
}

// InStack is the stack's Dialpad simulator; nil when Dialpad is off.
func InStack(s *sandbox.Stack) *Sim {
	sim, _ := s.Sim(Name).(*Sim)
	return sim
}

// Section points voiceid at the simulator, with half its company limit.
func (s *Sim) Section() string {
	return fmt.Sprintf("[dialpad]\nbase_url = %q\napi_key = %q\nrequests_per_second = %d\n", s.URL(), s.key, s.RateLimit/2)
}
