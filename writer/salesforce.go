// Package writer reads Salesforce users and writes the Voice Connector
// identifier fields. It signs in server-to-server, finds the fields by their
// labels, reads users in pages and writes only changed values, in batches.
package writer

import (
	"cmp"
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
	"golang.org/x/oauth2"

	"voiceid/directory"
	"voiceid/internal/httpx"
	"voiceid/internal/pack"
	"voiceid/match"
)

// Config is the [salesforce] section.
type Config struct {
	LoginURL       string // https://login.salesforce.com, https://test.salesforce.com or a My Domain URL
	Auth           string // "jwt", "client_credentials" or "sf-cli"
	TargetOrg      string // sf-cli: the alias or username given to sf org login
	ClientID       string
	ClientSecret   string
	Username       string
	PrivateKeyFile string
	APIVersion     string                    // "v65.0" or "65.0"; NormalizeAPIVersion
	Fields         map[match.Provider]string // configured API names; "" = discover by label
	HTTP           *http.Client
	Sleep          func(context.Context, time.Duration) error
	MinBackoff     time.Duration
	LockRetries    int // extra attempts for UNABLE_TO_LOCK_ROW records (default 3)
	Now            func() time.Time
	// BulkThreshold: more changes than this go through Bulk API 2.0 (0: DefaultBulkThreshold).
	BulkThreshold int
	// BulkPollTimeout bounds the wait for a Bulk API 2.0 job to finish (0: DefaultBulkPollTimeout).
	BulkPollTimeout time.Duration
	// Reserve is the part of the org's daily API allowance voiceid leaves untouched.
	Reserve int
}

// Defaults of the [salesforce] keys a config leaves out; config reads them from here.
const (
	DefaultBulkThreshold   = 10000            // bulk_threshold
	DefaultBulkPollTimeout = 30 * time.Minute // bulk_poll_timeout
	DefaultAPIReserve      = 1000             // api_reserve
)

// DefaultAPIVersion is the REST API version used when api_version is empty (Winter '26).
const DefaultAPIVersion = "v65.0"

var apiVersionRE = regexp.MustCompile(`^[vV]?(\d{2,3}\.\d)$`)

// NormalizeAPIVersion accepts a version as Salesforce writes it ("59.0", in
// Setup and sfdx-project.json) or as it appears in URLs ("v59.0"), and
// returns the URL form; "" is DefaultAPIVersion.
func NormalizeAPIVersion(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultAPIVersion, nil
	}
	m := apiVersionRE.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("%q is not a Salesforce API version: write it as \"65.0\" or \"v65.0\"", v)
	}
	return "v" + m[1], nil
}

// CheckLoginURL refuses what Salesforce refuses: the client credentials flow
// is served only on the org's My Domain, never on login. or test.salesforce.com
// (KB 000886201).
func CheckLoginURL(auth, loginURL string) error {
	if auth != "client_credentials" {
		return nil
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		return nil // the URL's own check names this
	}
	switch h := strings.ToLower(u.Hostname()); h {
	case "login.salesforce.com", "test.salesforce.com":
		return fmt.Errorf("%s does not serve auth = \"client_credentials\": set login_url to the org's My Domain URL (Setup > My Domain, e.g. https://acme.my.salesforce.com), or use auth = \"jwt\"", h)
	}
	return nil
}

// Sign-in flows, the values of [salesforce] auth ("" is AuthJWT).
const (
	AuthJWT               = "jwt"
	AuthClientCredentials = "client_credentials"
	AuthSFCLI             = "sf-cli"
)

// KeyError names the [salesforce] key a sign-in flow needs and lacks, or
// the auth value no flow answers to.
type KeyError struct {
	Key, Value, Problem string // Key without the section: "username"
}

func (e *KeyError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s = %q: %s", e.Key, e.Value, e.Problem)
	}
	return e.Key + ": " + e.Problem
}

