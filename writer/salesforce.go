// Package writer reads Salesforce users and writes the Voice Connector
// identifier fields. It signs in server-to-server, finds the fields by their
// labels, reads users in pages and writes only changed values, in batches.
package writer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"voiceid/directory"
	"voiceid/internal/httpx"
	"voiceid/internal/pack"
	"voiceid/match"
)

// Config is the [salesforce] section.
type Config struct {
	LoginURL       string // https://login.salesforce.com, https://test.salesforce.com or a My Domain URL
	Auth           string // "jwt" or "client_credentials"
	ClientID       string
	ClientSecret   string
	Username       string
	PrivateKeyFile string
	APIVersion     string                        // "v65.0"
	Fields         map[directory.Provider]string // configured API names; "" = discover by label
	HTTP           *http.Client
	Sleep          func(context.Context, time.Duration) error
	MinBackoff     time.Duration
	LockRetries    int // extra attempts for UNABLE_TO_LOCK_ROW records (default 3)
	Now            func() time.Time
	// BulkThreshold: more changes than this go through Bulk API 2.0 (default 10,000).
	BulkThreshold int
	// Reserve is the part of the org's daily API allowance voiceid leaves untouched.
	Reserve int
}

// Field labels the Voice Connector package gives the identifier fields.
var FieldLabels = map[directory.Provider]string{
	directory.RingCentral: "RingCentral User Identifier",
	directory.Aircall:     "Aircall User Identifier",
}

// Sentinel errors callers branch on.
var (
	ErrAuth       = errors.New("salesforce sign-in failed")
	ErrField      = errors.New("identifier field problem")
	ErrAPILimit   = errors.New("salesforce daily API limit reached")
	ErrConfigured = errors.New("salesforce configuration problem")
)

// Field is an identifier field found on User.
type Field struct {
	Name       string
	Label      string
	Type       string // describe's type: "string" for a Text field
	Length     int
	Updateable bool
}

// Salesforce is a signed-in connection to one org.
type Salesforce struct {
	cfg    Config
	auth   *sfAuth
	api    *httpx.Client
	fields map[directory.Provider]Field

	usageMu   sync.Mutex
	usageUsed int
	usageMax  int
}

