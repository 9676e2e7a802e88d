package sandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
)

// SFCredentials are what the simulated connected app accepts.
type SFCredentials struct {
	ClientID     string
	ClientSecret string         // client credentials flow
	Username     string         // run-as user of the JWT flow (must be an active user or this name)
	PublicKey    *rsa.PublicKey // certificate uploaded to the app, for the JWT flow
}

// Identifier field API names in the simulated org. The Voice Connector's real
// names are unknown (salesforce.md §3), so the job must find them by label.
const (
	SFRingCentralField = "cnx__RingCentral_User_Identifier__c"
	SFAircallField     = "cnx__Aircall_User_Identifier__c"
	SFDialpadField     = "cnx__Dialpad_User_Identifier__c"
)

// SFIntegrationUserID is the simulated run-as user: the token's identity URL
// ends with it and the jobs it creates carry it as createdById.
const SFIntegrationUserID = "005SIM0000000001AAA"

// Write is one field value the simulator accepted, in order.
type Write struct {
	UserID string
	Field  string
	Value  string
}

// SalesforceSim simulates the parts of the Salesforce REST API voiceid uses.
type SalesforceSim struct {
	base
	creds SFCredentials
	users []SFUser
	byID  map[string]int

	// FieldLength is the described length of the identifier fields (default 255).
	FieldLength int
	// FieldsUpdateable is false to simulate field-level security making them read-only.
	FieldsUpdateable bool
	// ExtraFields adds described User fields (API name -> label), e.g. a second
	// field carrying an identifier label.
	ExtraFields map[string]string
	// ExtraFieldTypes gives an extra field a describe type other than "string".
	ExtraFieldTypes map[string]string
	// ExtraFormulas makes extra fields formula fields: described calculated
	// and not updateable.
	ExtraFormulas map[string]bool
	// DailyLimit is the org's daily API allowance (default 15000).
	DailyLimit int
	// Used is the allowance already spent today.
	Used int
	// Sandbox makes the org a sandbox: its JWT audience is test.salesforce.com
	// and Organization.IsSandbox is true.
	Sandbox bool
	// SandboxCopy makes the org's data look like a sandbox just created,
	// refreshed or cloned (salesforce.md §5a): Organization.IsSandbox is true
	// and the API answers every user's Email with ".invalid" appended, except
	// the user who started the copy, RefreshedBy (default: the first user).
	// Users and User show the users as stored. The JWT audience stays
	// production's (Sandbox sets that), so a stack whose login_url is the
	// loopback simulator can still sign in.
	SandboxCopy bool
	RefreshedBy string
	// NoCountryCode is an org without State and Country/Territory Picklists:
	// User.CountryCode is not described and a query naming it fails with
	// INVALID_FIELD; users' countries are in the free-text Country.
	NoCountryCode bool
	// OldestVersion and NewestVersion bound the API versions served (default
	// 31.0 to 66.0); others answer 404 NOT_FOUND.
	OldestVersion, NewestVersion int
	// Reject makes the write of a user fail with this status code every time.
	Reject map[string]string
	// LockFor makes the write of a user fail with UNABLE_TO_LOCK_ROW this many times.
	LockFor map[string]int
	Now     func() time.Time

	// HoldJobs keeps every closed ingest job InProgress for ever (a stuck org);
	// its rows are still processed when it is closed.
	HoldJobs bool
	// LoseJobCreate makes this many ingest job POSTs create the job and then
	// answer 500, as a server failing after the commit would.
	LoseJobCreate int
	// BlankFailedIDs leaves sf__Id empty in failed results.
	BlankFailedIDs bool
	// JobsPerPage is how many jobs one Get All Jobs page holds (default 1000).
	JobsPerPage int

	tokens  map[string]bool
	cursors map[string]cursor
	writes  []Write
	nextCur int
	jobs    map[string]*ingestJob
}

type cursor struct {
	rows   []map[string]any
	offset int
	batch  int
}