// CheckAuth is the one rule for what each sign-in flow needs: it returns a
// *KeyError for the first key the flow of cfg.Auth lacks. The key file's
// content is read (and checked) at sign-in.
func CheckAuth(cfg Config) error {
	need := func(key, value, problem string) error {
		if strings.TrimSpace(value) == "" {
			return &KeyError{Key: key, Problem: problem}
		}
		return nil
	}
	// with sf-cli the Salesforce CLI holds the app, the user and the instance URL
	if cfg.Auth != AuthSFCLI {
		if err := cmp.Or(need("login_url", cfg.LoginURL, "required when [salesforce] is enabled"),
			need("client_id", cfg.ClientID, "required when [salesforce] is enabled")); err != nil {
			return err
		}
	}
	switch cfg.Auth {
	case "", AuthJWT:
		return cmp.Or(need("username", cfg.Username, `required with auth = "jwt" (the integration user's username)`),
			need("private_key_file", cfg.PrivateKeyFile, `required with auth = "jwt"`))
	case AuthClientCredentials:
		return need("client_secret", cfg.ClientSecret, `required with auth = "client_credentials"`)
	case AuthSFCLI:
		return need("target_org", cfg.TargetOrg, `required with auth = "sf-cli": the alias of an org the Salesforce CLI is signed in to (sf org login web --alias ALIAS)`)
	}
	return &KeyError{Key: "auth", Value: cfg.Auth, Problem: `use "jwt", "client_credentials" or "sf-cli"`}
}

// FieldLabel is the label of the User field the Voice Connector adds for a
// provider (the provider's plug-in says it).
func FieldLabel(p match.Provider) string {
	pl, _ := directory.Lookup(p)
	return pl.Label
}

// Sentinel errors callers branch on.
var (
	ErrAuth         = errors.New("salesforce sign-in failed")
	ErrField        = errors.New("identifier field problem")
	ErrAPILimit     = errors.New("salesforce daily API limit reached")
	ErrConfigured   = errors.New("salesforce configuration problem")
	ErrBulkDeadline = errors.New("salesforce bulk job did not finish before bulk_poll_timeout")
)

// Field is an identifier field found on User.
type Field struct {
	Name       string
	Label      string
	Type       string // describe's type: "string" for a Text field
	Length     int
	Updateable bool
	Custom     bool // a custom field (API name ending in __c)
	Formula    bool // calculated: describe's "calculated"
}

// Salesforce is a signed-in connection to one org.
type Salesforce struct {
	cfg      Config
	auth     *httpx.TokenAuth
	tokenAPI *httpx.Client // the token endpoint's, at login_url
	api      *httpx.Client
	// once sends requests that must not be repeated blindly (a job-creating
	// POST): it retries only what Salesforce refused before acting.
	once   *httpx.Client
	fields map[match.Provider]Field
	// described are the User fields describe listed: an org without State and
	// Country/Territory Picklists has no CountryCode (salesforce.md §6).
	described    map[string]bool
	userDescribe *userDescribe // the describe answer, read once

	usageMu   sync.Mutex
	usageUsed int
	usageMax  int
}

// Connect signs in and returns a connection whose API base is the org's instance URL.
func Connect(ctx context.Context, cfg Config) (*Salesforce, error) {
	v, err := NormalizeAPIVersion(cfg.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("%w: api_version: %v", ErrConfigured, err)
	}
	cfg.APIVersion = v
	if err := CheckLoginURL(cfg.Auth, cfg.LoginURL); err != nil {
		return nil, fmt.Errorf("%w: login_url: %v", ErrConfigured, err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Salesforce{cfg: cfg}
	tokenAPI := &httpx.Client{Provider: "salesforce", Base: cfg.LoginURL, HTTP: cfg.HTTP, Classify: s.classify,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: cfg.MinBackoff, MaxAttempts: 4}
	fetch, err := signIn(cfg, tokenAPI)
	if err != nil {
		return nil, err
	}
	s.auth, s.tokenAPI = httpx.NewTokenAuth(0, fetch), tokenAPI
	inst, err := s.instance(ctx)
	if err != nil {
		return nil, err
	}
	s.api = &httpx.Client{Provider: "salesforce", Base: inst, HTTP: cfg.HTTP, Auth: s.auth, Classify: s.classify,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: cfg.MinBackoff}
	s.once = &httpx.Client{Provider: "salesforce", Base: inst, HTTP: cfg.HTTP, Auth: s.auth, Classify: s.classifyOnce,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: cfg.MinBackoff}
	return s, nil
}

// Calls counts the HTTP requests made, sign-ins included.
func (s *Salesforce) Calls() int64 { return s.api.Calls() + s.once.Calls() + s.tokenAPI.Calls() }

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
		return DefaultBulkThreshold
	}
	return s.cfg.BulkThreshold
}

