package sandbox

import "fmt"

// DialpadName is the provider's key: its section of voiceid.toml, its report keys.
const DialpadName = "dialpad"

// DPKey is the stack's Dialpad API key: a made-up credential the simulator accepts.
const DPKey = "sim-dialpad-key"

// StackDialpadLimit is the simulated Dialpad company's raised limit (per
// second), so that demo, tests and bench do not wait a real company's pace.
const StackDialpadLimit = 10_000

// DPDefaultBudget is voiceid's default Dialpad budget, a quarter of the
// company's 20 a second (dialpad.DefaultRequestsPerSecond).
const DPDefaultBudget = 5

// DialpadSimulator is Dialpad's simulator as the sandbox takes it: nobody
// on it by default (orgs made before Dialpad support stay the same), a
// tenth of the demo's company.
func DialpadSimulator() Simulator {
	return Simulator{Name: DialpadName, Title: "Dialpad", Field: DialpadField,
		Demo: Share{Users: 0.1}, Generate: newDPGen,
		Start: func(org *Org) (Sim, error) {
			part := DPInOrg(org)
			if len(part.Users) == 0 {
				return nil, nil // no section: Dialpad is off, and configs without it stay as they were
			}
			sim := NewDialpad(part.Users, part.Owners, DPKey)
			sim.RateLimit = StackDialpadLimit // the shapes stay strict; only the company limit is raised
			return sim, nil
		},
		Count:    func(org *Org) string { return fmt.Sprintf("%d Dialpad users", len(DPInOrg(org).Users)) },
		MinCalls: dpMinCalls,
		Budget: func(calls int) string {
			return fmt.Sprintf("Dialpad %.1f min (%d calls/s)", float64(calls)/(60*DPDefaultBudget), DPDefaultBudget)
		},
	}
}

// dpMinCalls: pages of 25 (limit left out) of the active users and of every
// number, each list closed by a last page without items (the simulator's
// strict shape): the documents give no way to know the end sooner.
func dpMinCalls(org *Org) int {
	part := DPInOrg(org)
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

// DPInStack is the stack's Dialpad simulator; nil when Dialpad is off.
func DPInStack(s *Stack) *DialpadSim {
	sim, _ := s.Sim(DialpadName).(*DialpadSim)
	return sim
}

// Section points voiceid at the simulator, with half its company limit.
func (s *DialpadSim) Section() string {
	return fmt.Sprintf("[dialpad]\nbase_url = %q\napi_key = %q\nrequests_per_second = %d\n", s.URL(), s.key, s.RateLimit/2)
}
