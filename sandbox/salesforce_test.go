package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Each test is named after the documented fact it holds the simulator to
// (sources in FACTS.md).

// testFields are two providers' identifier fields, as a stack would give them.
var testFields = []Field{{Provider: "alpha", Name: "x__Alpha_User_Identifier__c", Label: "Alpha User Identifier"},
	{Provider: "beta", Name: "x__Beta_User_Identifier__c", Label: "Beta User Identifier"}}

func sfSim(t *testing.T) (*SalesforceSim, func(jwt.Claims) (int, map[string]string)) {
	t.Helper()
	return sfSimWith(t, []SFUser{{ID: "005SIM000000001AAA", Username: "a@example.com.prod", LastName: "A", Email: "a@example.com",
		IsActive: true, UserType: "Standard", CountryCode: "GB"}})
}

// sfSimWith is sfSim holding users.
func sfSimWith(t *testing.T, users []SFUser) (*SalesforceSim, func(jwt.Claims) (int, map[string]string)) {
	t.Helper()
	key, _, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sim := NewSalesforce(users, SFCredentials{ClientID: "ck", Username: "int@example.com", PublicKey: &key.PublicKey}, testFields)
	t.Cleanup(sim.Close)
	post := func(c jwt.Claims) (int, map[string]string) {
		signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.PostForm(sim.URL()+"/services/oauth2/token", url.Values{
			"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signed}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &body)
		return resp.StatusCode, body
	}
	return sim, post
}

func TestSalesforceRefusesAnArrayAudience(t *testing.T) {
	_, post := sfSim(t)
	exp := jwt.NewNumericDate(time.Now().Add(2 * time.Minute))
	status, body := post(jwt.RegisteredClaims{Issuer: "ck", Subject: "int@example.com",
		Audience: jwt.ClaimStrings{"https://login.salesforce.com"}, ExpiresAt: exp})
	if status != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_description"], "audience") {
		t.Errorf("array aud: %d %v, want 400 invalid_grant about the audience", status, body)
	}
	status, body = post(jwt.MapClaims{"iss": "ck", "sub": "int@example.com", "aud": "https://login.salesforce.com", "exp": exp.Unix()})
	if status != 200 || body["access_token"] == "" {
		t.Errorf("single-string aud: %d %v, want a token", status, body)
	}
}

func TestSalesforceSandboxTakesOnlyTheTestAudience(t *testing.T) {
	sim, post := sfSim(t)
	sim.Sandbox = true
	exp := time.Now().Add(2 * time.Minute).Unix()
	if status, body := post(jwt.MapClaims{"iss": "ck", "sub": "int@example.com", "aud": "https://login.salesforce.com", "exp": exp}); status != 400 ||
		!strings.Contains(body["error_description"], "audience") {
		t.Errorf("production audience on a sandbox: %d %v", status, body)
	}
	if status, body := post(jwt.MapClaims{"iss": "ck", "sub": "int@example.com", "aud": sim.URL(), "exp": exp}); status != 400 {
		t.Errorf("the token endpoint's own host as audience: %d %v, want refused", status, body)
	}
	if status, body := post(jwt.MapClaims{"iss": "ck", "sub": "int@example.com", "aud": "https://test.salesforce.com", "exp": exp}); status != 200 {
		t.Errorf("test audience on a sandbox: %d %v", status, body)
	}
}

func TestSalesforceRefusesAnAssertionSignedByAnotherKey(t *testing.T) {
	sim, _ := sfSim(t)
	other, _, _ := GenerateKey()
	signed, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "ck", "sub": "int@example.com",
		"aud": "https://login.salesforce.com", "exp": time.Now().Add(time.Minute).Unix()}).SignedString(other)
	resp, err := http.PostForm(sim.URL()+"/services/oauth2/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signed}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), `"invalid assertion"`) {
		t.Errorf("foreign key: %d %s, want 400 invalid_grant invalid assertion", resp.StatusCode, b)
	}
}

