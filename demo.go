package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"voiceid/report"
	"voiceid/sandbox"
)

// Sandbox credentials: made-up values the simulators accept.
const (
	demoRCClientID     = "sim-rc-client"
	demoRCClientSecret = "sim-rc-secret"
	demoRCJWT          = "sim-rc-jwt-credential"
	demoACID           = "sim-aircall-id"
	demoACToken        = "sim-aircall-token"
	demoSFClientID     = "sim-sf-consumer-key"
	demoSFUsername     = "integration@example.com.prod"
)

// Sandbox is the three simulators seeded with one organisation, and a config
// file that points voiceid at them.
type Sandbox struct {
	Org         *sandbox.Org
	RingCentral *sandbox.RingCentralSim
	Aircall     *sandbox.AircallSim
	Salesforce  *sandbox.SalesforceSim
	ConfigPath  string
}

// Close stops the simulators.
func (s *Sandbox) Close() {
	s.RingCentral.Close()
	s.Aircall.Close()
	s.Salesforce.Close()
}

// StartSandbox starts the simulators for org and writes dir/voiceid.toml
// (with extra appended to it) and the Salesforce private key beside it.
func StartSandbox(org *sandbox.Org, dir, extra string) (*Sandbox, error) {
	key, keyPEM, err := sandbox.GenerateKey()
	if err != nil {
		return nil, err
	}
	s := &Sandbox{Org: org,
		RingCentral: sandbox.NewRingCentral(org.RingCentral, sandbox.RCCredentials{ClientID: demoRCClientID, ClientSecret: demoRCClientSecret, JWT: demoRCJWT}),
		Aircall:     sandbox.NewAircall(org.Aircall, org.AircallNumbers, demoACID, demoACToken),
		Salesforce:  sandbox.NewSalesforce(org.Salesforce, sandbox.SFCredentials{ClientID: demoSFClientID, Username: demoSFUsername, PublicKey: &key.PublicKey}),
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

[salesforce]
login_url = %q
auth = "jwt"
client_id = %q
username = %q
private_key_file = %q

[match]
default_region = "US"

[state]
path = %q
%s`, s.RingCentral.URL(), demoRCClientID, demoRCClientSecret, demoRCJWT,
		s.Aircall.URL(), demoACID, demoACToken,
		s.Salesforce.URL(), demoSFClientID, demoSFUsername, keyPath,
		filepath.Join(dir, "voiceid.db"), extra)
	s.ConfigPath = filepath.Join(dir, "voiceid.toml")
	if err := os.WriteFile(s.ConfigPath, []byte(cfg), 0o600); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("demo", `voiceid demo [--users N] [--verbose]

Runs the whole job against built-in simulators of RingCentral, Aircall and
Salesforce seeded with a generated organisation, in a temporary directory:
a dry run (the review report), an applying run, then a check that a re-run
plans nothing.`, stderr)
	users := fs.Int("users", 300, "Salesforce users in the generated organisation")
	verbose := fs.Bool("verbose", false, "show the job's log lines")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "voiceid-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	org := sandbox.GenerateOrg(*users, 2026)
	sb, err := StartSandbox(org, dir, "")
	if err != nil {
		return err
	}
	defer sb.Close()
	sb.Aircall.RateLimit = 6000 // a raised company limit keeps the demo quick; real accounts pace at 120/min
	cfg, err := LoadConfig(sb.ConfigPath)
	if err != nil {
		return err
	}
	logTo := io.Discard
	if *verbose {
		logTo = stderr
	}
	run := func(dry bool) (*report.Report, error) {
		r := &Run{Cfg: cfg, DryRun: dry, Backfill: !dry, Log: newLogger(logTo, "text")}
		return r.Sync(ctx)
	}
	fmt.Fprintf(stdout, "voiceid demo: %d Salesforce users, %d RingCentral directory entries, %d Aircall users (simulated)\n\n",
		len(org.Salesforce), len(org.RingCentral), len(org.Aircall))
	fmt.Fprintln(stdout, "== 1. Dry run: the review an administrator reads before anything is written ==")
	dry, err := run(true)
	if err != nil {
		return err
	}
	dry.Text(stdout, report.TextOptions{Limit: 4})

	fmt.Fprintln(stdout, "\n== 2. Applying run (the one-shot backfill) ==")
	applied, err := run(false)
	if applied != nil {
		fmt.Fprintf(stdout, "run %d: %s; %d fields written, %d failed; API calls: Salesforce %d, RingCentral %d, Aircall %d\n",
			applied.Run.ID, applied.Run.Status, applied.Counts.Applied, applied.Counts.Failed,
			applied.APICalls["salesforce"], applied.APICalls["ringcentral"], applied.APICalls["aircall"])
	}
	if err != nil {
		return err
	}

	fmt.Fprintln(stdout, "\n== 3. Nightly re-run: nothing left to change ==")
	again, err := run(true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "run %d plans %d changes; %d conflicts still need a person (voiceid conflicts)\n",
		again.Run.ID, again.Counts.Changes, again.Counts.Conflicts)
	return nil
}