// Connect signs in and returns a connection whose API base is the org's instance URL.
func Connect(ctx context.Context, cfg Config) (*Salesforce, error) {
	if cfg.APIVersion == "" {
		cfg.APIVersion = "v65.0"
	}
	if !regexp.MustCompile(`^v\d+\.\d$`).MatchString(cfg.APIVersion) {
		return nil, fmt.Errorf("%w: api_version %q is not of the form v65.0", ErrConfigured, cfg.APIVersion)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Salesforce{cfg: cfg}
	tokenAPI := &httpx.Client{Provider: "salesforce", Base: cfg.LoginURL, HTTP: cfg.HTTP, Classify: s.classify,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: cfg.MinBackoff, MaxAttempts: 4}
	a, err := newAuth(cfg, tokenAPI)
	if err != nil {
		return nil, err
	}
	s.auth = a
	inst, err := a.instance(ctx)
	if err != nil {
		return nil, err
	}
	s.api = &httpx.Client{Provider: "salesforce", Base: inst, HTTP: cfg.HTTP, Auth: a, Classify: s.classify,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: cfg.MinBackoff}
	return s, nil
}

// Calls counts the HTTP requests made, sign-ins included.
func (s *Salesforce) Calls() int64 { return s.api.Calls() + s.auth.api.Calls() }

// Usage is the org's daily API usage from the last Sforce-Limit-Info header (0/0 if none seen).
func (s *Salesforce) Usage() (used, limit int) {
	s.usageMu.Lock()
	defer s.usageMu.Unlock()
	return s.usageUsed, s.usageMax
}

// CheckReserve stops the run, before it spends them, when the calls it still
// needs would eat into the reserve of the org's daily API allowance.
func (s *Salesforce) CheckReserve(needed int) error {
	used, limit := s.Usage()
	if limit == 0 {
		return nil // no Sforce-Limit-Info seen: nothing to judge by
	}
	if left := limit - used; left-needed < s.cfg.Reserve {
		return fmt.Errorf("%w: %d of %d API calls left today; this run needs about %d more and api_reserve keeps %d for others: try again after the allowance renews, or lower api_reserve",
			ErrAPILimit, left, limit, needed, s.cfg.Reserve)
	}
	return nil
}

// Calls needed to write n changes: one Collections call per 200 records, or a
// handful of Bulk API 2.0 calls plus polling.
func (s *Salesforce) WriteCalls(n int) int {
	if n > s.bulkThreshold() {
		return 10
	}
	return (n + BatchSize - 1) / BatchSize
}

func (s *Salesforce) bulkThreshold() int {
	if s.cfg.BulkThreshold <= 0 {
		return 10000
	}
	return s.cfg.BulkThreshold
}

var limitInfoRE = regexp.MustCompile(`api-usage=(\d+)/(\d+)`)

// classify is the default classifier plus Salesforce's error shapes, the
// limit header, and a hard stop on REQUEST_LIMIT_EXCEEDED.
func (s *Salesforce) classify(status int, h http.Header, body []byte, err error) httpx.Verdict {
	v := httpx.Classify(status, h, body, err)
	if err != nil {
		return v
	}
	if m := limitInfoRE.FindStringSubmatch(h.Get("Sforce-Limit-Info")); m != nil {
		used, _ := strconv.Atoi(m[1])
		limit, _ := strconv.Atoi(m[2])
		s.usageMu.Lock()
		s.usageUsed, s.usageMax = used, limit
		s.usageMu.Unlock()
	}
	if status < 300 {
		return v
	}
	var arr []struct {
		Message   string `json:"message"`
		ErrorCode string `json:"errorCode"`
	}
	var obj struct {
		Error string `json:"error"`
		Desc  string `json:"error_description"`
	}
	if json.Unmarshal(body, &arr) == nil && len(arr) > 0 {
		v.Code, v.Message = arr[0].ErrorCode, arr[0].Message
	} else if json.Unmarshal(body, &obj) == nil && obj.Error != "" {
		v.Code, v.Message = obj.Error, obj.Desc
	}
	if v.Code == "REQUEST_LIMIT_EXCEEDED" {
		v.Action = httpx.Fail
	}
	return v
}

func (s *Salesforce) data(path string) string {
	return "/services/data/" + s.cfg.APIVersion + path
}

// textTypes are the describe types whose values are read and written as
// JSON strings, as identifiers are.
var textTypes = map[string]bool{"string": true, "textarea": true, "phone": true, "email": true, "url": true,
	"picklist": true, "combobox": true, "encryptedstring": true}

// Discover finds the identifier field of each provider: the configured API
// name, else the one User field whose label matches (case-insensitively).
func (s *Salesforce) Discover(ctx context.Context, provs []directory.Provider) (map[directory.Provider]Field, error) {
	resp, err := s.api.Get(ctx, s.data("/sobjects/User/describe"), nil)
	if err != nil {
		return nil, err
	}
	var d struct {
		Fields []struct {
			Name       string `json:"name"`
			Label      string `json:"label"`
			Type       string `json:"type"`
			Length     int    `json:"length"`
			Updateable bool   `json:"updateable"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		return nil, fmt.Errorf("salesforce: describe User: malformed JSON: %w", err)
	}
	out := map[directory.Provider]Field{}
	for _, p := range provs {
		want := s.cfg.Fields[p]
		var found []Field
		for _, f := range d.Fields {
			if (want != "" && strings.EqualFold(f.Name, want)) || (want == "" && strings.EqualFold(f.Label, FieldLabels[p])) {
				found = append(found, Field{Name: f.Name, Label: f.Label, Type: f.Type, Length: f.Length, Updateable: f.Updateable})
			}
		}
		key := fieldKey(p)
		switch {
		case len(found) == 0 && want != "":
			return nil, fmt.Errorf("%w: [salesforce] %s = %q: no such field on User (or it is hidden from the integration user by field-level security)", ErrField, key, want)
		case len(found) == 0:
			return nil, fmt.Errorf("%w: no User field is labelled %q: install the Voice Connector package, or set [salesforce] %s to the field's API name", ErrField, FieldLabels[p], key)
		case len(found) > 1:
			var names []string
			for _, f := range found {
				names = append(names, f.Name)
			}
			return nil, fmt.Errorf("%w: %d User fields are labelled %q (%s): set [salesforce] %s to the right one", ErrField, len(found), FieldLabels[p], strings.Join(names, ", "), key)
		case found[0].Type != "" && !textTypes[found[0].Type]:
			return nil, fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a %s field; identifiers are text: use a Text field", ErrField, key, found[0].Name, found[0].Label, found[0].Type)
		case !found[0].Updateable:
			return nil, fmt.Errorf("%w: the integration user cannot edit User.%s (%q): grant edit access in field-level security", ErrField, found[0].Name, found[0].Label)
		}
		out[p] = found[0]
	}
	s.fields = out
	return out, nil
}

// userQueryFields are the User fields matching needs.
var userQueryFields = []string{"Id", "Username", "Name", "Email", "Phone", "MobilePhone", "Extension", "CountryCode", "Country"}

// Users reads every active standard user with one query, following its pages.
func (s *Salesforce) Users(ctx context.Context, progress func(read int)) ([]match.User, error) {
	if s.fields == nil {
		return nil, fmt.Errorf("salesforce: Users called before Discover")
	}
	fields := append([]string(nil), userQueryFields...)
	column := map[directory.Provider]int{}
	for _, p := range directory.Providers {
		if f, ok := s.fields[p]; ok {
			column[p] = len(fields)
			fields = append(fields, f.Name)
		}
	}
	soql := fmt.Sprintf("SELECT %s FROM User WHERE IsActive = true AND UserType = %s ORDER BY Id",
		strings.Join(fields, ", "), Quote("Standard"))
	target := s.data("/query")
	q := url.Values{"q": {soql}}
	recordsType := reflect.SliceOf(recordType(fields))
	var out []match.User
	for page := 1; ; page++ {
		resp, err := s.api.Do(ctx, http.MethodGet, target, q, nil, http.Header{"Sforce-Query-Options": {"batchSize=2000"}})
		if err != nil {
			return nil, err
		}
		recs := reflect.New(recordsType) // decoded through the interface: json fills what it points at
		r := struct {
			TotalSize      int    `json:"totalSize"`
			Done           bool   `json:"done"`
			NextRecordsURL string `json:"nextRecordsUrl"`
			Records        any    `json:"records"`
		}{Records: recs.Interface()}
		if err := json.Unmarshal(resp.Body, &r); err != nil || r.Records == nil || recs.Elem().IsNil() {
			return nil, fmt.Errorf("salesforce: query User page %d: malformed answer", page)
		}
		total, done, next := r.TotalSize, r.Done, r.NextRecordsURL
		records := recs.Elem()
		if out == nil {
			out = make([]match.User, 0, min(max(total, records.Len()), 250_000)) // a wrong totalSize cannot make a huge slice
		}
		for i := range records.Len() {
			out = append(out, toUser(records.Index(i), column))
		}
		if progress != nil {
			progress(len(out))
		}
		if done {
			if len(out) != total {
				return nil, fmt.Errorf("salesforce: query User read %d of %d users", len(out), total)
			}
			return out, nil
		}
		if next == "" {
			return nil, fmt.Errorf("salesforce: query User page %d: not done, but no nextRecordsUrl", page)
		}
		target, q = next, nil
	}
}

// recordType is a query record with one *string per selected field, tagged
// with its API name: the identifier fields' names are only known once
// Discover has run, and a typed decode is far lighter than a map per record.
func recordType(fields []string) reflect.Type {
	cols := make([]reflect.StructField, len(fields))
	for i, f := range fields {
		cols[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[*string](), Tag: reflect.StructTag(fmt.Sprintf("json:%q", f))}
	}
	return reflect.StructOf(cols)
}

// toUser reads one record (columns in userQueryFields order, then the
// identifier fields at column[provider]); its strings share one allocation.
func toUser(rec reflect.Value, column map[directory.Provider]int) match.User {
	str := func(i int) string {
		if f := rec.Field(i); !f.IsNil() {
			return f.Elem().String()
		}
		return ""
	}
	u := match.User{ID: str(0), Username: str(1), Name: str(2), Email: str(3), Phone: str(4), MobilePhone: str(5),
		Extension: str(6), CountryCode: pack.Common(str(7)), Country: pack.Common(str(8))}
	for p, i := range column {
		u.Fields.Set(p, str(i))
	}
	pack.Strings(&u.ID, &u.Username, &u.Name, &u.Email, &u.Phone, &u.MobilePhone, &u.Extension, &u.Fields.RingCentral, &u.Fields.Aircall)
	return u
}

// Outcome is what happened to one change.
type Outcome struct {
	Applied bool
	Code    string // Salesforce statusCode when rejected
	Message string
}

// BatchSize is the most records one sObject Collections call takes.
const BatchSize = 200

// Settled is told, as writing goes, which changes (indexes into the slice
// given to Apply) now have their final outcome in outcomes.
type Settled func(done []int, outcomes []Outcome)

// Hooks follow the writing: Sending before a batch goes out, Settled once its
// outcomes are final. Either may be nil. An error from Sending stops the
// writing before that batch is sent; Apply returns it.
type Hooks struct {
	Sending func(idx []int) error
	Settled Settled
}

// Apply writes the changes: with sObject Collections (allOrNone=false), one
// record per user, BatchSize records per call; or, above BulkThreshold
// changes, with one Bulk API 2.0 ingest job. Records Salesforce could not
// lock are tried again after a pause; every other rejection is final for this
// run. The outcomes are in the order of changes.
func (s *Salesforce) Apply(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	if h.Settled == nil {
		h.Settled = func([]int, []Outcome) {}
	}
	if h.Sending == nil {
		h.Sending = func([]int) error { return nil }
	}
	if len(changes) > s.bulkThreshold() {
		return s.applyBulk(ctx, changes, h)
	}
	return s.applyCollections(ctx, changes, h)
}

// FieldOf is the User field a change writes.
func (s *Salesforce) FieldOf(c match.Change) (Field, error) {
	if c.Phone {
		return Field{Name: "Phone", Label: "Phone", Length: 40, Updateable: true}, nil
	}
	f, ok := s.fields[c.Provider]
	if !ok {
		return Field{}, fmt.Errorf("salesforce: no identifier field known for %s", c.Provider)
	}
	return f, nil
}

// prepared is a set of changes grouped into one record per user; values
// longer than their field are refused before anything is sent.
type prepared struct {
	out    []Outcome
	byUser map[string][]int // user id -> indexes into changes
	order  []string         // users in the order of their first change
	early  []int            // changes already settled (refused)
}

// indexes lists the changes of these users.
func (p prepared) indexes(users []string) []int {
	var out []int
	for _, id := range users {
		out = append(out, p.byUser[id]...)
	}
	return out
}

func (s *Salesforce) prepare(changes []match.Change) (prepared, error) {
	p := prepared{out: make([]Outcome, len(changes)), byUser: map[string][]int{}}
	for i, c := range changes {
		f, err := s.FieldOf(c)
		if err != nil {
			return p, err
		}
		if len(c.New) > f.Length && f.Length > 0 {
			p.out[i] = Outcome{Code: "STRING_TOO_LONG", Message: fmt.Sprintf("value is %d characters; %s holds %d", len(c.New), f.Name, f.Length)}
			p.early = append(p.early, i)
			continue
		}
		if _, seen := p.byUser[c.UserID]; !seen {
			p.order = append(p.order, c.UserID)
		}
		p.byUser[c.UserID] = append(p.byUser[c.UserID], i)
	}
	return p, nil
}

func (s *Salesforce) applyCollections(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	p, err := s.prepare(changes)
	if err != nil {
		return p.out, err
	}
	out := p.out
	if len(p.early) > 0 {
		h.Settled(p.early, out)
	}
	retries := s.cfg.LockRetries
	if retries == 0 {
		retries = 3
	}
	pending := p.order
	for round := 0; len(pending) > 0; round++ {
		if round > 0 {
			if err := s.pause(ctx, round); err != nil {
				return out, err
			}
		}
		var again []string
		for start := 0; start < len(pending); start += BatchSize {
			batch := pending[start:min(len(pending), start+BatchSize)]
			if err := h.Sending(p.indexes(batch)); err != nil {
				return out, err
			}
			locked, err := s.writeBatch(ctx, batch, p.byUser, changes, out, round < retries)
			if err != nil && !batchFailure(ctx, err) {
				return out, err
			}
			if err != nil { // the server kept failing this batch: its records failed, the others go on
				for _, id := range batch {
					for _, ci := range p.byUser[id] {
						out[ci] = Outcome{Code: "BATCH_FAILED", Message: err.Error()}
					}
				}
				locked = nil
			}
			again = append(again, locked...)
			var done []int
			for _, id := range batch {
				if !slices.Contains(locked, id) {
					done = append(done, p.byUser[id]...)
				}
			}
			h.Settled(done, out)
		}
		pending = again
	}
	return out, nil
}

// batchFailure reports whether a batch error is the server failing (5xx or
// the network, after retries) rather than something that dooms every batch
// (sign-in, API limit, cancellation).
func batchFailure(ctx context.Context, err error) bool {
	var he *httpx.Error
	if ctx.Err() != nil || !errors.As(err, &he) {
		return false
	}
	return he.Status >= 500 || (he.Status == 0 && he.Err != nil)
}

// pause waits before retrying locked rows: round times the first backoff.
func (s *Salesforce) pause(ctx context.Context, round int) error {
	d := time.Second
	if s.cfg.MinBackoff > 0 {
		d = s.cfg.MinBackoff
	}
	return s.api.Wait(ctx, time.Duration(round)*d)
}

// writeBatch sends one sObject Collections call and records each outcome.
// It returns the users whose rows were locked when retryLocked is set.
func (s *Salesforce) writeBatch(ctx context.Context, users []string, byUser map[string][]int, changes []match.Change, out []Outcome, retryLocked bool) ([]string, error) {
	type record map[string]any
	recs := make([]record, len(users))
	for i, id := range users {
		r := record{"attributes": map[string]string{"type": "User"}, "id": id}
		for _, ci := range byUser[id] {
			c := changes[ci]
			f, _ := s.FieldOf(c)
			if c.New == "" {
				r[f.Name] = nil // JSON null clears the field
			} else {
				r[f.Name] = c.New
			}
		}
		recs[i] = r
	}
	body, err := json.Marshal(map[string]any{"allOrNone": false, "records": recs})
	if err != nil {
		return nil, err
	}
	resp, err := s.api.Do(ctx, http.MethodPatch, s.data("/composite/sobjects"), nil, body,
		http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return nil, err
	}
	var results []struct {
		ID      *string `json:"id"`
		Success bool    `json:"success"`
		Errors  []struct {
			StatusCode string   `json:"statusCode"`
			Message    string   `json:"message"`
			Fields     []string `json:"fields"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(resp.Body, &results); err != nil || len(results) != len(users) {
		return nil, fmt.Errorf("salesforce: PATCH composite/sobjects: answer does not hold one result per record")
	}
	var locked []string
	for i, res := range results {
		o := Outcome{Applied: res.Success}
		if !res.Success {
			o.Code, o.Message = "UNKNOWN", "rejected without an error"
			if len(res.Errors) > 0 {
				o.Code, o.Message = res.Errors[0].StatusCode, res.Errors[0].Message
			}
			if o.Code == "UNABLE_TO_LOCK_ROW" && retryLocked {
				locked = append(locked, users[i])
				continue
			}
		}
		for _, ci := range byUser[users[i]] {
			out[ci] = o
		}
	}
	return locked, nil
}

// Quote makes s a SOQL string literal. Every value placed into SOQL goes
// through it; control characters other than the escapable ones are refused
// by replacing them with nothing, as SOQL has no escape for them.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// sfAuth signs in and keeps the session; on a 401 it signs in again.
type sfAuth struct {
	cfg  Config
	api  *httpx.Client
	key  any // *rsa.PrivateKey for the JWT flow
	mu   sync.Mutex
	tok  string
	inst string
}

func newAuth(cfg Config, api *httpx.Client) (*sfAuth, error) {
	a := &sfAuth{cfg: cfg, api: api}
	switch cfg.Auth {
	case "jwt", "":
		if cfg.ClientID == "" || cfg.Username == "" || cfg.PrivateKeyFile == "" {
			return nil, fmt.Errorf("%w: auth = \"jwt\" needs client_id, username and private_key_file", ErrConfigured)
		}
		pemBytes, err := os.ReadFile(cfg.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: private_key_file: %v", ErrConfigured, err)
		}
		key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: private_key_file %s is not a PEM RSA private key: %v", ErrConfigured, cfg.PrivateKeyFile, err)
		}
		a.key = key
	case "client_credentials":
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return nil, fmt.Errorf("%w: auth = \"client_credentials\" needs client_id and client_secret", ErrConfigured)
		}
	default:
		return nil, fmt.Errorf("%w: auth = %q: use \"jwt\" or \"client_credentials\"", ErrConfigured, cfg.Auth)
	}
	return a, nil
}

func (a *sfAuth) Authorize(ctx context.Context, req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == "" {
		if err := a.signIn(ctx); err != nil {
			return err
		}
	}
	req.Header.Set("Authorization", "Bearer "+a.tok)
	return nil
}

func (a *sfAuth) Invalidate() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tok = ""
}