// NewSalesforce starts a simulator holding users.
func NewSalesforce(users []SFUser, creds SFCredentials) *SalesforceSim {
	s := &SalesforceSim{creds: creds, FieldLength: 255, FieldsUpdateable: true, DailyLimit: 15000, OldestVersion: 31, NewestVersion: 66,
		Reject: map[string]string{}, LockFor: map[string]int{}, Now: time.Now,
		tokens: map[string]bool{}, cursors: map[string]cursor{}, byID: map[string]int{}}
	s.setUsers(users)
	s.errorBody = func(status int, _ string) any {
		code := map[int]string{400: "MALFORMED_QUERY", 401: "INVALID_SESSION_ID", 403: "REQUEST_LIMIT_EXCEEDED", 404: "NOT_FOUND"}[status]
		if code == "" {
			code = "UNKNOWN_EXCEPTION"
		}
		return []map[string]any{{"message": http.StatusText(status), "errorCode": code}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /services/oauth2/token", s.token)
	mux.HandleFunc("GET /services/data/", s.versions)
	mux.HandleFunc("GET /services/data/{v}/sobjects/User/describe", s.authed(s.describe))
	mux.HandleFunc("GET /services/data/{v}/query", s.authed(s.query))
	mux.HandleFunc("GET /services/data/{v}/query/{locator}", s.authed(s.queryMore))
	mux.HandleFunc("PATCH /services/data/{v}/composite/sobjects", s.authed(s.update))
	mux.HandleFunc("GET /services/data/{v}/limits", s.authed(s.limits))
	mux.HandleFunc("POST /services/data/{v}/jobs/ingest", s.authed(s.createJob))
	mux.HandleFunc("GET /services/data/{v}/jobs/ingest", s.authed(s.listJobs))
	mux.HandleFunc("PUT /services/data/{v}/jobs/ingest/{job}/batches", s.authed(s.uploadJob))
	mux.HandleFunc("PATCH /services/data/{v}/jobs/ingest/{job}", s.authed(s.closeJob))
	mux.HandleFunc("GET /services/data/{v}/jobs/ingest/{job}", s.authed(s.getJob))
	mux.HandleFunc("GET /services/data/{v}/jobs/ingest/{job}/successfulResults", s.authed(s.jobResults(true)))
	mux.HandleFunc("GET /services/data/{v}/jobs/ingest/{job}/failedResults", s.authed(s.jobResults(false)))
	s.start(mux)
	return s
}

func (s *SalesforceSim) setUsers(users []SFUser) {
	s.users = append([]SFUser(nil), users...)
	clear(s.byID)
	for i, u := range s.users {
		s.byID[u.ID] = i
	}
}

// Users returns a copy of the org's users as they are now.
func (s *SalesforceSim) Users() []SFUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SFUser(nil), s.users...)
}

// User returns one user by id.
func (s *SalesforceSim) User(id string) (SFUser, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byID[id]
	if !ok {
		return SFUser{}, false
	}
	return s.users[i], true
}

// Writes returns every field value written so far, in order.
func (s *SalesforceSim) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Write(nil), s.writes...)
}

// ExpireTokens invalidates every session, as a session timeout would.
func (s *SalesforceSim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// IssueToken mints a session as `sf org login web` would have done for a
// person, for tests of auth = "sf-cli": the token is accepted like one from
// the token endpoint and ends with ExpireTokens.
func (s *SalesforceSim) IssueToken() string {
	tok := "00DSIM0000000001!" + randHex(20)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = true
	return tok
}

// GenerateKey makes an RSA key pair for the JWT flow and its PEM (PKCS#8) encoding.
func GenerateKey() (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Messages of Salesforce's 403 REQUEST_LIMIT_EXCEEDED (salesforce.md §5):
// the daily allowance, and the transient concurrency limits, whose
// ConcurrentRequests message is seen in two spellings.
const (
	SFTotalRequests          = "TotalRequests Limit exceeded."
	SFConcurrentRequests     = "ConcurrentRequests Limit exceeded."
	SFConcurrentRequestsLong = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
	SFConcurrentLongTxn      = "ConcurrentPerOrgLongTxn Limit exceeded."
)

// RefuseNext answers the next n requests with method ("" = any) to paths
// starting with path ("" = any) with 403 REQUEST_LIMIT_EXCEEDED and message,
// before they reach the org: a refused request changes nothing.
func (s *SalesforceSim) RefuseNext(method, path string, n int, message string) {
	if n < 1 {
		return
	}
	body, _ := json.Marshal([]map[string]any{{"message": message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}})
	s.Inject(Fault{Method: method, Path: path, Times: n, Status: http.StatusForbidden, Body: string(body),
		Header: map[string]string{"Content-Type": "application/json"}})
}

func sfErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, []map[string]any{{"message": msg, "errorCode": code}})
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func (s *SalesforceSim) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthErr(w, 400, "invalid_request", "malformed form body")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if desc := s.checkAssertion(r.PostForm.Get("assertion")); desc != "" {
			oauthErr(w, 400, "invalid_grant", desc)
			return
		}
	case "client_credentials":
		if r.PostForm.Get("client_id") != s.creds.ClientID {
			oauthErr(w, 400, "invalid_client_id", "client identifier invalid")
			return
		}
		if r.PostForm.Get("client_secret") != s.creds.ClientSecret || s.creds.ClientSecret == "" {
			oauthErr(w, 400, "invalid_client", "invalid client credentials")
			return
		}
	default:
		oauthErr(w, 400, "unsupported_grant_type", "grant type not supported")
		return
	}
	tok := "00DSIM0000000001!" + randHex(20)
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "instance_url": s.srv.URL,
		"id": s.srv.URL + "/id/00DSIM0000000001AAA/" + SFIntegrationUserID, "token_type": "Bearer",
		"issued_at": strconv.FormatInt(s.Now().UnixMilli(), 10), "signature": "c2ltdWxhdGVk", "scope": "api"})
}

