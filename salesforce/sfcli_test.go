package salesforce

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"voiceid/sandbox"
)

// fakeSF puts a fake Salesforce CLI first on PATH.
func fakeSF(t *testing.T) *sandbox.SFCLI {
	t.Helper()
	dir := t.TempDir()
	sf, err := sandbox.NewSFCLI(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return sf
}

// The CLI's session is used as is, and an expired one (a 401) makes voiceid
// ask sf again, never the token endpoint.
func TestSFCLISessionIsAskedForAgainAfterA401(t *testing.T) {
	sim := sandbox.NewSalesforce(orgUsers(3), sandbox.SFCredentials{}, simFields)
	t.Cleanup(sim.Close)
	cli := fakeSF(t)
	if err := cli.Signed("admin-org", sim.IssueToken(), sim.URL()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sf, err := Connect(ctx, Config{Auth: "sf-cli", TargetOrg: "admin-org", APIVersion: "v65.0", Sleep: noSleep, Providers: infos})
	if err != nil {
		t.Fatal(err)
	}
	sim.ExpireTokens()
	fresh := sim.IssueToken() // what sf hands out once it has refreshed the session
	if err := cli.Signed("admin-org", fresh, sim.URL()); err != nil {
		t.Fatal(err)
	}
	if _, err := sf.Discover(ctx, names()); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	calls := cli.Calls()
	if len(calls) != 2 {
		t.Fatalf("sf ran %d times, want 2 (sign-in, then again after the 401): %q", len(calls), calls)
	}
	for _, c := range calls {
		if c != "org display --json --target-org admin-org" {
			t.Errorf("sf called with %q", c)
		}
	}
	if n := sim.Requests("/services/oauth2/token"); n != 0 {
		t.Errorf("%d token endpoint requests with sf-cli, want 0", n)
	}
}

// A CLI that has no session for the org: its name and message, and the key.
func TestSFCLIFailureNamesTargetOrgAndTheCLIsMessage(t *testing.T) {
	cli := fakeSF(t)
	if err := cli.Fail("NamedOrgNotFoundError", "No authorization information found for admin-org."); err != nil {
		t.Fatal(err)
	}
	_, err := Connect(context.Background(), Config{Auth: "sf-cli", TargetOrg: "admin-org", Sleep: noSleep})
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	for _, want := range []string{`target_org = "admin-org"`, "NamedOrgNotFoundError", "No authorization information found for admin-org", "sf org login web --alias admin-org"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// No sf on PATH: the install command and the key, as a configuration error.
func TestSFCLIMissingNamesTheInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Connect(context.Background(), Config{Auth: "sf-cli", TargetOrg: "admin-org", Sleep: noSleep})
	if !errors.Is(err, ErrConfigured) || !strings.Contains(err.Error(), "npm install -g @salesforce/cli") || !strings.Contains(err.Error(), `auth = "sf-cli"`) {
		t.Fatalf("err = %v", err)
	}
}

// Lines the CLI prints before its JSON (an update notice) do not hide it.
func TestOrgDisplayIsReadPastANotice(t *testing.T) {
	d, ok := parseOrgDisplay([]byte("Warning: @salesforce/cli update available from 2.60.0 to 2.61.8.\n{\"status\":0,\"result\":{\"accessToken\":\"00Dx!y\",\"instanceUrl\":\"https://acme.my.salesforce.com\"}}\n"))
	if !ok || d.Status != 0 || d.Result.AccessToken != "00Dx!y" || d.Result.InstanceURL != "https://acme.my.salesforce.com" {
		t.Fatalf("%+v %v", d, ok)
	}
	if _, ok := parseOrgDisplay([]byte("command not found\n")); ok {
		t.Error("text without JSON was read as an answer")
	}
}