var limitInfoRE = regexp.MustCompile(`api-usage=(\d+)/(\d+)`)

// requestLimit is the error code of the daily allowance and of the transient
// concurrency limits alike (salesforce.md §5); the message tells them apart.
const requestLimit = "REQUEST_LIMIT_EXCEEDED"

// concurrencyBackoff is the first wait after a concurrency refusal: the long
// requests holding the limit (other integrations, Apex) take seconds to end.
// It doubles with each attempt, with jitter, within the retry budget.
const concurrencyBackoff = 5 * time.Second

// Kinds of REQUEST_LIMIT_EXCEEDED.
const (
	unknownLimit     = iota
	dailyLimit       // TotalRequests: the rolling 24 h allowance is spent
	concurrencyLimit // ConcurrentRequests, ConcurrentPerOrgLongTxn: too many long requests at once
)

// limitKind reads a REQUEST_LIMIT_EXCEEDED message by its first word:
// "ConcurrentRequests Limit exceeded." and "ConcurrentRequests (Concurrent
// API Requests) Limit exceeded." are both seen (salesforce.md §5).
func limitKind(msg string) int {
	word, _, _ := strings.Cut(strings.TrimSpace(msg), " ")
	switch word {
	case "TotalRequests":
		return dailyLimit
	case "ConcurrentRequests", "ConcurrentPerOrgLongTxn":
		return concurrencyLimit
	}
	return unknownLimit
}

// concurrencyRefused reports whether err is a request Salesforce kept
// refusing for a concurrency limit, past the retry budget.
func concurrencyRefused(err error) bool {
	var he *httpx.Error
	return errors.As(err, &he) && he.Code == requestLimit && limitKind(he.Message) == concurrencyLimit
}

// withLimitFix adds the cause and the fix to a concurrency refusal that
// outlasted the retry budget; other errors pass unchanged.
func withLimitFix(err error) error {
	if !concurrencyRefused(err) {
		return err
	}
	return fmt.Errorf("%w; Salesforce's limit on concurrent long-running requests stayed reached (other integrations or Apex hold it): run again later, or raise [network] retry_budget", err)
}

// classify is the default classifier plus Salesforce's error shapes, the
// limit header, and REQUEST_LIMIT_EXCEEDED: a concurrency limit is backed
// off and retried (Salesforce did nothing with the request), the daily
// allowance and any limit voiceid does not know stop the run.
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
	if v.Code == requestLimit {
		switch limitKind(v.Message) {
		case concurrencyLimit:
			v.Action, v.After, v.Backoff = httpx.Retry, 0, concurrencyBackoff
		case dailyLimit:
			v.Action, v.Err = httpx.Fail, ErrAPILimit
		default:
			v.Action = httpx.Fail
		}
	}
	return v
}

// classifyOnce is classify for requests that must not be repeated blindly (a
// job-creating POST): only a concurrency refusal, which Salesforce answers
// before doing anything, is retried; any other failure may follow a commit.
func (s *Salesforce) classifyOnce(status int, h http.Header, body []byte, err error) httpx.Verdict {
	v := s.classify(status, h, body, err)
	if v.Action == httpx.Retry && v.Code != requestLimit {
		v.Action = httpx.Fail
	}
	return v
}

func (s *Salesforce) data(path string) string {
	return "/services/data/" + s.cfg.APIVersion + path
}

// textTypes are the describe types of Text and Text Area fields.
var textTypes = map[string]bool{"string": true, "textarea": true}

// guard refuses a field voiceid must never write an identifier into: a
// standard User field (Email, Phone...), a formula, anything but text, or a
// field the integration user cannot edit. A typo in a setting must not turn
// voiceid against a user's own data.
func guard(f Field, key string) error {
	switch {
	case f.Formula:
		return fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a formula field: Salesforce calculates its value, so nothing can be written to it; leave %s empty to find the Voice Connector's field by its label, or name a custom Text field", ErrField, key, f.Name, f.Label, key)
	case !f.Custom || !strings.HasSuffix(strings.ToLower(f.Name), "__c"):
		return fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a standard User field: voiceid writes identifiers only into custom fields (API names ending in __c); leave %s empty to find the Voice Connector's field by its label", ErrField, key, f.Name, f.Label, key)
	case !textTypes[f.Type]:
		return fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a %s field; identifiers are text: use a Text field", ErrField, key, f.Name, f.Label, f.Type)
	case !f.Updateable:
		return fmt.Errorf("%w: the integration user cannot edit User.%s (%q): grant edit access in field-level security", ErrField, f.Name, f.Label)
	}
	return nil
}

