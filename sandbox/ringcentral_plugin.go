package sandbox

import "fmt"

// RingCentralName is the provider's key: its section of voiceid.toml, its report keys.
const RingCentralName = "ringcentral"

// The stack's RingCentral app and JWT user: made-up credentials the simulator accepts.
const (
	RCClientID     = "sim-rc-client"
	RCClientSecret = "sim-rc-secret"
	RCJWT          = "sim-rc-jwt-credential"
)

// rcMediumPerMinute is RingCentral's default Medium group limit, the group of
// the directory list (ringcentral.md: Light 50, Medium 40, Heavy 10 per 60 s).
const rcMediumPerMinute = 40

// RingCentralSimulator is RingCentral's simulator as the sandbox takes it:
// nearly everyone has an extension, half of the bench's company.
func RingCentralSimulator() Simulator {
	share := Share{Users: 11.0 / 12}
	return Simulator{Name: RingCentralName, Title: "RingCentral", Field: RingCentralField,
		Share: share, Demo: share, Bench: Share{Users: 0.5},
		Generate: newRCGen,
		Start: func(org *Org) (Sim, error) {
			return NewRingCentral(RCInOrg(org).Entries, RCCredentials{ClientID: RCClientID, ClientSecret: RCClientSecret, JWT: RCJWT}), nil
		},
		Count: func(org *Org) string {
			return fmt.Sprintf("%d RingCentral directory entries", len(RCInOrg(org).Entries))
		},
		MinCalls: rcMinCalls,
		Budget: func(calls int) string {
			return fmt.Sprintf("RingCentral %.0f min (Medium group, %d calls/min)", float64(calls)/rcMediumPerMinute, rcMediumPerMinute)
		},
	}
}

// rcMinCalls is a sign-in and the directory's pages of 2,000.
func rcMinCalls(org *Org) int {
	entries := 0
	for _, e := range RCInOrg(org).Entries {
		if listedInDirectory(e) {
			entries++
		}
	}
	return 1 + (max(entries, 1)+1999)/2000
}

// RCInStack is the stack's RingCentral simulator, or nil.
func RCInStack(s *Stack) *RingCentralSim {
	sim, _ := s.Sim(RingCentralName).(*RingCentralSim)
	return sim
}

// Section points voiceid at the simulator, signing in as its JWT user.
func (s *RingCentralSim) Section() string {
	return fmt.Sprintf("[ringcentral]\nserver = %q\nclient_id = %q\nclient_secret = %q\njwt = %q\n",
		s.URL(), s.creds.ClientID, s.creds.ClientSecret, s.creds.JWT)
}
