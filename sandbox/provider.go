package sandbox

// Simulator is a provider's simulator as the sandbox takes it: how its part
// of a generated organisation is made, how the stack starts it on that part,
// and what the demo and the bench say of it. Each provider's simulator
// package (provider/<name>/<name>sim) makes one, and provider/all lists them.
type Simulator struct {
	Name  string // the provider's key: its config section, its report keys, its part of an Org
	Title string // as people write it
	Field Field  // its identifier field on the simulated User object

	// Share is its share of the company GenerateOrg makes; Demo and Bench
	// are its shares of the demo's company and of the bench's.
	Share, Demo, Bench Share

	// Generate begins its part of a new organisation, drawing from g at share.
	Generate func(g *Gen, share Share) Generator
	// Start starts its simulator seeded with its part of org, as the stack
	// runs it (the stack's credentials, raised company limits); a nil Sim
	// when the part holds nobody, and the stack then leaves the provider off.
	Start func(org *Org) (Sim, error)
	// Count says what its part of org holds, as the demo prints it.
	Count func(org *Org) string
	// MinCalls is the fewest calls a complete read of its part of org takes.
	MinCalls func(org *Org) int
	// Budget says how long a real account takes to answer calls at
	// voiceid's default budget, as the bench prints it.
	Budget func(calls int) string
	// Audit, when set, says what a complete read of org did that the strict
	// simulator holds against it (the bench stops on it).
	Audit func(sim Sim, org *Org) error
	// Hire, when set, adds p to the running simulator as a user created now,
	// with a line of their own, and returns their id: the company hiring
	// someone after the complete run (the fast lane's demo, tests, bench).
	Hire func(sim Sim, p Person) string
}

// Share is how much of a generated company a provider holds.
type Share struct {
	Users float64 // the share of the company's people who are its users
	Lines float64 // the share of those with a line of their own, where users may have none
}

// Sim is a provider's running simulator, as the stack holds it.
type Sim interface {
	URL() string
	Close()
	Inject(Fault)
	Requests(prefix string) int
	Answered(status int) int
	// Section is its table of voiceid.toml: where it is and the credentials
	// it takes, and voiceid's budget where the provider has one.
	Section() string
}

// Generator makes one provider's part of an organisation. Its hooks run in
// a fixed order, each hook for every provider in the simulators' order: the
// draws keep their order, and so an org of a seed stays the same.
type Generator interface {
	// Part is what it makes: the org keeps it under the provider's name,
	// for the simulator's package to read.
	Part() any
	// Before is a bulk person, before the Salesforce user's draws.
	Before(p Person)
	// After is the same person once the Salesforce user u is drawn; u's
	// field of the provider is the generator's to set.
	After(p Person, u *SFUser)
	// Plant adds its hand-made cases, once every bulk person is made.
	Plant()
	// PlantLate adds cases planted after every provider's Plant, so that no
	// earlier id moves.
	PlantLate()
}

// Hooks are a Generator's hooks doing nothing: a generator embeds them and
// writes the ones it needs.
type Hooks struct{}

func (Hooks) Before(Person)         {}
func (Hooks) After(Person, *SFUser) {}
func (Hooks) Plant()                {}
func (Hooks) PlantLate()            {}