// userDescribe is the part of describe User that Discover reads.
type userDescribe struct {
	Fields []struct {
		Name       string `json:"name"`
		Label      string `json:"label"`
		Type       string `json:"type"`
		Length     int    `json:"length"`
		Updateable bool   `json:"updateable"`
		Custom     bool   `json:"custom"`
		Calculated bool   `json:"calculated"`
	} `json:"fields"`
}

// describeUser describes User once per connection: check asks about each
// provider's field in turn, and the object does not change between.
func (s *Salesforce) describeUser(ctx context.Context) (*userDescribe, error) {
	if s.userDescribe != nil {
		return s.userDescribe, nil
	}
	resp, err := s.api.Get(ctx, s.data("/sobjects/User/describe"), nil)
	if err != nil {
		return nil, err
	}
	var d userDescribe
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		return nil, fmt.Errorf("salesforce: describe User: malformed JSON: %w", err)
	}
	s.userDescribe = &d
	return &d, nil
}

// Discover finds the identifier field of each provider: the configured API
// name, else the one User field whose label matches (case-insensitively).
func (s *Salesforce) Discover(ctx context.Context, provs []match.Provider) (map[match.Provider]Field, error) {
	d, err := s.describeUser(ctx)
	if err != nil {
		return nil, err
	}
	s.described = make(map[string]bool, len(d.Fields))
	for _, f := range d.Fields {
		s.described[f.Name] = true
	}
	out := map[match.Provider]Field{}
	for _, p := range provs {
		want := s.cfg.Fields[p]
		var found []Field
		for _, f := range d.Fields {
			if (want != "" && strings.EqualFold(f.Name, want)) || (want == "" && strings.EqualFold(f.Label, FieldLabel(p))) {
				found = append(found, Field{Name: f.Name, Label: f.Label, Type: f.Type, Length: f.Length, Updateable: f.Updateable,
					Custom: f.Custom, Formula: f.Calculated})
			}
		}
		key := fieldKey(p)
		switch {
		case len(found) == 0 && want != "":
			return nil, fmt.Errorf("%w: [salesforce] %s = %q: no such field on User (or it is hidden from the integration user by field-level security)", ErrField, key, want)
		case len(found) == 0:
			return nil, fmt.Errorf("%w: no User field is labelled %q: install the Voice Connector package, or set [salesforce] %s to the field's API name", ErrField, FieldLabel(p), key)
		case len(found) > 1:
			var names []string
			for _, f := range found {
				names = append(names, f.Name)
			}
			return nil, fmt.Errorf("%w: %d User fields are labelled %q (%s): set [salesforce] %s to the right one", ErrField, len(found), FieldLabel(p), strings.Join(names, ", "), key)
		}
		if err := guard(found[0], key); err != nil {
			return nil, err
		}
		for q, g := range out {
			if g.Name == found[0].Name {
				return nil, fmt.Errorf("%w: [salesforce] %s and %s both name User.%s: each provider needs its own identifier field, or they overwrite each other", ErrField, fieldKey(q), key, g.Name)
			}
		}
		out[p] = found[0]
	}
	s.fields = out
	return out, nil
}

// userQueryFields are the User fields matching needs, in toUser's column
// order. Id and Username are on every org; the others are selected only where
// describe lists them (CountryCode needs the picklists; field-level security
// can hide the rest).
var userQueryFields = []string{"Id", "Username", "Name", "Email", "Phone", "MobilePhone", "Extension", "CountryCode", "Country"}

// HasCountryCode tells whether the org has State and Country/Territory
// Picklists (User.CountryCode); known after Discover.
func (s *Salesforce) HasCountryCode() bool { return s.described["CountryCode"] }

// activeStandard selects the users a run reads (SPEC, Inputs).
var activeStandard = "IsActive = true AND UserType = " + Quote("Standard")

// SandboxFacts is what check tells about the org's kind (salesforce.md §5a).
type SandboxFacts struct {
	IsSandbox bool
	Invalid   int // active standard users whose Email ends in ".invalid"
	Users     int // active standard users; counted only when Invalid > 0
}