// Audience is the JWT audience the simulated org takes: production's, or the
// sandbox one when Sandbox is set (salesforce.md §1a).
func (s *SalesforceSim) Audience() string {
	if s.Sandbox {
		return "https://test.salesforce.com"
	}
	return "https://login.salesforce.com"
}

// checkAssertion verifies the JWT as Salesforce does; "" means accepted. The
// claims are read from the raw JSON because golang-jwt accepts an array "aud"
// where Salesforce takes only a single string (golang-jwt/jwt#190).
func (s *SalesforceSim) checkAssertion(assertion string) string {
	if s.creds.PublicKey == nil {
		return "authentication failure"
	}
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(assertion, &claims, func(*jwt.Token) (any, error) { return s.creds.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.Now))
	var raw struct {
		Aud json.RawMessage `json:"aud"`
	}
	parts := strings.Split(assertion, ".")
	if len(parts) == 3 {
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		json.Unmarshal(payload, &raw)
	}
	var aud string
	switch {
	case err != nil && strings.Contains(err.Error(), "expired"):
		return "expired authorization code"
	case err != nil:
		return "invalid assertion"
	case claims.Issuer != s.creds.ClientID:
		return "client identifier invalid"
	case json.Unmarshal(raw.Aud, &aud) != nil || aud != s.Audience():
		return "audience is invalid"
	case claims.ExpiresAt.Time.After(s.Now().Add(5 * time.Minute)):
		return "expired authorization code" // Salesforce refuses assertions that live too long
	case claims.Subject != s.creds.Username:
		return "user hasn't approved this consumer"
	}
	return ""
}

