package salesforce

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"voiceid/match"
	"voiceid/provider"
	"voiceid/provider/aircall"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/dialpad"
	"voiceid/provider/dialpad/dialpadsim"
	"voiceid/provider/ringcentral"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/sandbox"
)

const (
	clientID = "consumer-key"
	username = "integration@example.com"
	secret   = "cc-secret"
)

func noSleep(context.Context, time.Duration) error { return nil }

// orgUsers makes n active standard users plus an inactive and a portal user.
func orgUsers(n int) []sandbox.SFUser {
	var out []sandbox.SFUser
	for i := 0; i < n; i++ {
		out = append(out, sandbox.SFUser{ID: fmt.Sprintf("005W%011dAAA", i), Username: fmt.Sprintf("u%d@example.com.prod", i),
			FirstName: "U", LastName: fmt.Sprint(i), Email: fmt.Sprintf("u%d@example.com", i), IsActive: true, UserType: "Standard",
			Phone: "(650) 555-0100", CountryCode: "US"})
	}
	return append(out,
		sandbox.SFUser{ID: "005WINACTIVE0000AAA", Username: "gone@example.com.prod", LastName: "Gone", IsActive: false, UserType: "Standard"},
		sandbox.SFUser{ID: "005WPORTAL00000AAAA", Username: "portal@example.com.prod", LastName: "Portal", IsActive: true, UserType: "PowerCustomerSuccess"})
}

// simFields are the identifier fields of the simulated org, the infos' in their order.
var simFields = []sandbox.Field{ringcentralsim.Field, aircallsim.Field, dialpadsim.Field}

// infos are the providers whose identifier fields the tests find.
var infos = []provider.Info{ringcentral.Info, aircall.Info, dialpad.Info}

// names are the infos' providers.
func names() []match.Provider {
	var out []match.Provider
	for _, i := range infos {
		out = append(out, i.Name)
	}
	return out
}

// start runs a simulator and signs in with the JWT flow; edit may change the config.
func start(t testing.TB, users []sandbox.SFUser, edit func(*Config)) (*sandbox.SalesforceSim, *Client, error) {
	t.Helper()
	key, pemBytes, err := sandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sim := sandbox.NewSalesforce(users, sandbox.SFCredentials{ClientID: clientID, ClientSecret: secret, Username: username, PublicKey: &key.PublicKey}, simFields)
	t.Cleanup(sim.Close)
	keyFile := filepath.Join(t.TempDir(), "sf.key")
	if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{LoginURL: sim.URL(), Auth: "jwt", ClientID: clientID, Username: username, PrivateKeyFile: keyFile,
		APIVersion: "v65.0", Sleep: noSleep, Providers: infos}
	if edit != nil {
		edit(&cfg)
	}
	sf, err := Connect(context.Background(), cfg)
	return sim, sf, err
}

func mustStart(t testing.TB, users []sandbox.SFUser, edit func(*Config)) (*sandbox.SalesforceSim, *Client) {
	t.Helper()
	sim, sf, err := start(t, users, edit)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sf.Discover(context.Background(), names()); err != nil {
		t.Fatal(err)
	}
	return sim, sf
}

func TestJWTSignInIsVerifiedBySalesforce(t *testing.T) {
	if _, _, err := start(t, nil, nil); err != nil {
		t.Fatalf("a correct assertion was refused: %v", err)
	}
	_, _, err := start(t, nil, func(c *Config) { c.Username = "someone.else@example.com" })
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "hasn't approved") || !strings.Contains(err.Error(), "pre-authorized") {
		t.Errorf("wrong subject: %v", err)
	}
	_, _, err = start(t, nil, func(c *Config) { c.ClientID = "other-app" })
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "client_id") {
		t.Errorf("wrong issuer: %v", err)
	}
	_, _, err = start(t, nil, func(c *Config) { c.Now = func() time.Time { return time.Now().Add(-time.Hour) } })
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "clock") {
		t.Errorf("expired assertion: %v", err)
	}
	_, _, err = start(t, nil, func(c *Config) {
		_, other, _ := sandbox.GenerateKey() // a key whose certificate is not on the app
		os.WriteFile(c.PrivateKeyFile, other, 0o600)
	})
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "invalid assertion") || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("wrong key: %v", err)
	}
	_, _, err = start(t, nil, func(c *Config) { os.WriteFile(c.PrivateKeyFile, []byte("not a key"), 0o600) })
	if !errors.Is(err, ErrConfigured) || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("unreadable key: %v", err)
	}
}