// Sandbox tells whether the org is a sandbox, and how many active standard
// users' emails carry the ".invalid" Salesforce appends to them on a sandbox
// copy: a query on Organization and a COUNT(), and a second COUNT() only
// when some emails do.
func (s *Salesforce) Sandbox(ctx context.Context) (SandboxFacts, error) {
	var f SandboxFacts
	resp, err := s.api.Get(ctx, s.data("/query"), url.Values{"q": {"SELECT IsSandbox FROM Organization"}})
	if err != nil {
		return f, err
	}
	var org struct {
		Records []struct {
			IsSandbox *bool `json:"IsSandbox"`
		} `json:"records"`
	}
	if err := json.Unmarshal(resp.Body, &org); err != nil || len(org.Records) != 1 || org.Records[0].IsSandbox == nil {
		return f, fmt.Errorf("salesforce: query Organization: malformed answer")
	}
	f.IsSandbox = *org.Records[0].IsSandbox
	if f.Invalid, err = s.count(ctx, "SELECT COUNT() FROM User WHERE "+activeStandard+" AND Email LIKE "+Quote("%.invalid")); err != nil || f.Invalid == 0 {
		return f, err
	}
	f.Users, err = s.count(ctx, "SELECT COUNT() FROM User WHERE "+activeStandard)
	return f, err
}

// count runs a SELECT COUNT() query: the count is the answer's totalSize.
func (s *Salesforce) count(ctx context.Context, soql string) (int, error) {
	resp, err := s.api.Get(ctx, s.data("/query"), url.Values{"q": {soql}})
	if err != nil {
		return 0, err
	}
	var r struct {
		TotalSize *int `json:"totalSize"`
	}
	if err := json.Unmarshal(resp.Body, &r); err != nil || r.TotalSize == nil {
		return 0, fmt.Errorf("salesforce: query %q: malformed answer", soql)
	}
	return *r.TotalSize, nil
}