// signedIn returns a GET helper carrying a token of the simulated org.
func signedIn(t *testing.T, sim *SalesforceSim, post func(jwt.Claims) (int, map[string]string)) func(path string) (int, string) {
	t.Helper()
	do := signedInDo(t, sim, post)
	return func(path string) (int, string) { return do(http.MethodGet, path, "") }
}

// signedInDo returns a request helper carrying a token of the simulated org.
func signedInDo(t *testing.T, sim *SalesforceSim, post func(jwt.Claims) (int, map[string]string)) func(method, path, body string) (int, string) {
	t.Helper()
	_, tok := post(jwt.MapClaims{"iss": "ck", "sub": "int@example.com", "aud": "https://login.salesforce.com", "exp": time.Now().Add(time.Minute).Unix()})
	return func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, sim.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok["access_token"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

func TestSalesforceWithoutCountryPicklistsHasNoCountryCode(t *testing.T) {
	sim, post := sfSim(t)
	sim.NoCountryCode = true
	get := signedIn(t, sim, post)
	if status, body := get("/services/data/v59.0/sobjects/User/describe"); status != 200 || strings.Contains(body, `"CountryCode"`) {
		t.Errorf("describe: %d, lists CountryCode: %v", status, strings.Contains(body, `"CountryCode"`))
	}
	q := url.QueryEscape("SELECT Id, CountryCode FROM User WHERE IsActive = true")
	if status, body := get("/services/data/v59.0/query?q=" + q); status != 400 || !strings.Contains(body, "INVALID_FIELD") {
		t.Errorf("query naming CountryCode: %d %s, want 400 INVALID_FIELD", status, body)
	}
	q = url.QueryEscape("SELECT Id, Country FROM User WHERE IsActive = true")
	if status, body := get("/services/data/v59.0/query?q=" + q); status != 200 || !strings.Contains(body, `"Country":"GB"`) {
		t.Errorf("query of Country: %d %s, want the country as text", status, body)
	}
}

func TestSalesforceServesOnlyTheVersionsItLists(t *testing.T) {
	sim, post := sfSim(t)
	get := signedIn(t, sim, post)
	status, body := get("/services/data/")
	var list []struct{ Version, URL string }
	if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) == 0 || list[len(list)-1].Version != "66.0" || list[0].Version != "31.0" {
		t.Fatalf("versions: %d %s", status, body)
	}
	if status, _ := get("/services/data/v59.0/limits"); status != 200 {
		t.Errorf("v59.0: %d", status)
	}
	if status, body := get("/services/data/v30.0/limits"); status != 404 || !strings.Contains(body, "NOT_FOUND") {
		t.Errorf("a retired version: %d %s, want 404 NOT_FOUND", status, body)
	}
}

func TestSalesforceDescribesFormulaFieldsAsCalculatedAndReadOnly(t *testing.T) {
	sim, post := sfSim(t)
	sim.ExtraFields = map[string]string{"x__Formula__c": "A formula", "x__Text__c": "A text field"}
	sim.ExtraFormulas = map[string]bool{"x__Formula__c": true}
	get := signedIn(t, sim, post)
	status, body := get("/services/data/v59.0/sobjects/User/describe")
	var d struct {
		Fields []struct {
			Name                   string
			Calculated, Updateable bool
		}
	}
	if status != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("describe: %d %s", status, body)
	}
	seen := 0
	for _, f := range d.Fields {
		switch f.Name {
		case "x__Formula__c":
			seen++
			if !f.Calculated || f.Updateable {
				t.Errorf("formula field: calculated %v, updateable %v; want calculated and read-only", f.Calculated, f.Updateable)
			}
		case "x__Text__c", testFields[0].Name:
			seen++
			if f.Calculated || !f.Updateable {
				t.Errorf("%s: calculated %v, updateable %v; want an editable, uncalculated field", f.Name, f.Calculated, f.Updateable)
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d of the 3 fields described", seen)
	}
}

func TestSalesforceDailyLimitAnswersTotalRequestsLimitExceeded(t *testing.T) {
	sim, post := sfSim(t)
	get := signedIn(t, sim, post)
	sim.Used = sim.DailyLimit
	status, body := get("/services/data/v59.0/limits")
	var errs []struct{ Message, ErrorCode string }
	if status != 403 || json.Unmarshal([]byte(body), &errs) != nil || len(errs) != 1 ||
		errs[0].ErrorCode != "REQUEST_LIMIT_EXCEEDED" || errs[0].Message != SFTotalRequests {
		t.Errorf("past the daily limit: %d %s, want 403 REQUEST_LIMIT_EXCEEDED %q", status, body, SFTotalRequests)
	}
}

// Salesforce refuses a request over a concurrency limit before doing
// anything with it (salesforce.md §5): the same request sent again works.
func TestSalesforceConcurrencyLimitsRefuseWithoutChangingAnything(t *testing.T) {
	for _, msg := range []string{SFConcurrentRequests, SFConcurrentRequestsLong, SFConcurrentLongTxn} {
		t.Run(msg, func(t *testing.T) {
			sim, post := sfSim(t)
			do := signedInDo(t, sim, post)
			const path = "/services/data/v59.0/composite/sobjects"
			write := `{"allOrNone":false,"records":[{"attributes":{"type":"User"},"id":"005SIM000000001AAA","` + testFields[0].Name + `":"814243005"}]}`
			sim.RefuseNext(http.MethodPatch, path, 2, msg)
			for i := 1; i <= 2; i++ {
				status, body := do(http.MethodPatch, path, write)
				var errs []struct{ Message, ErrorCode string }
				if status != 403 || json.Unmarshal([]byte(body), &errs) != nil || len(errs) != 1 || errs[0].ErrorCode != "REQUEST_LIMIT_EXCEEDED" || errs[0].Message != msg {
					t.Errorf("refusal %d: %d %s, want 403 REQUEST_LIMIT_EXCEEDED %q", i, status, body, msg)
				}
			}
			if u, _ := sim.User("005SIM000000001AAA"); u.Identifiers["alpha"] != "" || len(sim.Writes()) != 0 {
				t.Errorf("a refused write changed the org: %+v, writes %v", u, sim.Writes())
			}
			if status, body := do(http.MethodPatch, path, write); status != 200 || !strings.Contains(body, `"success":true`) {
				t.Errorf("the same write after the refusals: %d %s", status, body)
			}
			if u, _ := sim.User("005SIM000000001AAA"); u.Identifiers["alpha"] != "814243005" {
				t.Errorf("the write sent again was not applied: %+v", u)
			}
		})
	}
}

// queryResult is a REST query answer (salesforce.md §2).
type queryResult struct {
	TotalSize int
	Done      bool
	Records   []map[string]any
}

// query runs SOQL on the simulator and decodes the answer.
func query(t *testing.T, get func(string) (int, string), soql string) queryResult {
	t.Helper()
	status, body := get("/services/data/v59.0/query?q=" + url.QueryEscape(soql))
	var r queryResult
	if status != 200 || json.Unmarshal([]byte(body), &r) != nil {
		t.Fatalf("%s: %d %s", soql, status, body)
	}
	return r
}

// threeUsers are two active standard users and an inactive one.
func threeUsers() []SFUser {
	return []SFUser{
		{ID: "005SIM000000001AAA", Username: "ann@example.com.prod", LastName: "Ann", Email: "ann@example.com", IsActive: true, UserType: "Standard"},
		{ID: "005SIM000000002AAA", Username: "bob@example.com.prod", LastName: "Bob", Email: "Bob@Example.com", IsActive: true, UserType: "Standard"},
		{ID: "005SIM000000003AAA", Username: "cy@example.com.prod", LastName: "Cy", Email: "cy@example.com", IsActive: false, UserType: "Standard"},
	}
}

// Organization has one record; IsSandbox tells a sandbox (scratch orgs say
// true too) from production (Object Reference, Organization; sfdx-core org.ts).
func TestSalesforceOrganizationSaysWhetherTheOrgIsASandbox(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*SalesforceSim)
		want bool
	}{
		{"production", func(*SalesforceSim) {}, false},
		{"sandbox", func(s *SalesforceSim) { s.Sandbox = true }, true},
		{"sandbox copy", func(s *SalesforceSim) { s.SandboxCopy = true }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, post := sfSim(t)
			get := signedIn(t, sim, post) // signed in with production's audience, before Sandbox is set
			tc.set(sim)
			r := query(t, get, "SELECT IsSandbox FROM Organization")
			if r.TotalSize != 1 || len(r.Records) != 1 || r.Records[0]["IsSandbox"] != tc.want {
				t.Fatalf("answer %+v, want one record with IsSandbox %v", r, tc.want)
			}
			if attrs, _ := r.Records[0]["attributes"].(map[string]any); attrs["type"] != "Organization" {
				t.Errorf("attributes %v, want type Organization", r.Records[0]["attributes"])
			}
		})
	}
}

