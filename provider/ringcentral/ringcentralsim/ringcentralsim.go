// Package ringcentralsim simulates the parts of RingCentral's REST API that
// voiceid reads, holding to docs/providers/ringcentral.md, and makes
// RingCentral's part of the sandbox's generated organisations. The stack, the
// demo, the bench and the tests take it as its Simulator.
package ringcentralsim

import (
	"fmt"
	"strconv"

	"voiceid/sandbox"
)

// Name is the provider's key: its section of voiceid.toml, its report keys.
const Name = "ringcentral"

// Field is RingCentral's identifier field on the simulated User object.
var Field = sandbox.Field{Provider: Name, Name: "cnx__RingCentral_User_Identifier__c",
	Label: "Ringcentral User Identifier"} // the ECI page spells it both ways

// The stack's RingCentral app and JWT user: made-up credentials the simulator accepts.
const (
	ClientID     = "sim-rc-client"
	ClientSecret = "sim-rc-secret"
	JWT          = "sim-rc-jwt-credential"
)

// mediumPerMinute is RingCentral's default Medium group limit, the group of
// the directory list (ringcentral.md: Light 50, Medium 40, Heavy 10 per 60 s).
const mediumPerMinute = 40

// Simulator is RingCentral's simulator as the sandbox takes it:
// nearly everyone has an extension, half of the bench's company.
func Simulator() sandbox.Simulator {
	share := sandbox.Share{Users: 11.0 / 12}
	return sandbox.Simulator{Name: Name, Title: "RingCentral", Field: Field,
		Share: share, Demo: share, Bench: sandbox.Share{Users: 0.5},
		Generate: newGenerator,
		Start: func(org *sandbox.Org) (sandbox.Sim, error) {
			return New(InOrg(org).Entries, Credentials{ClientID: ClientID, ClientSecret: ClientSecret, JWT: JWT}), nil
		},
		Count: func(org *sandbox.Org) string {
			return fmt.Sprintf("%d RingCentral directory entries", len(InOrg(org).Entries))
		},
		MinCalls: minCalls,
		Budget: func(calls int) string {
			return fmt.Sprintf("RingCentral %.0f min (Medium group, %d calls/min)", float64(calls)/mediumPerMinute, mediumPerMinute)
		},
		Hire: func(sim sandbox.Sim, p sandbox.Person) string {
			id := int64(63_000_000_000 + p.Index)
			sim.(*Sim).Hire(Entry{ID: id, Type: "User", Status: "Enabled", FirstName: p.First, LastName: p.Last, Email: p.Email,
				Extension: p.Extension, Site: "HQ", Numbers: []Number{{ID: 90_000_000 + int64(p.Index), Number: p.E164, UsageType: "DirectNumber"}}})
			return strconv.FormatInt(id, 10)
		},
	}
}

// minCalls is a sign-in and the directory's pages of 2,000.
func minCalls(org *sandbox.Org) int {
	entries := 0
	for _, e := range InOrg(org).Entries {
		if listedInDirectory(e) {
			entries++
		}
	}
	return 1 + (max(entries, 1)+1999)/2000
}

// InStack is the stack's RingCentral simulator, or nil.
func InStack(s *sandbox.Stack) *Sim {
	sim, _ := s.Sim(Name).(*Sim)
	return sim
}

// Section points voiceid at the simulator, signing in as its JWT user.
func (s *Sim) Section() string {
	return fmt.Sprintf("[ringcentral]\nserver = %q\nclient_id = %q\nclient_secret = %q\njwt = %q\n",
		s.URL(), s.creds.ClientID, s.creds.ClientSecret, s.creds.JWT)
}