func (s *SalesforceSim) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		ok := s.tokens[tok]
		over := s.Used >= s.DailyLimit
		if ok && !over {
			s.Used++
		}
		w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.Used, s.DailyLimit))
		s.mu.Unlock()
		if !ok {
			sfErr(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
			return
		}
		if over {
			sfErr(w, http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", SFTotalRequests)
			return
		}
		if !s.served(r.PathValue("v")) {
			sfErr(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
			return
		}
		h(w, r)
	}
}

var versionRE = regexp.MustCompile(`^v(\d+)\.0$`)

// served reports whether the org serves the API version of a path ("v65.0").
func (s *SalesforceSim) served(v string) bool {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return n >= s.OldestVersion && n <= s.NewestVersion
}

// versionLabels names the releases of recent versions; older ones get a
// generic label (only "version" is read by clients).
var versionLabels = map[int]string{64: "Summer '25", 65: "Winter '26", 66: "Spring '26", 67: "Summer '26", 68: "Winter '27"}

func (s *SalesforceSim) versions(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/services/data/" && r.URL.Path != "/services/data" {
		sfErr(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	out := []map[string]any{}
	for v := s.OldestVersion; v <= s.NewestVersion; v++ {
		label := versionLabels[v]
		if label == "" {
			label = fmt.Sprintf("Release %d", v)
		}
		out = append(out, map[string]any{"label": label, "url": fmt.Sprintf("/services/data/v%d.0", v), "version": fmt.Sprintf("%d.0", v)})
	}
	writeJSON(w, http.StatusOK, out)
}

// userFields is the User object as described: API name -> (label, type).
var userFields = []struct{ name, label, typ string }{
	{"Id", "User ID", "id"}, {"Username", "Username", "string"}, {"Name", "Full Name", "string"},
	{"FirstName", "First Name", "string"}, {"LastName", "Last Name", "string"}, {"Email", "Email", "email"},
	{"Phone", "Phone", "phone"}, {"MobilePhone", "Mobile", "phone"}, {"Extension", "Extension", "phone"},
	{"CountryCode", "Country Code", "picklist"}, {"Country", "Country", "string"}, {"IsActive", "Active", "boolean"},
	{"UserType", "User Type", "picklist"},
	{SFRingCentralField, "Ringcentral User Identifier", "string"}, // the ECI page spells it both ways
	{SFAircallField, "Aircall User Identifier", "string"},
	{SFDialpadField, "Dialpad User Identifier", "string"},
}

func (s *SalesforceSim) describe(w http.ResponseWriter, r *http.Request) {
	var fields []map[string]any
	for _, f := range userFields {
		if f.name == "CountryCode" && s.NoCountryCode {
			continue
		}
		custom := strings.HasSuffix(f.name, "__c")
		upd := f.name != "Id" && f.name != "Name" && f.name != "UserType"
		length := 40
		if custom {
			upd, length = s.FieldsUpdateable, s.FieldLength
		}
		fields = append(fields, map[string]any{"name": f.name, "label": f.label, "type": f.typ, "length": length,
			"custom": custom, "updateable": upd, "createable": upd, "nillable": f.name != "Id", "unique": false, "filterable": true,
			"calculated": false})
	}
	for name, label := range s.ExtraFields {
		typ := s.ExtraFieldTypes[name]
		if typ == "" {
			typ = "string"
		}
		formula := s.ExtraFormulas[name] // a formula is computed: nobody can write it
		fields = append(fields, map[string]any{"name": name, "label": label, "type": typ, "length": 255,
			"custom": true, "updateable": !formula, "createable": !formula, "nillable": true, "unique": false, "filterable": true,
			"calculated": formula})
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "User", "label": "User", "keyPrefix": "005", "custom": false,
		"updateable": true, "fields": fields, "urls": map[string]any{"describe": r.URL.Path}})
}

func (u SFUser) get(field string) (any, bool) {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch field {
	case "Id":
		return u.ID, true
	case "Username":
		return u.Username, true
	case "Name":
		return u.Name(), true
	case "FirstName":
		return nullable(u.FirstName), true
	case "LastName":
		return u.LastName, true
	case "Email":
		return u.Email, true
	case "Phone":
		return nullable(u.Phone), true
	case "MobilePhone":
		return nullable(u.MobilePhone), true
	case "Extension":
		return nullable(u.Extension), true
	case "CountryCode":
		return nullable(u.CountryCode), true
	case "Country":
		return nullable(u.Country), true
	case "IsActive":
		return u.IsActive, true
	case "UserType":
		return u.UserType, true
	case SFRingCentralField:
		return nullable(u.RingCentral), true
	case SFAircallField:
		return nullable(u.Aircall), true
	case SFDialpadField:
		return nullable(u.Dialpad), true
	}
	return nil, false
}

func (u *SFUser) set(field, value string) bool {
	switch field {
	case SFRingCentralField:
		u.RingCentral = value
	case SFAircallField:
		u.Aircall = value
	case SFDialpadField:
		u.Dialpad = value
	case "Phone":
		u.Phone = value
	default:
		return false
	}
	return true
}

func (s *SalesforceSim) query(w http.ResponseWriter, r *http.Request) {
	q, err := parseSOQL(r.URL.Query().Get("q"))
	if err != nil {
		sfErr(w, http.StatusBadRequest, "MALFORMED_QUERY", err.Error())
		return
	}
	var known func(field string) bool
	switch q.object {
	case "User":
		known = func(f string) bool { _, ok := (SFUser{}).get(f); return ok && !(f == "CountryCode" && s.NoCountryCode) }
	case "Organization":
		known = func(f string) bool { _, ok := (sfOrg{}).get(f); return ok }
	default:
		sfErr(w, http.StatusBadRequest, "INVALID_TYPE", "sObject type '"+q.object+"' is not supported.")
		return
	}
	for _, f := range append(append([]string{}, q.fields...), q.whereFields()...) {
		if !known(f) {
			sfErr(w, http.StatusBadRequest, "INVALID_FIELD", "No such column '"+f+"' on entity '"+q.object+"'.")
			return
		}
	}
	batch := 2000
	if opt := r.Header.Get("Sforce-Query-Options"); opt != "" {
		if v, ok := strings.CutPrefix(strings.TrimSpace(opt), "batchSize="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				batch = min(max(n, 200), 2000)
			}
		}
	}
	rows := s.rows(q, r.PathValue("v"))
	if q.count { // COUNT(): the number of rows in totalSize, and no records
		writeJSON(w, http.StatusOK, map[string]any{"totalSize": len(rows), "done": true, "records": []any{}})
		return
	}
	s.page(w, r.PathValue("v"), cursor{rows: rows, batch: batch})
}

// rows are the records a query selects, each with its attributes.
func (s *SalesforceSim) rows(q soql, version string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []map[string]any
	if q.object == "Organization" {
		if org := s.org(); matches(q, org) {
			rows = appendRow(rows, q, version, org)
		}
		return rows
	}
	refresher := s.refresher()
	for _, u := range s.users {
		if s.SandboxCopy && u.Email != "" && u.ID != refresher {
			u.Email += ".invalid" // salesforce.md §5a: every user but the one who started the copy
		}
		if !matches(q, u) {
			continue
		}
		if s.NoCountryCode && u.Country == "" && u.CountryCode != "" {
			u.Country = countryText(u.CountryCode, len(rows))
		}
		rows = appendRow(rows, q, version, u)
	}
	return rows
}

