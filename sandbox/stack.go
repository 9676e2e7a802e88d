package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
)

// Sandbox credentials: made-up values the simulators accept.
const (
	RCClientID     = "sim-rc-client"
	RCClientSecret = "sim-rc-secret"
	RCJWT          = "sim-rc-jwt-credential"
	ACID           = "sim-aircall-id"
	ACToken        = "sim-aircall-token"
	SFClientID     = "sim-sf-consumer-key"
	SFUsername     = "integration@example.com.prod"
	DPKey          = "sim-dialpad-key"
)

// StackAircallLimit is the stack's Aircall company limit per minute: raised
// (Aircall raises limits on request) so that demo and tests run fast, while
// the answers keep their strict shape. voiceid's config takes half of it.
const StackAircallLimit = 6_000_000

// Stack is the three simulators seeded with one organisation, and a config
// file that points voiceid at them.
type Stack struct {
	Org         *Org
	RingCentral *RingCentralSim
	Aircall     *AircallSim
	Salesforce  *SalesforceSim
	Dialpad     *DialpadSim // nil unless the org has Dialpad users
	ConfigPath  string
}

// Close stops the simulators.
func (s *Stack) Close() {
	s.RingCentral.Close()
	s.Aircall.Close()
	s.Salesforce.Close()
	if s.Dialpad != nil {
		s.Dialpad.Close()
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

// StackDialpadLimit is the simulated Dialpad company's raised limit (per
// second), so that demo, tests and bench do not wait a real company's pace.
const StackDialpadLimit = 10_000

// SFClientSecret is the simulated app's consumer secret (client credentials flow).
const SFClientSecret = "sim-sf-consumer-secret"

// Start is StartWith the strict Options.
func Start(org *Org, dir, extra string) (*Stack, error) { return StartWith(org, dir, extra, Options{}) }

// StartWith starts the simulators for org and writes dir/voiceid.toml
// (with extra appended to it) and the Salesforce private key beside it.
func StartWith(org *Org, dir, extra string, opts Options) (*Stack, error) {
	key, keyPEM, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	s := &Stack{Org: org,
		RingCentral: NewRingCentral(org.RingCentral, RCCredentials{ClientID: RCClientID, ClientSecret: RCClientSecret, JWT: RCJWT}),
		Aircall:     NewAircall(org.Aircall, org.AircallNumbers, ACID, ACToken),
		Salesforce: NewSalesforce(org.Salesforce, SFCredentials{ClientID: SFClientID, ClientSecret: SFClientSecret,
			Username: SFUsername, PublicKey: &key.PublicKey}, []Field{RingCentralField, AircallField, DialpadField}),
	}
	s.Salesforce.NoCountryCode = org.NoCountryPicklists
	s.Salesforce.SandboxCopy = opts.SandboxCopy
	s.Aircall.RateLimit = StackAircallLimit
	dialpad := "" // no section: Dialpad is off, and configs without it stay as they were
	if len(org.Dialpad) > 0 {
		s.Dialpad = NewDialpad(org.Dialpad, org.DialpadOwners, DPKey)
		s.Dialpad.RateLimit = StackDialpadLimit // the shapes stay strict; only the company limit is raised
		dialpad = fmt.Sprintf("\n[dialpad]\nbase_url = %q\napi_key = %q\nrequests_per_second = %d\n", s.Dialpad.URL(), DPKey, StackDialpadLimit/2)
	}
	keyPath := filepath.Join(dir, "salesforce.key")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		s.Close()
		return nil, err
	}
	cfg := fmt.Sprintf(`# written by voiceid: points the job at loopback simulators
[ringcentral]
server = %q
client_id = %q
client_secret = %q
jwt = %q

[aircall]
base_url = %q
api_id = %q
api_token = %q
requests_per_minute = %d
%s
[salesforce]
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
%s`, s.RingCentral.URL(), RCClientID, RCClientSecret, RCJWT,
		s.Aircall.URL(), ACID, ACToken, StackAircallLimit/2, dialpad,
		s.Salesforce.URL(), authLines(opts), SFClientID, SFUsername, keyPath, StackAPIVersion,
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