// A sandbox copy appends ".invalid" to every user's Email, except the user
// who started the copy (salesforce.md §5a, Salesforce help 000386507).
func TestSalesforceSandboxCopyAppendsInvalidToEveryEmailButTheRefreshers(t *testing.T) {
	sim, post := sfSimWith(t, threeUsers())
	get := signedIn(t, sim, post)
	emails := func() map[string]any {
		out := map[string]any{}
		for _, rec := range query(t, get, "SELECT Id, Email FROM User").Records {
			out[rec["Id"].(string)] = rec["Email"]
		}
		return out
	}
	if e := emails(); e["005SIM000000002AAA"] != "Bob@Example.com" {
		t.Errorf("production emails %v", e)
	}
	sim.SandboxCopy = true
	want := map[string]any{"005SIM000000001AAA": "ann@example.com", "005SIM000000002AAA": "Bob@Example.com.invalid", "005SIM000000003AAA": "cy@example.com.invalid"}
	if e := emails(); len(e) != 3 || e["005SIM000000001AAA"] != want["005SIM000000001AAA"] || e["005SIM000000002AAA"] != want["005SIM000000002AAA"] || e["005SIM000000003AAA"] != want["005SIM000000003AAA"] {
		t.Errorf("sandbox emails %v, want %v (the first user started the copy)", e, want)
	}
	sim.RefreshedBy = "005SIM000000002AAA"
	if e := emails(); e["005SIM000000001AAA"] != "ann@example.com.invalid" || e["005SIM000000002AAA"] != "Bob@Example.com" {
		t.Errorf("copy started by Bob: %v", e)
	}
	if u, _ := sim.User("005SIM000000002AAA"); u.Email != "Bob@Example.com" {
		t.Errorf("the stored user changed: %+v", u)
	}
}

