package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"voiceid/sandbox"
)

// sfCLIStack runs the simulators with [salesforce] auth = "sf-cli" and no
// login_url, client_id, username or key, and a fake sf first on PATH that is
// signed in to the simulated org as admin-org.
func sfCLIStack(t *testing.T, extra string) (*sandbox.Stack, *sandbox.SFCLI, string) {
	t.Helper()
	sb, _ := startTestSandbox(t, 60, 3, extra)
	src, err := os.ReadFile(sb.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	head, sf, _ := strings.Cut(string(src), "[salesforce]\n")
	sf, tail, _ := strings.Cut(sf, "\n[match]")
	sf = regexp.MustCompile(`(?m)^(login_url|client_id|username|private_key_file) = .*\n`).ReplaceAllString(sf, "")
	sf = strings.Replace(sf, `auth = "jwt"`, `auth = "sf-cli"`+"\ntarget_org = \"admin-org\"", 1)
	if err := os.WriteFile(sb.ConfigPath, []byte(head+"[salesforce]\n"+sf+"\n[match]"+tail), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cli, err := sandbox.NewSFCLI(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	token := sb.Salesforce.IssueToken()
	if err := cli.Signed("admin-org", token, sb.Salesforce.URL()); err != nil {
		t.Fatal(err)
	}
	return sb, cli, token
}

// An administrator's dry run on the CLI's session works end to end, and the
// session token shows nowhere: not in the output, the reports or the state.
func TestSyncDryRunWithTheSalesforceCLIsSessionNeverShowsTheToken(t *testing.T) {
	sb, sf, token := sfCLIStack(t, "")
	dir := filepath.Dir(sb.ConfigPath)
	args := []string{"sync", "--config", sb.ConfigPath, "--dry-run"}
	for _, ext := range []string{"txt", "csv", "json", "html"} {
		args = append(args, "--report", filepath.Join(dir, "review."+ext))
	}
	code, out := cli(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "dry-run") || len(sb.Salesforce.Writes()) != 0 {
		t.Fatalf("not a dry run that read the org: %d writes\n%s", len(sb.Salesforce.Writes()), out)
	}
	if calls := sf.Calls(); len(calls) == 0 {
		t.Fatal("sf was never run")
	}
	if strings.Contains(out, token) {
		t.Errorf("the output shows the session token")
	}
	files, _ := os.ReadDir(dir) // config, reports, the state file and its journal
	if len(files) < 6 {
		t.Fatalf("only %d files in %s", len(files), dir)
	}
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if strings.Contains(string(b), token) {
			t.Errorf("%s holds the session token", f.Name())
		}
	}
	if code, out := cli(t, "check", "--config", sb.ConfigPath); code != exitOK || !strings.Contains(out, "✓ Salesforce sign-in (sf-cli, org admin-org)") || strings.Contains(out, token) {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

// A nightly job must not depend on a person's CLI session.
func TestScheduleRefusesTheSalesforceCLI(t *testing.T) {
	sb, _, _ := sfCLIStack(t, "\n[schedule]\ncron = \"30 2 * * *\"\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // were sf-cli accepted, schedule would start and stop at once, exit 0
	var out strings.Builder
	code := run(ctx, []string{"schedule", "--config", sb.ConfigPath}, &out, &out)
	if code != exitUsage || !strings.Contains(out.String(), `salesforce.auth = "sf-cli"`) || !strings.Contains(out.String(), `auth = "jwt"`) {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}

// A CLI without a session for the org: sync fails naming target_org and
// sf's message; check marks the sign-in failed.
func TestFailingSalesforceCLINamesTargetOrgAndItsMessage(t *testing.T) {
	sb, sf, _ := sfCLIStack(t, "")
	if err := sf.Fail("NamedOrgNotFoundError", "No authorization information found for admin-org."); err != nil {
		t.Fatal(err)
	}
	code, out := cli(t, "sync", "--config", sb.ConfigPath, "--dry-run")
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{`target_org = "admin-org"`, "No authorization information found for admin-org", "sf org login web --alias admin-org"} {
		if !strings.Contains(out, want) {
			t.Errorf("sync output lacks %q:\n%s", want, out)
		}
	}
	if code, out := cli(t, "check", "--config", sb.ConfigPath); code != exitFailure || !strings.Contains(out, "✗ Salesforce sign-in (sf-cli, org admin-org)") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

// auth = "sf-cli" without target_org is a configuration error naming the key.
func TestSalesforceCLINeedsTargetOrg(t *testing.T) {
	sb, _, _ := sfCLIStack(t, "")
	replaceIn(sb.ConfigPath, `target_org = "admin-org"`, "")
	code, out := cli(t, "sync", "--config", sb.ConfigPath, "--dry-run")
	if code != exitUsage || !strings.Contains(out, "salesforce.target_org") || !strings.Contains(out, "sf org login web --alias") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