// Users reads every active standard user with one query, following its pages.
func (s *Salesforce) Users(ctx context.Context, progress func(read int)) ([]match.User, error) {
	if s.fields == nil {
		return nil, fmt.Errorf("salesforce: Users called before Discover")
	}
	var fields []string
	provs := directory.Names()
	column := make([]int, len(userQueryFields)+len(provs)) // selected column of each, or -1
	for i, f := range userQueryFields {
		column[i] = -1
		if i < 2 || s.described[f] {
			column[i] = len(fields)
			fields = append(fields, f)
		}
	}
	for j, p := range provs {
		column[len(userQueryFields)+j] = -1
		if f, ok := s.fields[p]; ok {
			column[len(userQueryFields)+j] = len(fields)
			fields = append(fields, f.Name)
		}
	}
	soql := fmt.Sprintf("SELECT %s FROM User WHERE %s ORDER BY Id", strings.Join(fields, ", "), activeStandard)
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
			out = append(out, toUser(records.Index(i), column, provs))
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

// toUser reads one record: column maps userQueryFields, then the providers'
// identifier fields, to the record's columns (-1: not selected); the
// record's strings share one allocation.
func toUser(rec reflect.Value, column []int, provs []match.Provider) match.User {
	str := func(i int) string {
		c := column[i]
		if c < 0 {
			return ""
		}
		if f := rec.Field(c); !f.IsNil() {
			return f.Elem().String()
		}
		return ""
	}
	u := match.User{ID: str(0), Username: str(1), Name: str(2), Email: str(3), Phone: str(4), MobilePhone: str(5),
		Extension: str(6), CountryCode: pack.Common(str(7)), Country: pack.Common(str(8))}
	for j, p := range provs {
		if v := str(len(userQueryFields) + j); v != "" {
			u.Fields = append(u.Fields, match.FieldValue{Provider: p, Value: v})
		}
	}
	ptrs := make([]*string, 0, 7+len(u.Fields))
	ptrs = append(ptrs, &u.ID, &u.Username, &u.Name, &u.Email, &u.Phone, &u.MobilePhone, &u.Extension)
	for i := range u.Fields {
		ptrs = append(ptrs, &u.Fields[i].Value)
	}
	pack.Strings(ptrs...)
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

// prepared is a set of changes grouped into one record per user.
type prepared struct {
	out    []Outcome
	byUser map[string][]int // user id -> indexes into changes
	order  []string         // users in the order of their first change
}

// indexes lists the changes of these users.
func (p prepared) indexes(users []string) []int {
	var out []int
	for _, id := range users {
		out = append(out, p.byUser[id]...)
	}
	return out
}

// prepare groups the changes by user. Values longer than their field are
// refused before anything is sent, and told to settled at once.
func (s *Salesforce) prepare(changes []match.Change, settled Settled) (prepared, error) {
	p := prepared{out: make([]Outcome, len(changes)), byUser: map[string][]int{}}
	var refused []int
	for i, c := range changes {
		f, err := s.FieldOf(c)
		if err != nil {
			return p, err
		}
		if len(c.New) > f.Length && f.Length > 0 {
			p.out[i] = Outcome{Code: "STRING_TOO_LONG", Message: fmt.Sprintf("value is %d characters; %s holds %d", len(c.New), f.Name, f.Length)}
			refused = append(refused, i)
			continue
		}
		if _, seen := p.byUser[c.UserID]; !seen {
			p.order = append(p.order, c.UserID)
		}
		p.byUser[c.UserID] = append(p.byUser[c.UserID], i)
	}
	if len(refused) > 0 {
		settled(refused, p.out)
	}
	return p, nil
}

func (s *Salesforce) applyCollections(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	p, err := s.prepare(changes, h.Settled)
	if err != nil {
		return p.out, err
	}
	out := p.out
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

// batchFailure reports whether a batch error is the server failing (5xx,
// the network or a concurrency limit, after retries) rather than something
// that dooms every batch (sign-in, the daily API limit, cancellation).
func batchFailure(ctx context.Context, err error) bool {
	var he *httpx.Error
	if ctx.Err() != nil || !errors.As(err, &he) {
		return false
	}
	return he.Status >= 500 || (he.Status == 0 && he.Err != nil) || concurrencyRefused(err)
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
		return nil, withLimitFix(err)
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

// signIn returns the Fetch of the configured flow; each answers a token
// whose Extra holds instance_url and id (the run-as user's identity URL).
func signIn(cfg Config, api *httpx.Client) (httpx.Fetch, error) {
	if err := CheckAuth(cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfigured, err)
	}
	switch cfg.Auth {
	case AuthClientCredentials:
		return func(ctx context.Context) (*oauth2.Token, error) {
			return tokenRequest(ctx, api, cfg, url.Values{"grant_type": {"client_credentials"},
				"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}})
		}, nil
	case AuthSFCLI:
		return sfCLI(cfg.TargetOrg), nil
	}
	pemBytes, err := os.ReadFile(cfg.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: private_key_file: %v", ErrConfigured, err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: private_key_file %s is not a PEM RSA private key: %v", ErrConfigured, cfg.PrivateKeyFile, err)
	}
	return func(ctx context.Context) (*oauth2.Token, error) {
		claims := assertion{Iss: cfg.ClientID, Sub: cfg.Username, Aud: Audience(cfg.LoginURL),
			Exp: cfg.Now().Add(3 * time.Minute).Unix()}
		signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
		if err != nil {
			return nil, fmt.Errorf("%w: signing the JWT assertion: %v", ErrAuth, err)
		}
		return tokenRequest(ctx, api, cfg, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signed}})
	}, nil
}

// tokenRequest posts one grant to the token endpoint (salesforce.md §1c).
// Salesforce sends no expires_in: the token's zero Expiry keeps it until a 401.
func tokenRequest(ctx context.Context, api *httpx.Client, cfg Config, form url.Values) (*oauth2.Token, error) {
	resp, err := api.Do(ctx, http.MethodPost, "/services/oauth2/token", nil, []byte(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v%s", ErrAuth, err, AuthHint(err, cfg))
	}
	var t struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		InstanceURL string `json:"instance_url"`
		ID          string `json:"id"` // https://<host>/id/<orgId>/<userId>
	}
	if err := json.Unmarshal(resp.Body, &t); err != nil || t.AccessToken == "" || t.InstanceURL == "" {
		return nil, fmt.Errorf("%w: the token endpoint answered without access_token and instance_url", ErrAuth)
	}
	return (&oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType}).
		WithExtra(map[string]any{"instance_url": t.InstanceURL, "id": t.ID}), nil
}

// instance is the API base the current token was issued for.
func (s *Salesforce) instance(ctx context.Context) (string, error) {
	t, err := s.auth.Token(ctx)
	if err != nil {
		return "", err
	}
	inst, _ := t.Extra("instance_url").(string)
	return strings.TrimRight(inst, "/"), nil
}

// userID is the run-as user's id, the end of the token's identity URL; ""
// when the sign-in did not say (the Salesforce CLI does not).
func (s *Salesforce) userID(ctx context.Context) string {
	t, err := s.auth.Token(ctx)
	if err != nil {
		return ""
	}
	id, _ := t.Extra("id").(string)
	return id[strings.LastIndex(id, "/")+1:]
}

// Audience is the JWT "aud" Salesforce expects for a login URL: the sandbox
// audience for test.salesforce.com, sandbox My Domains, scratch orgs and the
// old csNN (sandbox instance) hosts; the production one for everything else
// (login.salesforce.com and production My Domains). The host the token
// request goes to is an endpoint, never an audience (JWT doc). The rules are
// those the Salesforce CLI applied by URL (sfdx-core sfdcUrl.ts, isSandboxUrl,
// until 2022; salesforce.md §5a).
func Audience(loginURL string) string {
	h := loginURL
	if u, err := url.Parse(loginURL); err == nil {
		h = u.Hostname()
	}
	h = strings.ToLower(h)
	first, _, _ := strings.Cut(h, ".")
	switch {
	case h == "test.salesforce.com", strings.HasSuffix(h, ".sandbox.my.salesforce.com"),
		// scratch orgs live on sandbox instances: <name>.scratch.my.salesforce.com
		strings.HasSuffix(h, ".scratch.my.salesforce.com"),
		// before enhanced domains a sandbox My Domain was <domain>--<sandbox>.my.salesforce.com
		strings.HasSuffix(h, ".my.salesforce.com") && strings.Contains(first, "--"),
		// csNN were the sandbox instances: cs42.salesforce.com, acme.cs42.my.salesforce.com
		csInstanceRE.MatchString(h):
		return "https://test.salesforce.com"
	}
	return "https://login.salesforce.com"
}

// csInstanceRE matches a host on a csNN instance, with or without a My Domain.
var csInstanceRE = regexp.MustCompile(`(^|\.)cs\d+(\.my)?\.salesforce\.com$`)

// assertion is the JWT bearer assertion's claim set. Salesforce takes "aud"
// only as a single JSON string; golang-jwt's RegisteredClaims would send an
// array (golang-jwt/jwt#190), so the claims are spelled out here.
type assertion struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud string `json:"aud"`
	Exp int64  `json:"exp"` // seconds since the epoch; at most 3 minutes ahead
}