// SELECT COUNT() answers the number of matching rows in totalSize, with no
// records (SOQL reference, COUNT(); 3P: Workbench and Illuminated Cloud show
// "an empty result set with a total result set size").
func TestSalesforceCountQueryAnswersTotalSizeWithoutRecords(t *testing.T) {
	sim, post := sfSimWith(t, threeUsers())
	get := signedIn(t, sim, post)
	r := query(t, get, "SELECT COUNT() FROM User WHERE IsActive = true AND UserType = 'Standard'")
	if r.TotalSize != 2 || !r.Done || r.Records == nil || len(r.Records) != 0 {
		t.Errorf("COUNT(): %+v, want totalSize 2, done, and an empty records array", r)
	}
	for _, bad := range []string{"SELECT COUNT(), Id FROM User", "SELECT Id, COUNT() FROM User"} {
		if status, body := get("/services/data/v59.0/query?q=" + url.QueryEscape(bad)); status != 400 || !strings.Contains(body, "MALFORMED_QUERY") {
			t.Errorf("%s: %d %s, want 400 MALFORMED_QUERY", bad, status, body)
		}
	}
}

// LIKE matches % (any run) and _ (one character), case-insensitively on a
// field that is not unique and case-sensitive, as Email (SOQL comparison operators).
func TestSalesforceLikeMatchesWildcardsCaseInsensitively(t *testing.T) {
	sim, post := sfSimWith(t, threeUsers())
	sim.SandboxCopy = true
	get := signedIn(t, sim, post)
	for soql, want := range map[string]int{
		"SELECT COUNT() FROM User WHERE Email LIKE '%.invalid'":                                               2,
		"SELECT COUNT() FROM User WHERE Email LIKE '%.INVALID'":                                               2,
		"SELECT COUNT() FROM User WHERE IsActive = true AND UserType = 'Standard' AND Email LIKE '%.invalid'": 1,
		"SELECT COUNT() FROM User WHERE Email LIKE 'bo_@example.com%'":                                        1,
		"SELECT COUNT() FROM User WHERE Email LIKE '.invalid'":                                                0,
		"SELECT COUNT() FROM User WHERE Email LIKE 'ann@example.co'":                                          0,
	} {
		if r := query(t, get, soql); r.TotalSize != want {
			t.Errorf("%s: %d, want %d", soql, r.TotalSize, want)
		}
	}
}

