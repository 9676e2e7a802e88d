package directory

import "voiceid/match"

// Plugin is what the rest of voiceid knows of a provider without naming it:
// the job, the writer, the reports, check and pin iterate over Registered. A
// new provider is an addition: its reader and Plugin here, its simulator in
// sandbox, its config section, its line in Registered, and tests.
type Plugin struct {
	Name  match.Provider
	Title string // as people write it, in reports and messages
	Label string // the label of the User field the Voice Connector adds for it
	// Entries is what its directory lists, in reports ("3 RingCentral entries");
	// "" means users.
	Entries string
	Rules   match.Rules // the linking rules its directory supports
}

// Registered lists the providers, in the order reports show them.
var Registered = []Plugin{RingCentralPlugin, AircallPlugin, DialpadPlugin}

// Names are the registered providers' names, in order.
func Names() []match.Provider {
	out := make([]match.Provider, len(Registered))
	for i, p := range Registered {
		out[i] = p.Name
	}
	return out
}

// Lookup finds a registered provider by name.
func Lookup(name match.Provider) (Plugin, bool) {
	for _, p := range Registered {
		if p.Name == name {
			return p, true
		}
	}
	return Plugin{}, false
}

// RulesOf maps each registered provider to the rules its directory supports.
func RulesOf() map[match.Provider]match.Rules {
	out := map[match.Provider]match.Rules{}
	for _, p := range Registered {
		out[p.Name] = p.Rules
	}
	return out
}
