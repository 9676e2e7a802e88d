package sandbox

import "fmt"

// AircallName is the provider's key: its section of voiceid.toml, its report keys.
const AircallName = "aircall"

// The stack's Aircall API key: made-up credentials the simulator accepts.
const (
	ACID    = "sim-aircall-id"
	ACToken = "sim-aircall-token"
)

// StackAircallLimit is the stack's Aircall company limit per minute: raised
// (Aircall raises limits on request) so that demo and tests run fast, while
// the answers keep their strict shape. voiceid's config takes half of it.
const StackAircallLimit = 6_000_000

// ACDefaultBudget is voiceid's default Aircall budget, half the company's
// 120 a minute (aircall.DefaultRequestsPerMinute): a real account's pace.
const ACDefaultBudget = 60

// AircallSimulator is Aircall's simulator as the sandbox takes it: the
// support quarter of the company, each with a line; a fifth of the bench's,
// a quarter of those with a line.
func AircallSimulator() Simulator {
	share := Share{Users: 0.25, Lines: 1}
	return Simulator{Name: AircallName, Title: "Aircall", Field: AircallField,
		Share: share, Demo: share, Bench: Share{Users: 0.2, Lines: 0.25},
		Generate: newACGen,
		Start: func(org *Org) (Sim, error) {
			part := ACInOrg(org)
			sim := NewAircall(part.Users, part.Numbers, ACID, ACToken)
			sim.RateLimit = StackAircallLimit
			return sim, nil
		},
		Count:    func(org *Org) string { return fmt.Sprintf("%d Aircall users", len(ACInOrg(org).Users)) },
		MinCalls: acMinCalls,
		Budget: func(calls int) string {
			return fmt.Sprintf("Aircall %.0f min (%d calls/min)", float64(calls)/ACDefaultBudget, ACDefaultBudget)
		},
		Audit: acAudit,
	}
}

// acMinCalls: users and numbers in pages of 50; the numbers list names
// nobody, so each number is read once.
func acMinCalls(org *Org) int {
	part := ACInOrg(org)
	lines := len(part.Numbers)
	return (len(part.Users)+49)/50 + (lines+49)/50 + lines
}

// acAudit holds a read to the stack's strict Aircall: a 400 past 10,000
// records, assignments on single-number reads only.
func acAudit(sim Sim, org *Org) error {
	if n := sim.Answered(400); n != 0 {
		return fmt.Errorf("voiceid asked Aircall for %d pages past the 10,000-record cap", n)
	}
	if got, lines := sim.Requests("/v1/numbers/"), len(ACInOrg(org).Numbers); got != lines {
		return fmt.Errorf("voiceid read %d single Aircall numbers, want each of the %d once", got, lines)
	}
	return nil
}

// ACInStack is the stack's Aircall simulator, or nil.
func ACInStack(s *Stack) *AircallSim {
	sim, _ := s.Sim(AircallName).(*AircallSim)
	return sim
}

// Section points voiceid at the simulator, with half its company limit.
func (s *AircallSim) Section() string {
	return fmt.Sprintf("[aircall]\nbase_url = %q\napi_id = %q\napi_token = %q\nrequests_per_minute = %d\n",
		s.URL(), s.apiID, s.apiToken, s.RateLimit/2)
}