func (a assertion) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(a.Exp, 0)), nil
}
func (assertion) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (assertion) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (a assertion) GetIssuer() (string, error)            { return a.Iss, nil }
func (a assertion) GetSubject() (string, error)           { return a.Sub, nil }
func (a assertion) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{a.Aud}, nil
}

// AuthHint turns Salesforce's OAuth error (its error and error_description,
// salesforce.md §1d) into the cause and what to fix; "" when it is not one.
func AuthHint(err error, cfg Config) string {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Status == 0 {
		return ""
	}
	msg := strings.ToLower(he.Message)
	jwtFlow := cfg.Auth != "client_credentials"
	switch {
	case strings.Contains(msg, "approved"):
		return fmt.Sprintf("\n  cause: the app is not approved for %s. Fix: in the Connected App (Manage > Edit Policies) or External Client App (Policies), set Permitted Users to 'Admin approved users are pre-authorized' and add the user's profile or a permission set it holds", orDefault(cfg.Username, "the integration user"))
	case strings.Contains(msg, "audience"):
		return fmt.Sprintf("\n  cause: Salesforce refused the audience voiceid sent (%s, derived from login_url %s). Fix: production orgs and their My Domains take https://login.salesforce.com; a sandbox or scratch org needs login_url = https://test.salesforce.com or its *.sandbox.my.salesforce.com (*.scratch.my.salesforce.com) URL", Audience(cfg.LoginURL), cfg.LoginURL)
	case strings.Contains(msg, "expired"):
		return "\n  cause: the assertion was refused as expired: voiceid gives it 3 minutes, so this machine's clock is probably off. Fix: synchronise the clock (NTP) and retry"
	case jwtFlow && (strings.Contains(msg, "invalid assertion") || strings.Contains(msg, "signature")):
		return fmt.Sprintf("\n  cause: the assertion's signature does not verify against the certificate uploaded to the app. Fix: upload the certificate made from private_key_file (%s) under 'Use digital signatures', or point private_key_file at the key of the uploaded certificate", cfg.PrivateKeyFile)
	case he.Code == "invalid_client_id" || strings.Contains(msg, "client identifier"):
		return "\n  cause: Salesforce does not know this client_id. Fix: set [salesforce] client_id to the app's Consumer Key (App Manager > the app > View > Consumer Key and Secret)"
	case he.Code == "invalid_client" || strings.Contains(msg, "client credentials"):
		return "\n  cause: the client_secret does not match the app's Consumer Secret, or the app does not allow this flow. Fix: check [salesforce] client_secret, and that 'Enable Client Credentials Flow' is on with a Run As user"
	case he.Code == "invalid_grant" && !jwtFlow:
		return "\n  cause: the client credentials flow was refused. Fix: login_url must be the org's My Domain URL, and the app needs 'Enable Client Credentials Flow' and a Run As user"
	case strings.Contains(msg, "authentication failure"):
		return "\n  cause: Salesforce could not authenticate the integration user. Fix: check [salesforce] username (the Salesforce username, not the email), that the user is active, and that the certificate uploaded to the app matches private_key_file"
	}
	return ""
}

