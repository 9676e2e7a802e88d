package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The stack's Salesforce integration user: made-up credentials the simulator accepts.
const (
	SFClientID = "sim-sf-consumer-key"
	SFUsername = "integration@example.com.prod"
)

// Stack is the simulators seeded with one organisation (Salesforce's, and
// each of its providers'), and a config file that points voiceid at them.
type Stack struct {
	Org        *Org
	Salesforce *SalesforceSim
	ConfigPath string
	sims       map[string]Sim // by provider: those whose part of the org holds anyone
}

// Sim is the named provider's simulator; nil when the stack left it off.
func (s *Stack) Sim(name string) Sim { return s.sims[name] }

// Close stops the simulators.
func (s *Stack) Close() {
	s.Salesforce.Close()
	for _, sim := range s.sims {
		sim.Close()
	}
}

// Options choose how the simulated services and the written config look.
// The zero value is the strict shape: the documented behaviour everywhere,
// api_version written as Salesforce writes it, JWT sign-in.
type Options struct {
	// ClientCredentials signs in with the client credentials flow instead of JWT.
	ClientCredentials bool
	// SandboxCopy shapes the Salesforce org as a sandbox copy of it
	// (SalesforceSim.SandboxCopy): IsSandbox, and every Email but the first
	// user's answered with ".invalid" appended.
	SandboxCopy bool
}

// StackAPIVersion is the api_version Start writes (as Salesforce spells it),
// and StackData the REST path prefix it leads to.
const (
	StackAPIVersion = "59.0"
	StackData       = "/services/data/v" + StackAPIVersion
)

// SFClientSecret is the simulated app's consumer secret (client credentials flow).
const SFClientSecret = "sim-sf-consumer-secret"

// Start is StartWith the strict Options.
func Start(org *Org, dir, extra string) (*Stack, error) { return StartWith(org, dir, extra, Options{}) }

// StartWith starts the simulators for org, Salesforce's and those of the
// simulators org was generated with, and writes dir/voiceid.toml (each
// provider's section in their order, then extra appended) and the
// Salesforce private key beside it.
func StartWith(org *Org, dir, extra string, opts Options) (*Stack, error) {
	key, keyPEM, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	var fields []Field
	for _, p := range org.Simulators {
		fields = append(fields, p.Field)
	}
	s := &Stack{Org: org, sims: map[string]Sim{}, Salesforce: NewSalesforce(org.Salesforce, SFCredentials{ClientID: SFClientID,
		ClientSecret: SFClientSecret, Username: SFUsername, PublicKey: &key.PublicKey}, fields)}
	s.Salesforce.NoCountryCode = org.NoCountryPicklists
	s.Salesforce.SandboxCopy = opts.SandboxCopy
	var sections []string
	for _, p := range org.Simulators {
		sim, err := p.Start(org)
		if err != nil {
			s.Close()
			return nil, err
		}
		if sim != nil { // else no section: the provider is off
			s.sims[p.Name] = sim
			sections = append(sections, sim.Section())
		}
	}
	keyPath := filepath.Join(dir, "salesforce.key")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		s.Close()
		return nil, err
	}
	cfg := fmt.Sprintf(`# written by voiceid: points the job at loopback simulators
%s[salesforce]
login_url = %q
%s
client_id = %q
username = %q
private_key_file = %q
api_version = %q

[match]
default_region = "US"

[state]
path = %q
%s`, strings.Join(sections, "\n"), s.Salesforce.URL(), authLines(opts), SFClientID, SFUsername, keyPath, StackAPIVersion,
		filepath.Join(dir, "voiceid.db"), extra)
	s.ConfigPath = filepath.Join(dir, "voiceid.toml")
	if err := os.WriteFile(s.ConfigPath, []byte(cfg), 0o600); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func authLines(opts Options) string {
	if opts.ClientCredentials {
		return fmt.Sprintf("auth = \"client_credentials\"\nclient_secret = %q", SFClientSecret)
	}
	return `auth = "jwt"`
}

// NewHire is the k-th person hired after an org was generated: a name, an
// email at Domain and numbers no generated person holds.
func NewHire(k int) Person {
	p := Person{Index: 1_000_000 + k, First: "Nova", Last: fmt.Sprintf("Hire%d", k), Email: fmt.Sprintf("nova.hire%d@%s", k, Domain),
		Country: "US", Extension: fmt.Sprint(700000 + k)}
	p.E164, p.Display = USNumber(20_000_000 + k)
	return p
}

// Hire adds p to Salesforce and to every running simulator that can hire: a
// new hire on the company's first day. It returns the Salesforce user's id
// and each provider's id for them.
func (s *Stack) Hire(p Person) (user string, ids map[string]string) {
	user = fmt.Sprintf("005NH%010dAAA", p.Index)
	s.Salesforce.Hire(SFUser{ID: user, Username: p.Email + ".prod", FirstName: p.First, LastName: p.Last, Email: p.Email,
		IsActive: true, UserType: "Standard", CountryCode: p.Country})
	ids = map[string]string{}
	for _, sim := range s.Org.Simulators {
		if running := s.sims[sim.Name]; running != nil && sim.Hire != nil {
			ids[sim.Name] = sim.Hire(running, p)
		}
	}
	return user, ids
}
