package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// SFCLITimeout bounds one run of sf org display: the CLI starts Node and may
// refresh the session over the network first.
const SFCLITimeout = 2 * time.Minute

// sfCLI takes the session of an org the Salesforce CLI is signed in to, from
// sf org display --json: an administrator's own runs, with no app to set up.
// The token goes from sf's stdout into memory only: it is on no command line,
// in no file and in no message.
func sfCLI(targetOrg string) func(ctx context.Context) (*oauth2.Token, error) {
	return func(ctx context.Context) (*oauth2.Token, error) {
		path, err := exec.LookPath("sf")
		if err != nil {
			return nil, fmt.Errorf("%w: [salesforce] auth = \"sf-cli\" runs the Salesforce CLI, and no sf is on PATH: install it (npm install -g @salesforce/cli), sign in with sf org login web --alias %s, or set auth to \"jwt\"",
				ErrConfigured, targetOrg)
		}
		ctx, cancel := context.WithTimeout(ctx, SFCLITimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, "org", "display", "--json", "--target-org", targetOrg)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		out, ok := parseOrgDisplay(stdout.Bytes())
		if !ok { // older CLIs print a --json error on stderr
			out, ok = parseOrgDisplay(stderr.Bytes())
		}
		var exit *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%w: sf org display --target-org %s did not finish within %s: %v", ErrAuth, targetOrg, SFCLITimeout, ctx.Err())
		case ok && out.Status != 0 || ok && out.Result.AccessToken == "":
			// sf's own words (name and message) say what is wrong; never the output itself, which may hold a token
			return nil, fmt.Errorf("%w: [salesforce] target_org = %q: sf org display failed: %s: %s. Fix: sign in with sf org login web --alias %s (sf org list shows the orgs the CLI knows)",
				ErrAuth, targetOrg, orDefault(out.Name, "error"), orDefault(out.Message, "no access token in its answer"), targetOrg)
		case !ok && errors.As(runErr, &exit):
			return nil, fmt.Errorf("%w: [salesforce] target_org = %q: sf org display exited with status %d and no JSON answer: run sf org display --target-org %s to see why",
				ErrAuth, targetOrg, exit.ExitCode(), targetOrg)
		case !ok:
			return nil, fmt.Errorf("%w: [salesforce] target_org = %q: sf org display gave no JSON answer (%v): run sf org display --target-org %s to see why",
				ErrAuth, targetOrg, orDefault(errString(runErr), "unreadable output"), targetOrg)
		case out.Result.InstanceURL == "":
			return nil, fmt.Errorf("%w: [salesforce] target_org = %q: sf org display named no instanceUrl", ErrAuth, targetOrg)
		}
		return (&oauth2.Token{AccessToken: out.Result.AccessToken, TokenType: "Bearer"}).
			WithExtra(map[string]any{"instance_url": out.Result.InstanceURL}), nil
	}
}

// orgDisplay is the part of sf org display --json voiceid reads: status 0
// and result on success; status, name and message on failure.
type orgDisplay struct {
	Status  int    `json:"status"`
	Name    string `json:"name"`
	Message string `json:"message"`
	Result  struct {
		AccessToken string `json:"accessToken"`
		InstanceURL string `json:"instanceUrl"`
	} `json:"result"`
}

// parseOrgDisplay reads the JSON object in out, skipping any line the CLI
// printed before it (an update notice, a warning).
func parseOrgDisplay(out []byte) (orgDisplay, bool) {
	var d orgDisplay
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		return d, false
	}
	if err := json.NewDecoder(bytes.NewReader(out[i:])).Decode(&d); err != nil {
		return d, false
	}
	return d, true
}

// orDefault is s without its spaces, or def when nothing is left.
func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