// fieldKey is the config key naming a provider's field API name.
func fieldKey(p match.Provider) string { return string(p) + "_field" }

// Versions lists the REST API versions the org serves ("65.0"...), oldest
// first, from GET /services/data (which does not count against the limits).
func (s *Salesforce) Versions(ctx context.Context) ([]string, error) {
	resp, err := s.api.Get(ctx, "/services/data/", nil)
	if err != nil {
		return nil, err
	}
	var list []struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return nil, fmt.Errorf("salesforce: GET /services/data: malformed answer: %w", err)
	}
	var out []string
	for _, v := range list {
		if _, err := NormalizeAPIVersion(v.Version); err == nil {
			out = append(out, v.Version)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		fa, _ := strconv.ParseFloat(a, 64)
		fb, _ := strconv.ParseFloat(b, 64)
		return cmp.Compare(fa, fb)
	})
	return out, nil
}

// CheckVersion confirms the org serves the configured api_version; it
// returns the newest version the org serves either way.
func (s *Salesforce) CheckVersion(ctx context.Context) (newest string, err error) {
	vs, err := s.Versions(ctx)
	if err != nil {
		return "", err
	}
	if len(vs) == 0 {
		return "", fmt.Errorf("salesforce: GET /services/data listed no versions")
	}
	newest = vs[len(vs)-1]
	if !slices.Contains(vs, strings.TrimPrefix(s.cfg.APIVersion, "v")) {
		return newest, fmt.Errorf("%w: api_version %s is not served by this org (it serves %s to %s): set [salesforce] api_version = %q", ErrConfigured,
			strings.TrimPrefix(s.cfg.APIVersion, "v"), vs[0], newest, newest)
	}
	return newest, nil
}

// ErrNoSuchUser is a User id Salesforce does not know.
var ErrNoSuchUser = errors.New("no such Salesforce user")

// LookupUser reads one User by id: its username, and whether a run would
// read it (active and standard).
func (s *Salesforce) LookupUser(ctx context.Context, id string) (username string, eligible bool, err error) {
	soql := "SELECT Id, Username, IsActive, UserType FROM User WHERE Id = " + Quote(id)
	resp, err := s.api.Get(ctx, s.data("/query"), url.Values{"q": {soql}})
	if err != nil {
		return "", false, err
	}
	var r struct {
		Records []struct {
			Username string `json:"Username"`
			IsActive bool   `json:"IsActive"`
			UserType string `json:"UserType"`
		} `json:"records"`
	}
	if err := json.Unmarshal(resp.Body, &r); err != nil {
		return "", false, fmt.Errorf("salesforce: query User %s: malformed answer", id)
	}
	if len(r.Records) == 0 {
		return "", false, fmt.Errorf("%w: %s", ErrNoSuchUser, id)
	}
	u := r.Records[0]
	return u.Username, u.IsActive && u.UserType == "Standard", nil
}
