package sandbox

import (
	"crypto/rsa"
	"net/http"
	"slices"
	"sync/atomic"
	"time"
)

// SFCredentials are what the simulated connected app accepts.
type SFCredentials struct {
	ClientID     string
	ClientSecret string         // client credentials flow
	Username     string         // run-as user of the JWT flow (must be an active user or this name)
	PublicKey    *rsa.PublicKey // certificate uploaded to the app, for the JWT flow
}

// Field is a provider's identifier field on the simulated User object. The
// Voice Connector's real API names are unknown (salesforce.md §3), so the job
// finds the fields by label.
type Field struct {
	Provider string // whose identifiers it holds: the key of SFUser.Identifiers
	Name     string // API name
	Label    string
}

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
	Base
	creds   SFCredentials
	users   []SFUser
	byID    map[string]int
	fields  []Field           // the providers' identifier fields, as describe lists them
	byField map[string]string // an identifier field's API name -> its provider

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
	// NoDate answers without a Date header; DateAhead dates answers that
	// much later than the clock SystemModstamp is stamped with. Whether
	// every answer carries Date, and how far the two clocks may differ, is
	// UNCONFIRMED (docs/providers/salesforce.md: Query): the default is the
	// documented shape, one clock, Date always sent.
	NoDate    bool
	DateAhead time.Duration
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

	ahead   atomic.Int64 // Advance's total, in nanoseconds
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

// NewSalesforce starts a simulator holding users, whose User object has the
// providers' identifier fields.
func NewSalesforce(users []SFUser, creds SFCredentials, fields []Field) *SalesforceSim {
	s := &SalesforceSim{creds: creds, FieldLength: 255, FieldsUpdateable: true, DailyLimit: 15000, OldestVersion: 31, NewestVersion: 66,
		Reject: map[string]string{}, LockFor: map[string]int{}, Now: time.Now,
		tokens: map[string]bool{}, cursors: map[string]cursor{}, byID: map[string]int{},
		fields: slices.Clone(fields), byField: map[string]string{}}
	for _, f := range fields {
		s.byField[f.Name] = f.Provider
	}
	s.setUsers(users)
	s.ErrorBody = func(status int, _ string) any {
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
	s.Start(s.dated(mux))
	return s
}

func (s *SalesforceSim) setUsers(users []SFUser) {
	s.users = make([]SFUser, len(users))
	clear(s.byID)
	before := s.clock().Add(-30 * 24 * time.Hour)
	for i, u := range users {
		s.users[i] = u.clone()
		if u.SystemModstamp.IsZero() {
			s.users[i].SystemModstamp = before
		}
		s.byID[u.ID] = i
	}
}

// Edit changes a user as an administrator or an automated process would in
// Salesforce's own pages (not an API behaviour: tests change the org
// between two runs); the record's SystemModstamp becomes now.
func (s *SalesforceSim) Edit(id string, change func(u *SFUser)) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	i, ok := s.byID[id]
	if !ok {
		panic("sandbox: Edit of a user the org does not have: " + id)
	}
	change(&s.users[i])
	s.users[i].SystemModstamp = s.clock()
}

// Advance moves the org's clock ahead by d, as if that much time had passed:
// records changed from now on are stamped later, and answers are dated
// later. Sign-in keeps Now (the client's and the server's clocks agree).
func (s *SalesforceSim) Advance(d time.Duration) { s.ahead.Add(int64(d)) }

// clock is the org's time: Now, plus what Advance added.
func (s *SalesforceSim) clock() time.Time { return s.Now().Add(time.Duration(s.ahead.Load())) }

// dated answers with a Date header from the simulator's clock, the clock
// SystemModstamp is stamped with; net/http would send the machine's.
func (s *SalesforceSim) dated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.NoDate {
			w.Header()["Date"] = nil // net/http then sends none
		} else {
			w.Header().Set("Date", s.clock().Add(s.DateAhead).UTC().Format(http.TimeFormat))
		}
		h.ServeHTTP(w, r)
	})
}

// Users returns a copy of the org's users as they are now.
func (s *SalesforceSim) Users() []SFUser {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := make([]SFUser, len(s.users))
	for i, u := range s.users {
		out[i] = u.clone()
	}
	return out
}

// User returns one user by id.
func (s *SalesforceSim) User(id string) (SFUser, bool) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	i, ok := s.byID[id]
	if !ok {
		return SFUser{}, false
	}
	return s.users[i].clone(), true
}

// Writes returns every field value written so far, in order.
func (s *SalesforceSim) Writes() []Write {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return append([]Write(nil), s.writes...)
}

// ExpireTokens invalidates every session, as a session timeout would.
func (s *SalesforceSim) ExpireTokens() {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	clear(s.tokens)
}

// IssueToken mints a session as `sf org login web` would have done for a
// person, for tests of auth = "sf-cli": the token is accepted like one from
// the token endpoint and ends with ExpireTokens.
func (s *SalesforceSim) IssueToken() string {
	tok := "00DSIM0000000001!" + RandHex(20)
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tokens[tok] = true
	return tok
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

// Hire adds active users to the org: the company hiring people while voiceid
// runs (not an API behaviour; tests and the demo's fourth act).
func (s *SalesforceSim) Hire(users ...SFUser) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	for _, u := range users {
		s.byID[u.ID] = len(s.users)
		u = u.clone()
		u.SystemModstamp = s.clock()
		s.users = append(s.users, u)
	}
}