func (a *sfAuth) instance(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.signIn(ctx); err != nil {
		return "", err
	}
	return a.inst, nil
}

// audience is the JWT "aud": login or test.salesforce.com, whatever host the
// token request goes to (a My Domain host is an endpoint, not an audience).
func audience(loginURL string) string {
	u, err := url.Parse(loginURL)
	if err != nil {
		return loginURL
	}
	h := strings.ToLower(u.Hostname())
	switch {
	case h == "test.salesforce.com" || strings.HasSuffix(h, ".sandbox.my.salesforce.com"):
		return "https://test.salesforce.com"
	case h == "login.salesforce.com" || strings.HasSuffix(h, ".my.salesforce.com"):
		return "https://login.salesforce.com"
	}
	return strings.TrimRight(loginURL, "/")
}

func (a *sfAuth) signIn(ctx context.Context) error {
	form := url.Values{}
	if a.key != nil {
		now := a.cfg.Now()
		claims := jwt.RegisteredClaims{Issuer: a.cfg.ClientID, Subject: a.cfg.Username,
			Audience: jwt.ClaimStrings{audience(a.cfg.LoginURL)}, ExpiresAt: jwt.NewNumericDate(now.Add(3 * time.Minute))}
		signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.key)
		if err != nil {
			return fmt.Errorf("%w: signing the JWT assertion: %v", ErrAuth, err)
		}
		form.Set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
		form.Set("assertion", signed)
	} else {
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", a.cfg.ClientID)
		form.Set("client_secret", a.cfg.ClientSecret)
	}
	resp, err := a.api.Do(ctx, http.MethodPost, "/services/oauth2/token", nil, []byte(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if err != nil {
		return fmt.Errorf("%w: %v%s", ErrAuth, err, authHint(err))
	}
	var t struct {
		AccessToken string `json:"access_token"`
		InstanceURL string `json:"instance_url"`
	}
	if err := json.Unmarshal(resp.Body, &t); err != nil || t.AccessToken == "" || t.InstanceURL == "" {
		return fmt.Errorf("%w: the token endpoint answered without access_token and instance_url", ErrAuth)
	}
	a.tok, a.inst = t.AccessToken, strings.TrimRight(t.InstanceURL, "/")
	return nil
}

// authHint turns Salesforce's OAuth errors into what to fix.
func authHint(err error) string {
	var he *httpx.Error
	if !errors.As(err, &he) {
		return ""
	}
	msg := strings.ToLower(he.Message)
	switch {
	case strings.Contains(msg, "approved"):
		return " (pre-authorise the integration user: in the connected app, set 'Admin approved users are pre-authorized' and add the user's profile or permission set)"
	case strings.Contains(msg, "audience"):
		return " (login_url does not match the org: production orgs use https://login.salesforce.com, sandboxes https://test.salesforce.com)"
	case strings.Contains(msg, "expired"):
		return " (the assertion was refused as expired: check this machine's clock)"
	case he.Code == "invalid_client_id" || strings.Contains(msg, "client identifier"):
		return " (check [salesforce] client_id: it is the connected app's consumer key)"
	case he.Code == "invalid_client":
		return " (check [salesforce] client_secret)"
	case strings.Contains(msg, "authentication failure"):
		return " (check [salesforce] username and that the certificate uploaded to the app matches private_key_file)"
	}
	return ""
}

// fieldKey is the config key naming a provider's field API name.
func fieldKey(p directory.Provider) string { return string(p) + "_field" }