// SystemModstamp is stamped on every write the simulator accepts (and by
// Edit), is answered in the REST API's dateTime form, and filters with an
// unquoted dateTime literal; a quoted one is refused as Salesforce refuses it
// (docs/providers/salesforce.md: Query, SOQL date formats).
func TestSalesforceStampsChangesAndFiltersOnSystemModstamp(t *testing.T) {
	at := time.Now().UTC().Truncate(time.Second) // sign-in checks the assertion against Now: it stays the real time
	sim, post := sfSimWith(t, nil)
	sim.Now = func() time.Time { return at } // before any request: the handlers read it afterwards
	sim.setUsers(threeUsers())               // stamped a month before at
	do := signedInDo(t, sim, post)
	get := func(path string) (int, string) { return do(http.MethodGet, path, "") }
	literal := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

	sim.Advance(time.Hour)
	write := `{"allOrNone":false,"records":[{"attributes":{"type":"User"},"id":"005SIM000000002AAA","` + testFields[0].Name + `":"42"}]}`
	if status, body := do(http.MethodPatch, "/services/data/v59.0/composite/sobjects", write); status != 200 || !strings.Contains(body, `"success":true`) {
		t.Fatalf("write: %d %s", status, body)
	}
	sim.Edit("005SIM000000003AAA", func(u *SFUser) { u.IsActive = true })

	r := query(t, get, "SELECT Id, SystemModstamp FROM User WHERE SystemModstamp >= "+literal(at.Add(30*time.Minute))+" ORDER BY Id")
	if r.TotalSize != 2 || r.Records[0]["Id"] != "005SIM000000002AAA" || r.Records[1]["Id"] != "005SIM000000003AAA" {
		t.Fatalf("changed in the last half hour: %+v, want the user written and the user edited", r.Records)
	}
	if got, want := r.Records[0]["SystemModstamp"], at.Add(time.Hour).Format("2006-01-02T15:04:05")+".000+0000"; got != want {
		t.Errorf("SystemModstamp answered as %v, want %s", got, want)
	}
	offset := at.Add(30 * time.Minute).In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05-07:00")
	if r := query(t, get, "SELECT Id FROM User WHERE SystemModstamp < "+offset); r.TotalSize != 1 {
		t.Errorf("unchanged before %s: %+v, want the one user left alone", offset, r.Records)
	}
	status, body := get("/services/data/v59.0/query?q=" + url.QueryEscape("SELECT Id FROM User WHERE SystemModstamp >= '"+literal(at)+"'"))
	if status != 400 || !strings.Contains(body, "MALFORMED_QUERY") || !strings.Contains(body, "should not be enclosed in quotes") {
		t.Errorf("a quoted dateTime: %d %s, want 400 MALFORMED_QUERY", status, body)
	}
	if status, _ := get("/services/data/v59.0/query?q=" + url.QueryEscape("SELECT Id FROM User WHERE Email > 'a'")); status != 400 {
		t.Errorf("> on a text field answered %d, want 400 (outside the simulated subset)", status)
	}
}