// appendRow adds a record's selected fields and its attributes.
func appendRow[T sobject](rows []map[string]any, q soql, version string, rec T) []map[string]any {
	id, _ := rec.get("Id")
	row := map[string]any{"attributes": map[string]any{"type": q.object, "url": fmt.Sprintf("/services/data/%s/sobjects/%s/%s", version, q.object, id)}}
	for _, f := range q.fields {
		row[f], _ = rec.get(f)
	}
	return append(rows, row)
}

// sobject is a record a query can read.
type sobject interface {
	get(field string) (any, bool)
}

// sfOrg is the simulated org's one Organization record.
type sfOrg struct {
	ID, Name  string
	IsSandbox bool
}

func (o sfOrg) get(field string) (any, bool) {
	switch field {
	case "Id":
		return o.ID, true
	case "Name":
		return o.Name, true
	case "IsSandbox":
		return o.IsSandbox, true
	case "OrganizationType":
		return "Enterprise Edition", true
	}
	return nil, false
}

// org is the Organization record: a sandbox when Sandbox or SandboxCopy is set.
func (s *SalesforceSim) org() sfOrg {
	return sfOrg{ID: "00DSIM000000001AAA", Name: "Simulated Org", IsSandbox: s.Sandbox || s.SandboxCopy}
}

// refresher is the user whose Email a sandbox copy leaves as it was: RefreshedBy,
// else the org's first user. Callers hold s.mu.
func (s *SalesforceSim) refresher() string {
	if s.RefreshedBy != "" || len(s.users) == 0 {
		return s.RefreshedBy
	}
	return s.users[0].ID
}

// countryText is how an org without the picklists holds a country: typed by
// people, as an ISO code or an English name (alternately here).
func countryText(code string, i int) string {
	names := map[string]string{"US": "United States", "GB": "United Kingdom", "FR": "France", "DE": "Germany"}
	if n := names[code]; n != "" && i%2 == 1 {
		return n
	}
	return code
}

func (s *SalesforceSim) page(w http.ResponseWriter, version string, c cursor) {
	end := min(len(c.rows), c.offset+c.batch)
	body := map[string]any{"totalSize": len(c.rows), "done": end == len(c.rows), "records": c.rows[c.offset:end]}
	if c.rows == nil {
		body["records"] = []any{}
	}
	if end < len(c.rows) {
		s.mu.Lock()
		s.nextCur++
		loc := fmt.Sprintf("01gSIM%011dAAA-%d", s.nextCur, end)
		s.cursors[loc] = cursor{rows: c.rows, offset: end, batch: c.batch}
		s.mu.Unlock()
		body["nextRecordsUrl"] = fmt.Sprintf("/services/data/%s/query/%s", version, loc)
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *SalesforceSim) queryMore(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.cursors[r.PathValue("locator")]
	s.mu.Unlock()
	if !ok {
		sfErr(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
		return
	}
	s.page(w, r.PathValue("v"), c)
}

func (s *SalesforceSim) limits(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"DailyApiRequests":     map[string]any{"Max": s.DailyLimit, "Remaining": s.DailyLimit - s.Used},
		"DailyBulkApiRequests": map[string]any{"Max": 10000, "Remaining": 10000}})
}

// check decides whether one record update is accepted; "" means yes. It
// consumes one simulated lock failure. Callers hold s.mu.
func (s *SalesforceSim) check(id string, vals map[string]*string) (code, msg string, field string) {
	_, known := s.byID[id]
	switch {
	case !strings.HasPrefix(id, "005") || (len(id) != 15 && len(id) != 18):
		return "MALFORMED_ID", "malformed id " + id, ""
	case !known:
		return "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ""
	case s.Reject[id] != "":
		return s.Reject[id], "Simulated rejection of this record", ""
	case s.LockFor[id] > 0:
		s.LockFor[id]--
		return "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", ""
	}
	var probe SFUser
	for f, v := range vals {
		if v != nil && len(*v) > s.FieldLength {
			return "STRING_TOO_LONG", f + ": data value too large", f
		}
		if (!s.FieldsUpdateable && strings.HasSuffix(f, "__c")) || !probe.set(f, "") {
			return "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: " + f, f
		}
	}
	return "", "", ""
}

// commit writes an accepted record update. Callers hold s.mu.
func (s *SalesforceSim) commit(id string, vals map[string]*string) {
	u := &s.users[s.byID[id]]
	names := make([]string, 0, len(vals))
	for f := range vals {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		val := ""
		if vals[f] != nil {
			val = *vals[f]
		}
		u.set(f, val)
		s.writes = append(s.writes, Write{UserID: id, Field: f, Value: val})
	}
}

