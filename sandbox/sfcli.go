package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// SFCLI stands in for the Salesforce CLI: an executable `sf` in Dir that
// prints the answer last set with Answer, exits with its status, and records
// each call's arguments. Put Dir first on PATH.
type SFCLI struct{ Dir string }

// sfScript is the fake `sf`: arguments are appended to calls, one line a call.
const sfScript = `#!/bin/sh
d=$(dirname "$0")
echo "$*" >> "$d/calls"
cat "$d/answer.json"
exit $(cat "$d/status")
`

// NewSFCLI writes the fake `sf` into dir, answering as an unknown org until
// told otherwise.
func NewSFCLI(dir string) (*SFCLI, error) {
	c := &SFCLI{Dir: dir}
	if err := os.WriteFile(filepath.Join(dir, "sf"), []byte(sfScript), 0o755); err != nil {
		return nil, err
	}
	return c, c.Fail("NamedOrgNotFoundError", "No authorization information found for the org.")
}

// Signed answers as `sf org display --json` does for an org the CLI is
// signed in to (status 0, result.accessToken and result.instanceUrl).
func (c *SFCLI) Signed(alias, token, instanceURL string) error {
	return c.answer(0, map[string]any{"status": 0, "result": map[string]any{
		"id": "00DSIM0000000001AAA", "apiVersion": "65.0", "accessToken": token, "instanceUrl": instanceURL,
		"username": "admin@example.com", "clientId": "PlatformCLI", "connectedStatus": "Connected", "alias": alias},
		"warnings": []string{}})
}

// Fail answers as the CLI does when it cannot give the session: exit status
// 1 and status, name and message in the JSON.
func (c *SFCLI) Fail(name, message string) error {
	return c.answer(1, map[string]any{"status": 1, "name": name, "message": message, "exitCode": 1,
		"context": "OrgDisplay", "commandName": "OrgDisplay", "warnings": []string{}})
}

func (c *SFCLI) answer(status int, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "answer.json"), append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.Dir, "status"), []byte{byte('0' + status)}, 0o600)
}

// Calls returns the arguments of each call so far.
func (c *SFCLI) Calls() []string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "calls"))
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