func TestAudienceIsLoginOrTestSalesforce(t *testing.T) {
	for in, want := range map[string]string{
		"https://login.salesforce.com":                "https://login.salesforce.com",
		"https://test.salesforce.com":                 "https://test.salesforce.com",
		"https://acme.my.salesforce.com":              "https://login.salesforce.com",
		"https://acme--uat.sandbox.my.salesforce.com": "https://test.salesforce.com",
		"https://acme--uat.my.salesforce.com":         "https://test.salesforce.com",
		"http://127.0.0.1:4242":                       "https://login.salesforce.com",
		"https://LOGIN.salesforce.com/":               "https://login.salesforce.com",
		// scratch orgs and the old csNN sandbox instances (docs/providers/salesforce.md)
		"https://fun-dream-1234.scratch.my.salesforce.com": "https://test.salesforce.com",
		"https://CS42.salesforce.com":                      "https://test.salesforce.com",
		"https://cs108.my.salesforce.com":                  "https://test.salesforce.com",
		"https://acme--uat.cs42.my.salesforce.com":         "https://test.salesforce.com",
		// look-alikes that are production hosts
		"https://cs.my.salesforce.com":        "https://login.salesforce.com",
		"https://cs42corp.my.salesforce.com":  "https://login.salesforce.com",
		"https://scratch.my.salesforce.com":   "https://login.salesforce.com",
		"https://na42.salesforce.com":         "https://login.salesforce.com",
		"https://cs42.salesforce.com.evil.io": "https://login.salesforce.com",
	} {
		if got := Audience(in); got != want {
			t.Errorf("Audience(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAssertionSendsTheAudienceAsOneString(t *testing.T) {
	key, _, err := sandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, assertion{Iss: "k", Sub: "u", Aud: Audience("https://acme.my.salesforce.com"), Exp: 1}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(signed, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if aud, ok := claims["aud"].(string); !ok || aud != "https://login.salesforce.com" {
		t.Errorf("aud = %#v (%s), want the single string https://login.salesforce.com", claims["aud"], payload)
	}
	if _, ok := claims["exp"].(float64); !ok {
		t.Errorf("exp = %#v, want a number of seconds", claims["exp"])
	}
}

func TestSandboxRefusingTheProductionAudienceIsExplained(t *testing.T) {
	key, pemBytes, err := sandbox.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sim := sandbox.NewSalesforce(nil, sandbox.SFCredentials{ClientID: clientID, Username: username, PublicKey: &key.PublicKey}, simFields)
	t.Cleanup(sim.Close)
	sim.Sandbox = true
	keyFile := filepath.Join(t.TempDir(), "sf.key")
	os.WriteFile(keyFile, pemBytes, 0o600)
	_, err = Connect(context.Background(), Config{LoginURL: sim.URL(), Auth: "jwt", ClientID: clientID, Username: username, PrivateKeyFile: keyFile, Sleep: noSleep})
	for _, want := range []string{"invalid_grant", "audience is invalid", "https://login.salesforce.com", "test.salesforce.com", "login_url"} {
		if !errors.Is(err, ErrAuth) || !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("error %v does not name %q", err, want)
		}
	}
}

func TestAPIVersionTakesBothSpellings(t *testing.T) {
	for in, want := range map[string]string{"59.0": "v59.0", "v59.0": "v59.0", " V65.0 ": "v65.0", "": DefaultAPIVersion} {
		if got, err := NormalizeAPIVersion(in); err != nil || got != want {
			t.Errorf("NormalizeAPIVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"59", "v59", "latest", "59.0.1", "v.59"} {
		if _, err := NormalizeAPIVersion(in); err == nil {
			t.Errorf("NormalizeAPIVersion(%q) accepted", in)
		}
	}
	sim, sf := mustStart(t, orgUsers(3), func(c *Config) { c.APIVersion = "59.0" })
	users, err := sf.Users(context.Background(), nil)
	if err != nil || len(users) != 3 {
		t.Fatalf("users with api_version 59.0: %d, %v", len(users), err)
	}
	if newest, err := sf.CheckVersion(context.Background()); err != nil || newest != fmt.Sprintf("%d.0", sim.NewestVersion) {
		t.Errorf("CheckVersion = %q, %v", newest, err)
	}
}

func TestCheckVersionNamesTheNewestWhenTheOrgDoesNotServeIt(t *testing.T) {
	sim, sf, err := start(t, orgUsers(1), func(c *Config) { c.APIVersion = "v30.0" })
	if err != nil {
		t.Fatal(err)
	}
	newest, err := sf.CheckVersion(context.Background())
	want := fmt.Sprintf("%d.0", sim.NewestVersion)
	if !errors.Is(err, ErrConfigured) || newest != want || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "api_version") {
		t.Errorf("CheckVersion = %q, %v; want an error naming api_version and %s", newest, err, want)
	}
}

func TestUsersOfAnOrgWithoutCountryPicklists(t *testing.T) {
	users := orgUsers(2)
	users[0].CountryCode, users[1].CountryCode, users[1].Country = "", "", "United Kingdom"
	sim, sf, err := start(t, users, func(c *Config) {})
	if err != nil {
		t.Fatal(err)
	}
	sim.NoCountryCode = true
	if _, err := sf.Discover(context.Background(), names()); err != nil {
		t.Fatal(err)
	}
	if sf.HasCountryCode() {
		t.Error("HasCountryCode is true for an org whose describe has no CountryCode")
	}
	got, err := sf.Users(context.Background(), nil)
	if err != nil {
		t.Fatalf("an org without CountryCode: %v", err)
	}
	if len(got) != 2 || got[1].Country != "United Kingdom" || got[0].CountryCode != "" {
		t.Errorf("users = %+v", got)
	}
}

func TestClientCredentialsAreRefusedOnLoginAndTestHosts(t *testing.T) {
	for _, u := range []string{"https://login.salesforce.com", "https://TEST.salesforce.com/"} {
		if err := CheckLoginURL("client_credentials", u); err == nil || !strings.Contains(err.Error(), "My Domain") {
			t.Errorf("CheckLoginURL(client_credentials, %s) = %v", u, err)
		}
		if err := CheckLoginURL("jwt", u); err != nil {
			t.Errorf("CheckLoginURL(jwt, %s) = %v", u, err)
		}
	}
	if err := CheckLoginURL("client_credentials", "https://acme.my.salesforce.com"); err != nil {
		t.Errorf("a My Domain URL was refused: %v", err)
	}
}

func TestClientCredentialsFlow(t *testing.T) {
	_, sf, err := start(t, orgUsers(3), func(c *Config) { c.Auth, c.ClientSecret, c.PrivateKeyFile = "client_credentials", secret, "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sf.Discover(context.Background(), names()); err != nil {
		t.Fatal(err)
	}
	_, _, err = start(t, nil, func(c *Config) { c.Auth, c.ClientSecret = "client_credentials", "wrong" })
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "client_secret") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestDiscoverFindsFieldsByLabel(t *testing.T) {
	_, sf, err := start(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := sf.Discover(context.Background(), names())
	if err != nil {
		t.Fatal(err)
	}
	// the simulated org labels one "Ringcentral User Identifier": labels match case-insensitively
	if fields[ringcentral.Name].Name != simFields[0].Name || fields[aircall.Name].Name != simFields[1].Name {
		t.Errorf("discovered %+v", fields)
	}

	sim, sf, _ := start(t, nil, func(c *Config) {
		c.Fields = map[match.Provider]string{ringcentral.Name: "other__RingCentral_Id__c"}
	})
	sim.ExtraFields = map[string]string{"other__RingCentral_Id__c": "Legacy RC id"}
	if f, err := sf.Discover(context.Background(), []match.Provider{ringcentral.Name}); err != nil || f[ringcentral.Name].Name != "other__RingCentral_Id__c" {
		t.Errorf("configured API name: %+v, %v", f, err)
	}

	sim, sf, _ = start(t, nil, nil)
	sim.ExtraFields = map[string]string{"old__Aircall__c": "Aircall User Identifier"}
	_, err = sf.Discover(context.Background(), names())
	if !errors.Is(err, ErrField) || !strings.Contains(err.Error(), "old__Aircall__c") || !strings.Contains(err.Error(), "aircall_field") {
		t.Errorf("two fields with one label: %v", err)
	}

	sim, sf, _ = start(t, nil, nil)
	sim.FieldsUpdateable = false
	if _, err = sf.Discover(context.Background(), names()); !errors.Is(err, ErrField) || !strings.Contains(err.Error(), "field-level security") {
		t.Errorf("read-only field: %v", err)
	}

	// a field of another type would be read as numbers or booleans, and written wrongly
	sim, sf, _ = start(t, nil, func(c *Config) { c.Fields = map[match.Provider]string{ringcentral.Name: "x__Active__c"} })
	sim.ExtraFields, sim.ExtraFieldTypes = map[string]string{"x__Active__c": "Active?"}, map[string]string{"x__Active__c": "boolean"}
	if _, err = sf.Discover(context.Background(), names()); !errors.Is(err, ErrField) || !strings.Contains(err.Error(), "is a boolean field") {
		t.Errorf("non-text field: %v", err)
	}

	_, sf, _ = start(t, nil, func(c *Config) { c.Fields = map[match.Provider]string{aircall.Name: "nope__c"} })
	if _, err = sf.Discover(context.Background(), names()); !errors.Is(err, ErrField) || !strings.Contains(err.Error(), "nope__c") {
		t.Errorf("unknown configured field: %v", err)
	}
}

// A formula field is refused as a formula, not as a standard field (issue
// #25): the fix for each differs, and the message must name the right one.
func TestFormulaFieldIsRefusedAsAFormula(t *testing.T) {
	sim, sf, err := start(t, orgUsers(2), func(c *Config) {
		c.Fields = map[match.Provider]string{ringcentral.Name: "x__RC_Formula__c"}
	})
	if err != nil {
		t.Fatal(err)
	}
	sim.ExtraFields = map[string]string{"x__RC_Formula__c": "RC id (formula)"}
	sim.ExtraFormulas = map[string]bool{"x__RC_Formula__c": true}
	_, err = sf.Discover(context.Background(), names())
	for _, w := range []string{"ringcentral_field", "User.x__RC_Formula__c", "is a formula field"} {
		if !errors.Is(err, ErrField) || !strings.Contains(fmt.Sprint(err), w) {
			t.Errorf("Discover = %v; want ErrField naming %q", err, w)
		}
	}
	for _, wrong := range []string{"standard User field", "field-level security"} {
		if strings.Contains(fmt.Sprint(err), wrong) {
			t.Errorf("Discover = %v; a formula is not refused as %q", err, wrong)
		}
	}
}

// No setting may turn voiceid against a user's own data: a standard field
// (Email, Phone...) or one field for two providers is refused before any read.
func TestIdentifierSettingsRefuseStandardAndSharedFields(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[match.Provider]string
		want   []string
	}{
		{"Email", map[match.Provider]string{ringcentral.Name: "Email"}, []string{"ringcentral_field", "User.Email", "standard User field"}},
		{"Phone", map[match.Provider]string{aircall.Name: "phone"}, []string{"aircall_field", "User.Phone", "standard User field"}},
		{"IsActive", map[match.Provider]string{ringcentral.Name: "IsActive"}, []string{"User.IsActive", "standard User field"}},
		{"one field for two providers", map[match.Provider]string{ringcentral.Name: simFields[1].Name},
			[]string{"ringcentral_field", "aircall_field", simFields[1].Name, "overwrite each other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sf, err := start(t, orgUsers(2), func(c *Config) { c.Fields = tc.fields })
			if err != nil {
				t.Fatal(err)
			}
			_, err = sf.Discover(context.Background(), names())
			for _, w := range tc.want {
				if !errors.Is(err, ErrField) || !strings.Contains(fmt.Sprint(err), w) {
					t.Errorf("Discover = %v; want ErrField naming %q", err, w)
				}
			}
		})
	}
}

func TestUsersAreReadInPagesWithOneQuery(t *testing.T) {
	sim, sf := mustStart(t, orgUsers(2500), nil)
	users, err := sf.Users(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2500 {
		t.Fatalf("read %d users, want 2,500 active standard users", len(users))
	}
	if n := sim.Requests("/services/data/v65.0/query"); n != 2 {
		t.Errorf("%d query requests, want 2 (pages of 2,000)", n)
	}
	if users[0].Phone != "(650) 555-0100" || users[0].Email != "u0@example.com" {
		t.Errorf("first user %+v", users[0])
	}
}

func TestSessionExpiryMidRunSignsInAgain(t *testing.T) {
	sim, sf := mustStart(t, orgUsers(2500), nil)
	pages := 0
	users, err := sf.Users(context.Background(), func(int) {
		if pages++; pages == 1 {
			sim.ExpireTokens()
		}
	})
	if err != nil || len(users) != 2500 {
		t.Fatalf("read %d, err %v", len(users), err)
	}
	if n := sim.Requests("/services/oauth2/token"); n != 2 {
		t.Errorf("%d sign-ins, want 2", n)
	}
}

func changesFor(users []sandbox.SFUser, n int) []match.Change {
	var out []match.Change
	for i := 0; i < n; i++ {
		out = append(out, match.Change{Provider: ringcentral.Name, UserID: users[i].ID, Username: users[i].Username, New: fmt.Sprint(800000 + i), Rule: match.RuleEmail})
	}
	return out
}

func TestApplyBatchesAndMapsEachResult(t *testing.T) {
	users := orgUsers(450)
	sim, sf := mustStart(t, users, nil)
	changes := changesFor(users, 450)
	changes = append(changes, match.Change{Provider: aircall.Name, UserID: users[0].ID, New: "51234", Rule: match.RuleEmail})
	sim.Reject[users[5].ID] = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
	sim.LockFor[users[7].ID] = 2
	reported := make([]int, len(changes))
	sent := make([]int, len(changes))
	out, err := sf.Apply(context.Background(), changes, Hooks{
		Sending: func(idx []int) error {
			for _, i := range idx {
				sent[i]++
			}
			return nil
		},
		Settled: func(done []int, _ []Outcome) {
			for _, i := range done {
				reported[i]++
				if sent[i] == 0 {
					t.Errorf("change %d settled before it was sent", i)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		switch {
		case changes[i].UserID == users[5].ID:
			if o.Applied || o.Code != "FIELD_CUSTOM_VALIDATION_EXCEPTION" {
				t.Errorf("rejected record: %+v", o)
			}
		case !o.Applied:
			t.Errorf("change %d (%s) not applied: %+v", i, changes[i].UserID, o)
		}
	}
	for i, n := range reported {
		if n != 1 {
			t.Errorf("change %d reported settled %d times", i, n)
		}
	}
	// 450 users in 3 calls, then the locked row twice more; never the rejected one again
	if n := sim.Requests("/services/data/v65.0/composite/sobjects"); n != 5 {
		t.Errorf("%d collection calls, want 5", n)
	}
	u0, _ := sim.User(users[0].ID)
	if u0.Identifiers["ringcentral"] != "800000" || u0.Identifiers["aircall"] != "51234" {
		t.Errorf("two fields of one user in one record: %+v", u0)
	}
	if u5, _ := sim.User(users[5].ID); u5.Identifiers["ringcentral"] != "" {
		t.Errorf("rejected record was written: %q", u5.Identifiers["ringcentral"])
	}
}

// A batch whose Sending hook fails is not sent, nor is any after it: the
// caller could not record it, so Salesforce must not receive it.
func TestSendingErrorStopsBeforeTheBatchGoesOut(t *testing.T) {
	for _, bulk := range []int{10_000, 100} {
		users := orgUsers(450)
		sim, sf := mustStart(t, users, func(c *Config) { c.BulkThreshold = bulk })
		stop := errors.New("the audit trail is full")
		batches := 0
		_, err := sf.Apply(context.Background(), changesFor(users, 450), Hooks{Sending: func([]int) error {
			if batches++; batches == 2 || bulk == 100 {
				return stop
			}
			return nil
		}})
		if !errors.Is(err, stop) {
			t.Errorf("bulk threshold %d: err = %v, want the hook's", bulk, err)
		}
		want := BatchSize // the first batch only
		if bulk == 100 {
			want = 0
		}
		if n := len(sim.Writes()); n != want {
			t.Errorf("bulk threshold %d: %d records written, want %d", bulk, n, want)
		}
	}
}

func TestApplyGivesUpOnARowThatStaysLocked(t *testing.T) {
	users := orgUsers(3)
	sim, sf := mustStart(t, users, nil)
	sim.LockFor[users[1].ID] = 100
	out, err := sf.Apply(context.Background(), changesFor(users, 3), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if out[1].Applied || out[1].Code != "UNABLE_TO_LOCK_ROW" || !out[0].Applied || !out[2].Applied {
		t.Errorf("outcomes %+v", out)
	}
}

func TestApplyClearsWithNullAndRefusesTooLongValues(t *testing.T) {
	users := orgUsers(2)
	users[0].SetIdentifier("ringcentral", "old")
	sim, sf := mustStart(t, users, nil)
	sim.FieldLength = 10
	if _, err := sf.Discover(context.Background(), names()); err != nil {
		t.Fatal(err)
	}
	out, err := sf.Apply(context.Background(), []match.Change{
		{Provider: ringcentral.Name, UserID: users[0].ID, Old: "old", New: "", Rule: match.RuleMoved},
		{Provider: ringcentral.Name, UserID: users[1].ID, New: "12345678901", Rule: match.RuleEmail},
	}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := sim.User(users[0].ID); !out[0].Applied || u.Identifiers["ringcentral"] != "" {
		t.Errorf("clear: %+v, field %q", out[0], u.Identifiers["ringcentral"])
	}
	if out[1].Applied || out[1].Code != "STRING_TOO_LONG" {
		t.Errorf("too long: %+v", out[1])
	}
	if n := len(sim.Writes()); n != 1 {
		t.Errorf("%d writes, want only the clear (the long value is refused before sending)", n)
	}
}

func TestApplyUsesBulkAboveTheThreshold(t *testing.T) {
	users := orgUsers(300)
	users[3].SetIdentifier("ringcentral", "old")
	users[4].SetIdentifier("aircall", "keep-me")
	sim, sf := mustStart(t, users, func(c *Config) { c.BulkThreshold = 100 })
	changes := changesFor(users, 300)
	changes[3].New = "" // a clear goes as #N/A
	changes = append(changes, match.Change{Provider: aircall.Name, UserID: users[2].ID, New: "51234", Rule: match.RuleEmail})
	sim.Reject[users[9].ID] = "INSUFFICIENT_ACCESS_OR_READONLY"
	sim.LockFor[users[11].ID] = 1
	settled := 0
	out, err := sf.Apply(context.Background(), changes, Hooks{Settled: func(done []int, _ []Outcome) { settled += len(done) }})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Requests("/services/data/v65.0/jobs/ingest") < 5 {
		t.Errorf("Bulk API 2.0 not used: %d ingest requests", sim.Requests("/services/data/v65.0/jobs/ingest"))
	}
	for i, o := range out {
		if changes[i].UserID == users[9].ID {
			if o.Applied || o.Code != "INSUFFICIENT_ACCESS_OR_READONLY" {
				t.Errorf("rejected row: %+v", o)
			}
		} else if !o.Applied {
			t.Errorf("change %d not applied: %+v", i, o)
		}
	}
	if u, _ := sim.User(users[3].ID); u.Identifiers["ringcentral"] != "" {
		t.Errorf("clear through bulk left %q", u.Identifiers["ringcentral"])
	}
	if u, _ := sim.User(users[4].ID); u.Identifiers["aircall"] != "keep-me" || u.Identifiers["ringcentral"] != "800004" {
		t.Errorf("an empty cell must leave the other field: %+v", u)
	}
	if u, _ := sim.User(users[2].ID); u.Identifiers["aircall"] != "51234" {
		t.Errorf("second column not written: %+v", u)
	}
	if u, _ := sim.User(users[11].ID); u.Identifiers["ringcentral"] != "800011" {
		t.Errorf("locked row not retried: %+v", u)
	}
	if settled != len(changes) {
		t.Errorf("%d changes reported settled, want each of the %d once", settled, len(changes))
	}
}

func TestReserveStopsBeforeTheAllowanceRunsOut(t *testing.T) {
	sim, sf := mustStart(t, orgUsers(3), func(c *Config) { c.Reserve = 100 })
	if err := sf.CheckReserve(2); err != nil {
		t.Fatalf("plenty left: %v", err)
	}
	sim.Used = 14_900
	if _, err := sf.Users(context.Background(), nil); err != nil { // the header now says 14,901/15,000
		t.Fatal(err)
	}
	err := sf.CheckReserve(2)
	if !errors.Is(err, ErrAPILimit) || !strings.Contains(err.Error(), "99 of 15000") {
		t.Errorf("reserve: %v", err)
	}
	if used, limit := sf.Usage(); used != 14_901 || limit != 15_000 {
		t.Errorf("usage %d/%d", used, limit)
	}
}

func TestRequestLimitExceededIsNotRetried(t *testing.T) {
	sim, sf := mustStart(t, orgUsers(3), nil)
	sim.Used = sim.DailyLimit
	before := sim.Requests("")
	_, err := sf.Users(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "REQUEST_LIMIT_EXCEEDED") {
		t.Fatalf("err = %v", err)
	}
	if n := sim.Requests("") - before; n != 1 {
		t.Errorf("%d requests after the limit, want 1", n)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"Standard":            `'Standard'`,
		"O'Brien":             `'O\'Brien'`,
		`back\slash`:          `'back\\slash'`,
		`' OR Name != '`:      `'\' OR Name != \''`,
		"a\nb\tc\r":           `'a\nb\tc\r'`,
		`"quoted"`:            `'\"quoted\"'`,
		"bell\x07and\x00null": `'bellandnull'`,
		"Zoë 日本":              `'Zoë 日本'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// Any answer to the user query gives users or an error, never a panic.
func FuzzQueryPage(f *testing.F) {
	f.Add(`{"totalSize":1,"done":true,"records":[{"Id":"005A","Email":null}]}`)
	f.Add(`{"totalSize":2,"done":false,"nextRecordsUrl":"http://elsewhere.example/x","records":[]}`)
	f.Add(`{"done":true}`)
	sim, sf := mustStart(f, orgUsers(1), nil)
	f.Fuzz(func(t *testing.T, body string) {
		sim.Inject(sandbox.Fault{Path: "/services/data/v65.0/query", Status: 200, Body: body})
		sf.Users(context.Background(), nil)
	})
}

// One rule for what each sign-in flow needs: config validates through it,
// and Connect refuses the same configs before any request.
func TestCheckAuthNamesTheKeyEachFlowLacks(t *testing.T) {
	full := Config{LoginURL: "https://acme.my.salesforce.com", ClientID: "ck", ClientSecret: "cs", Username: "int@acme.com",
		PrivateKeyFile: "/keys/sf.key", TargetOrg: "admin"}
	cases := []struct {
		auth string
		edit func(*Config)
		key  string // "" = accepted
	}{
		{"", func(*Config) {}, ""},
		{AuthJWT, func(c *Config) { c.Username = "" }, "username"},
		{AuthJWT, func(c *Config) { c.PrivateKeyFile = " " }, "private_key_file"},
		{AuthJWT, func(c *Config) { c.ClientID = "" }, "client_id"},
		{AuthClientCredentials, func(c *Config) { c.ClientSecret = "" }, "client_secret"},
		{AuthClientCredentials, func(c *Config) { c.LoginURL = "" }, "login_url"},
		{AuthSFCLI, func(c *Config) { c.LoginURL, c.ClientID, c.Username = "", "", "" }, ""},
		{AuthSFCLI, func(c *Config) { c.TargetOrg = "" }, "target_org"},
		{"password", func(*Config) {}, "auth"},
	}
	for _, tc := range cases {
		cfg := full
		cfg.Auth = tc.auth
		tc.edit(&cfg)
		err := CheckAuth(cfg)
		var ke *KeyError
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("auth %q: %v, want accepted", tc.auth, err)
		case tc.key != "" && (!errors.As(err, &ke) || ke.Key != tc.key):
			t.Errorf("auth %q: %v, want a problem with %s", tc.auth, err, tc.key)
		}
		if tc.key == "" {
			continue
		}
		if _, err := Connect(context.Background(), cfg); !errors.Is(err, ErrConfigured) || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("Connect with auth %q lacking %s: %v", tc.auth, tc.key, err)
		}
	}
}

// check asks about each provider's field in turn: User is described once.
func TestUserIsDescribedOncePerConnection(t *testing.T) {
	sim, sf, err := start(t, orgUsers(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range names() {
		if _, err := sf.Discover(context.Background(), []match.Provider{p}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sf.Discover(context.Background(), names()); err != nil {
		t.Fatal(err)
	}
	if n := sim.Requests("/services/data/v65.0/sobjects/User/describe"); n != 1 {
		t.Errorf("%d describe calls, want 1", n)
	}
}

// The org's kind and its ".invalid" emails (docs/providers/salesforce.md), read with
// the fewest queries: the total is counted only when some emails end so.
func TestSandboxFactsCountTheInvalidEmailsOfActiveStandardUsers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     func(*sandbox.SalesforceSim)
		want    SandboxFacts
		queries int
	}{
		{"production", func(*sandbox.SalesforceSim) {}, SandboxFacts{}, 2},
		{"sandbox without .invalid", func(s *sandbox.SalesforceSim) { s.Sandbox = true }, SandboxFacts{IsSandbox: true}, 2},
		{"sandbox copy", func(s *sandbox.SalesforceSim) { s.SandboxCopy = true }, SandboxFacts{IsSandbox: true, Invalid: 4, Users: 5}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, sf := mustStart(t, orgUsers(5), nil) // 5 active standard users, an inactive and a portal user
			tc.set(sim)
			before := sim.Requests("/services/data/v65.0/query")
			f, err := sf.Sandbox(context.Background())
			if err != nil || f != tc.want {
				t.Errorf("Sandbox() = %+v, %v; want %+v", f, err, tc.want)
			}
			if n := sim.Requests("/services/data/v65.0/query") - before; n != tc.queries {
				t.Errorf("%d queries, want %d", n, tc.queries)
			}
		})
	}
}