func (s *SalesforceSim) update(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AllOrNone bool                         `json:"allOrNone"`
		Records   []map[string]json.RawMessage `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		sfErr(w, http.StatusBadRequest, "JSON_PARSER_ERROR", "Cannot deserialize request: "+err.Error())
		return
	}
	if len(req.Records) > 200 {
		sfErr(w, http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
		return
	}
	type result struct {
		ID      *string          `json:"id,omitempty"`
		Success bool             `json:"success"`
		Errors  []map[string]any `json:"errors"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	results := make([]result, len(req.Records))
	ids := make([]string, len(req.Records))
	vals := make([]map[string]*string, len(req.Records))
	failed := false
	for i, rec := range req.Records {
		var attrs struct{ Type string }
		json.Unmarshal(rec["id"], &ids[i])
		json.Unmarshal(rec["attributes"], &attrs)
		vals[i] = map[string]*string{}
		code, msg, field := "", "", ""
		for f, raw := range rec {
			if f == "id" || f == "attributes" {
				continue
			}
			var v *string
			if json.Unmarshal(raw, &v) != nil {
				code, msg, field = "INVALID_FIELD_FOR_INSERT_UPDATE", "bad value for "+f, f
			}
			vals[i][f] = v
		}
		if attrs.Type != "User" {
			code, msg = "INVALID_TYPE", "attributes.type must be User"
		}
		if code == "" {
			code, msg, field = s.check(ids[i], vals[i])
		}
		if code != "" {
			fields := []string{}
			if field != "" {
				fields = append(fields, field)
			}
			results[i] = result{Errors: []map[string]any{{"statusCode": code, "message": msg, "fields": fields}}}
			failed = true
			continue
		}
		id := ids[i]
		results[i] = result{ID: &id, Success: true, Errors: []map[string]any{}}
	}
	if req.AllOrNone && failed {
		for i := range results {
			if results[i].Success {
				results[i] = result{Errors: []map[string]any{{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []string{}}}}
			}
		}
		writeJSON(w, http.StatusOK, results)
		return
	}
	for i := range results {
		if results[i].Success {
			s.commit(ids[i], vals[i])
		}
	}
	writeJSON(w, http.StatusOK, results)
}

// ingestJob is one Bulk API 2.0 job.
type ingestJob struct {
	ID, State  string
	created    time.Time
	csv        []byte
	ok, failed [][]string // result rows
	header     []string
	polls      int
}

// sfTime is Salesforce's dateTime layout in job infos, e.g. 2025-10-01T17:40:32.000+0000.
const sfTime = "2006-01-02T15:04:05.000-0700"

func (s *SalesforceSim) jobInfo(j *ingestJob) map[string]any {
	return map[string]any{"id": j.ID, "object": "User", "operation": "update", "state": j.State, "contentType": "CSV",
		"jobType": "V2Ingest", "createdById": SFIntegrationUserID, "createdDate": j.created.UTC().Format(sfTime),
		"numberRecordsProcessed": len(j.ok) + len(j.failed), "numberRecordsFailed": len(j.failed), "apiVersion": 65.0}
}

