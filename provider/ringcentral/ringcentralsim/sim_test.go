package ringcentralsim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"voiceid/internal/fakeclock"
	"voiceid/sandbox"
)

var testCreds = Credentials{ClientID: "id", ClientSecret: "secret", JWT: "jwt"}

// rcPost posts a form to one of the OAuth endpoints with the app's Basic header (user "" sends none).
func rcPost(t *testing.T, sim *Sim, path, user, pass string, form url.Values) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, sim.URL()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body json.RawMessage
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// rcSignIn signs in with the JWT and returns the access and refresh tokens.
func rcSignIn(t *testing.T, sim *Sim) (access, refresh string) {
	t.Helper()
	status, body := rcPost(t, sim, "/restapi/oauth/token", "id", "secret",
		url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"jwt"}})
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("sign-in: %d %s", status, body)
	}
	return tok.Access, tok.Refresh
}

// rcDirectoryStatus is the status and errors[0].errorCode of a directory read with token.
func rcDirectoryStatus(t *testing.T, sim *Sim, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, sim.URL()+"/restapi/v1.0/account/~/directory/entries", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Errors []struct {
			ErrorCode string `json:"errorCode"`
		} `json:"errors"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	if len(e.Errors) > 0 {
		return resp.StatusCode, e.Errors[0].ErrorCode
	}
	return resp.StatusCode, ""
}

// SPEC revokeToken, DOCS tokens.md: POST /restapi/oauth/revoke with token=
// (access or refresh) and the Basic header ends the whole session: its
// access token then answers 401 TokenInvalid/OAU-213. A token the server
// does not know still gets 200 (RFC 7009); no token is a 400 in the OAuth shape.
func TestRingCentralRevokeEndsTheSessionEitherTokenNames(t *testing.T) {
	sim := New(InOrg(sandbox.GenerateOrg(60, 1, Simulator())).Entries, testCreds)
	defer sim.Close()
	router := specRouter(t, sim.URL())
	revoke := func(user, pass string, form url.Values) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, sim.URL()+"/restapi/oauth/revoke", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		return req
	}
	byAccess, _ := rcSignIn(t, sim)
	byRefreshAccess, refresh := rcSignIn(t, sim)
	if n := sim.LiveSessions(); n != 2 {
		t.Fatalf("%d live sessions after two sign-ins", n)
	}
	validate(t, router, revoke("id", "secret", url.Values{"token": {byAccess}}), 200)
	validate(t, router, revoke("id", "secret", url.Values{"token": {refresh}}), 200)
	for _, tok := range []string{byAccess, byRefreshAccess} {
		if status, code := rcDirectoryStatus(t, sim, tok); status != http.StatusUnauthorized || code != "OAU-213" {
			t.Errorf("a revoked session's token answers %d %s, want 401 OAU-213", status, code)
		}
	}
	if n := sim.LiveSessions(); n != 0 {
		t.Errorf("%d live sessions after revoking both", n)
	}
	validate(t, router, revoke("id", "secret", url.Values{"token": {"SIM-AT-unknown"}}), 200)
	validate(t, router, revoke("id", "secret", url.Values{}), 400)
	validate(t, router, revoke("id", "wrong", url.Values{"token": {byAccess}}), 401)
}

// DOCS tokens.md (ringcentral.md §1): about 5 parallel sessions per user;
// extra logins can invalidate older tokens. With the cap at 5, the sixth
// sign-in ends the first session and no other.
func TestRingCentralSignInBeyondTheSessionCapEndsTheOldestSession(t *testing.T) {
	sim := New(InOrg(sandbox.GenerateOrg(60, 1, Simulator())).Entries, testCreds)
	defer sim.Close()
	if sim.SessionCap != 5 {
		t.Fatalf("SessionCap defaults to %d, want 5", sim.SessionCap)
	}
	var tokens []string
	for range 6 {
		access, _ := rcSignIn(t, sim)
		tokens = append(tokens, access)
	}
	if n := sim.LiveSessions(); n != 5 {
		t.Errorf("%d live sessions after 6 sign-ins under a cap of 5", n)
	}
	if status, code := rcDirectoryStatus(t, sim, tokens[0]); status != http.StatusUnauthorized || code != "OAU-213" {
		t.Errorf("the oldest session's token answers %d %s, want 401 OAU-213", status, code)
	}
	for i, tok := range tokens[1:] {
		if status, _ := rcDirectoryStatus(t, sim, tok); status != http.StatusOK {
			t.Errorf("session %d of 6 answers %d; only the oldest may end", i+2, status)
		}
	}
}

// SPEC: a directory phone number carries type (VoiceFax, VoiceOnly, FaxOnly
// in PhoneNumberType). Whether the directory lists FaxOnly numbers at all is
// UNCONFIRMED: by default it lists them with their type, FaxOnlyUnlisted leaves them out.
func TestRingCentralDirectoryNumbersCarryTheirTypeFaxOnlyIncluded(t *testing.T) {
	entries := []Entry{{ID: 7, Type: "FaxUser", Status: "Enabled", FirstName: "Fax", LastName: "Line", Extension: "2951",
		Numbers: []Number{{ID: 1, Number: "+16505550177", UsageType: "DirectNumber", Type: "FaxOnly"},
			{ID: 2, Number: "+16505550176", UsageType: "DirectNumber"}}}}
	for _, unlisted := range []bool{false, true} {
		sim := New(entries, testCreds)
		defer sim.Close()
		sim.FaxOnlyUnlisted = unlisted
		access, _ := rcSignIn(t, sim)
		req, _ := http.NewRequest(http.MethodGet, sim.URL()+"/restapi/v1.0/account/~/directory/entries", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		body := validate(t, specRouter(t, sim.URL()), req, 200)
		var page struct {
			Records []struct {
				Type         string `json:"type"`
				PhoneNumbers []struct{ PhoneNumber, Type string }
			}
		}
		if err := json.Unmarshal(body, &page); err != nil || len(page.Records) != 1 {
			t.Fatalf("directory: %v %s", err, body)
		}
		got := map[string]string{}
		for _, n := range page.Records[0].PhoneNumbers {
			got[n.PhoneNumber] = n.Type
		}
		want := map[string]string{"+16505550177": "FaxOnly", "+16505550176": "VoiceFax"}
		if unlisted {
			delete(want, "+16505550177")
		}
		if len(got) != len(want) || got["+16505550177"] != want["+16505550177"] || got["+16505550176"] != "VoiceFax" {
			t.Errorf("FaxOnlyUnlisted=%v: numbers %v, want %v", unlisted, got, want)
		}
	}
}

// DOCS tokens.md: the revoke endpoint answers 200 even when it revokes
// nothing, an expired token being the example; the session stays open until
// its refresh token (which outlives the access token) is revoked.
func TestRingCentralRevokeByAnExpiredAccessTokenRevokesNothing(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_700_000_000, 0))
	sim := New(InOrg(sandbox.GenerateOrg(60, 1, Simulator())).Entries, testCreds)
	defer sim.Close()
	sim.Now = clk.Now
	access, refresh := rcSignIn(t, sim)
	clk.Sleep(context.Background(), sim.TokenTTL+time.Second) // the access token expires
	if status, _ := rcPost(t, sim, "/restapi/oauth/revoke", "id", "secret", url.Values{"token": {access}}); status != http.StatusOK {
		t.Fatalf("revoke by an expired access token: %d, want 200", status)
	}
	if n := sim.LiveSessions(); n != 1 {
		t.Fatalf("%d live sessions, want the session still open", n)
	}
	if status, _ := rcPost(t, sim, "/restapi/oauth/revoke", "id", "secret", url.Values{"token": {refresh}}); status != http.StatusOK || sim.LiveSessions() != 0 {
		t.Errorf("revoke by the refresh token: %d, %d live sessions, want 200 and none", status, sim.LiveSessions())
	}
}