func (s *SalesforceSim) createJob(w http.ResponseWriter, r *http.Request) {
	var req struct{ Object, Operation, ContentType string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Object != "User" || req.Operation != "update" {
		sfErr(w, http.StatusBadRequest, "INVALIDJOB", "object must be User and operation update")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCur++
	j := &ingestJob{ID: fmt.Sprintf("750SIM%09dAAA", s.nextCur), State: "Open", created: s.Now()}
	if s.jobs == nil {
		s.jobs = map[string]*ingestJob{}
	}
	s.jobs[j.ID] = j
	if s.LoseJobCreate > 0 {
		s.LoseJobCreate--
		sfErr(w, http.StatusInternalServerError, "UNKNOWN_EXCEPTION", "An unexpected error occurred")
		return
	}
	info := s.jobInfo(j)
	info["contentUrl"] = fmt.Sprintf("services/data/%s/jobs/ingest/%s/batches", r.PathValue("v"), j.ID)
	writeJSON(w, http.StatusOK, info)
}

// listJobs is Get All Jobs: pages of job infos, in job id order, followed
// through nextRecordsUrl?queryLocator=.
func (s *SalesforceSim) listJobs(w http.ResponseWriter, r *http.Request) {
	per := 1000
	if s.JobsPerPage > 0 {
		per = s.JobsPerPage
	}
	from := 0
	if loc := r.URL.Query().Get("queryLocator"); loc != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(loc, "01gSIMJOBS"))
		if err != nil || n < 0 {
			sfErr(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
			return
		}
		from = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.jobs))
	if jt := r.URL.Query().Get("jobType"); jt == "" || jt == "V2Ingest" {
		for id := range s.jobs {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	from = min(from, len(ids))
	end := min(len(ids), from+per)
	records := []map[string]any{}
	for _, id := range ids[from:end] {
		records = append(records, s.jobInfo(s.jobs[id]))
	}
	body := map[string]any{"done": end == len(ids), "records": records}
	if end < len(ids) {
		body["nextRecordsUrl"] = fmt.Sprintf("/services/data/%s/jobs/ingest?queryLocator=01gSIMJOBS%d", r.PathValue("v"), end)
	}
	writeJSON(w, http.StatusOK, body)
}

// Jobs maps each ingest job's id to its state.
func (s *SalesforceSim) Jobs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for id, j := range s.jobs {
		out[id] = j.State
	}
	return out
}

func (s *SalesforceSim) job(w http.ResponseWriter, r *http.Request) *ingestJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[r.PathValue("job")]
	if j == nil {
		sfErr(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	return j
}

func (s *SalesforceSim) uploadJob(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.State != "Open" {
		sfErr(w, http.StatusConflict, "INVALIDJOBSTATE", "job is not open")
		return
	}
	j.csv = append(j.csv, body...)
	w.WriteHeader(http.StatusCreated)
}

// closeJob processes the uploaded rows as Salesforce would: each row alone.
func (s *SalesforceSim) closeJob(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	var req struct{ State string }
	json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.State == "Aborted" {
		if j.State != "Open" && j.State != "UploadComplete" && j.State != "InProgress" {
			sfErr(w, http.StatusBadRequest, "INVALIDJOBSTATE", "a "+j.State+" job cannot be aborted")
			return
		}
		j.State = "Aborted" // rows already processed stay written
		writeJSON(w, http.StatusOK, s.jobInfo(j))
		return
	}
	if req.State != "UploadComplete" || j.State != "Open" {
		sfErr(w, http.StatusBadRequest, "INVALIDJOBSTATE", "cannot move the job to "+req.State)
		return
	}
	rows, err := csv.NewReader(bytes.NewReader(j.csv)).ReadAll()
	if err != nil || len(rows) == 0 || rows[0][0] != "Id" {
		j.State = "Failed"
		writeJSON(w, http.StatusOK, s.jobInfo(j))
		return
	}
	j.header = rows[0]
	for _, row := range rows[1:] {
		vals := map[string]*string{}
		for c := 1; c < len(row) && c < len(j.header); c++ {
			switch v := row[c]; v {
			case "": // an empty cell leaves the field as it is
			case "#N/A":
				vals[j.header[c]] = nil
			default:
				vals[j.header[c]] = &v
			}
		}
		if code, msg, _ := s.check(row[0], vals); code != "" {
			id := row[0]
			if s.BlankFailedIDs {
				id = ""
			}
			j.failed = append(j.failed, append([]string{id, code + ":" + msg}, row...))
			continue
		}
		s.commit(row[0], vals)
		j.ok = append(j.ok, append([]string{row[0], "false"}, row...))
	}
	j.State = "UploadComplete"
	writeJSON(w, http.StatusOK, s.jobInfo(j))
}

func (s *SalesforceSim) getJob(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.State == "UploadComplete" || j.State == "InProgress" {
		j.polls++
		j.State = map[bool]string{true: "JobComplete", false: "InProgress"}[j.polls > 1 && !s.HoldJobs]
	}
	writeJSON(w, http.StatusOK, s.jobInfo(j))
}

// jobResults answers a result CSV: sf__Id, sf__Created or sf__Error, then
// every uploaded column, Id included.
func (s *SalesforceSim) jobResults(ok bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		j := s.job(w, r)
		if j == nil {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "text/csv")
		cw := csv.NewWriter(w)
		rows, second := j.failed, "sf__Error"
		if ok {
			rows, second = j.ok, "sf__Created"
		}
		cw.Write(append([]string{"sf__Id", second}, j.header...))
		cw.WriteAll(rows)
	}
}

// soql is the subset of SOQL the simulator understands:
// SELECT f1, f2 | COUNT() FROM Obj [WHERE f = lit | f LIKE 'pattern' [AND ...]] [ORDER BY f]
type soql struct {
	fields []string
	count  bool // SELECT COUNT()
	object string
	where  []cond
}

type cond struct {
	field string
	value any            // string, bool or nil
	like  *regexp.Regexp // LIKE value: % any run, _ one character, case-insensitive
}

func (q soql) whereFields() []string {
	var out []string
	for _, c := range q.where {
		out = append(out, c.field)
	}
	return out
}

// matches tells whether a record meets every condition of the WHERE clause.
func matches[T sobject](q soql, rec T) bool {
	for _, c := range q.where {
		v, _ := rec.get(c.field)
		if c.like != nil {
			if str, ok := v.(string); !ok || !c.like.MatchString(str) {
				return false
			}
		} else if v != c.value {
			return false
		}
	}
	return true
}

// likeRE is a LIKE pattern as a regular expression. LIKE is case-insensitive
// on every field that is not unique and case-sensitive (SOQL comparison operators).
func likeRE(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func parseSOQL(src string) (soql, error) {
	toks, err := lexSOQL(src)
	if err != nil {
		return soql{}, err
	}
	var q soql
	i := 0
	next := func() string {
		if i >= len(toks) {
			return ""
		}
		i++
		return toks[i-1]
	}
	if !strings.EqualFold(next(), "SELECT") {
		return q, fmt.Errorf("unexpected token: expecting SELECT")
	}
	if err := q.parseFields(next); err != nil {
		return q, err
	}
	q.object = next()
	if !isIdent(q.object) {
		return q, fmt.Errorf("unexpected token: %q", q.object)
	}
	if i < len(toks) && strings.EqualFold(toks[i], "WHERE") {
		i++
		for {
			c, err := parseCond(next(), next(), next())
			if err != nil {
				return q, err
			}
			q.where = append(q.where, c)
			if i >= len(toks) || !strings.EqualFold(toks[i], "AND") {
				break
			}
			i++
		}
	}
	if i < len(toks) && strings.EqualFold(toks[i], "ORDER") {
		if i+2 >= len(toks) || !strings.EqualFold(toks[i+1], "BY") || !isIdent(toks[i+2]) {
			return q, fmt.Errorf("unexpected token: ORDER")
		}
		i += 3
	}
	if i != len(toks) {
		return q, fmt.Errorf("unexpected token: %q", toks[i])
	}
	return q, nil
}

// parseFields reads the select list up to FROM: field names, or COUNT() alone.
func (q *soql) parseFields(next func() string) error {
	for {
		f := next()
		switch {
		case strings.EqualFold(f, "COUNT()") && len(q.fields) == 0 && !q.count:
			q.count = true
		case f != "" && isIdent(f) && !q.count:
			q.fields = append(q.fields, f)
		default:
			return fmt.Errorf("unexpected token: %q", f)
		}
		sep := next()
		if strings.EqualFold(sep, "FROM") {
			return nil
		}
		if sep != "," || q.count {
			return fmt.Errorf("unexpected token: %q", sep)
		}
	}
}

// parseCond reads one "field op literal" of a WHERE clause.
func parseCond(f, op, lit string) (cond, error) {
	like := strings.EqualFold(op, "LIKE")
	if !isIdent(f) || (op != "=" && !like) || lit == "" {
		return cond{}, fmt.Errorf("unexpected token near %q", f)
	}
	var v any
	switch {
	case strings.HasPrefix(lit, "'"):
		v = lit[1:]
	case like:
		return cond{}, fmt.Errorf("LIKE takes a string literal, not %q", lit)
	case strings.EqualFold(lit, "true"), strings.EqualFold(lit, "false"):
		v = strings.EqualFold(lit, "true")
	case strings.EqualFold(lit, "null"):
		v = nil
	default:
		return cond{}, fmt.Errorf("unexpected literal %q", lit)
	}
	c := cond{field: f, value: v}
	if like {
		c.like = likeRE(v.(string))
	}
	return c, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return true
}

// lexSOQL splits a query into identifiers, punctuation and literals; a string
// literal token keeps its opening quote and has its escapes resolved.
func lexSOQL(src string) ([]string, error) {
	var toks []string
	rs := []rune(src)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == ',' || r == '=':
			toks = append(toks, string(r))
			i++
		case r == '\'':
			var b strings.Builder
			b.WriteRune('\'')
			i++
			closed := false
			for i < len(rs) {
				c := rs[i]
				if c == '\\' {
					if i+1 >= len(rs) {
						return nil, fmt.Errorf("unterminated escape")
					}
					e := rs[i+1]
					switch e {
					case '\\', '\'', '"':
						b.WriteRune(e)
					case 'n', 'N':
						b.WriteRune('\n')
					case 'r', 'R':
						b.WriteRune('\r')
					case 't', 'T':
						b.WriteRune('\t')
					case 'b', 'B':
						b.WriteRune('\b')
					case 'f', 'F':
						b.WriteRune('\f')
					default:
						return nil, fmt.Errorf("invalid escape sequence \\%c", e)
					}
					i += 2
					continue
				}
				if c == '\'' {
					closed = true
					i++
					break
				}
				b.WriteRune(c)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal")
			}
			toks = append(toks, b.String())
		default:
			start := i
			for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != ',' && rs[i] != '=' && rs[i] != '\'' {
				i++
			}
			toks = append(toks, string(rs[start:i]))
		}
	}
	return toks, nil
}
