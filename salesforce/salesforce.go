// Package salesforce is voiceid's Salesforce client: it signs in server to
// server, finds the Voice Connector identifier fields by their labels, reads
// the users in pages and writes only changed values, in batches (sObject
// Collections, or Bulk API 2.0 for a large backfill).
package salesforce

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"voiceid/internal/httpx"
	"voiceid/match"
	"voiceid/provider"
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
	APIVersion     string // "v65.0" or "65.0"; NormalizeAPIVersion
	// Providers are the enabled providers: their identifier fields' labels,
	// and the [salesforce] keys that may name them (Info.FieldKey).
	Providers   []provider.Info
	Fields      map[match.Provider]string // configured API names; "" = discover by label
	HTTP        *http.Client
	Sleep       func(context.Context, time.Duration) error
	MinBackoff  time.Duration
	LockRetries int // extra attempts for UNABLE_TO_LOCK_ROW records (default 3)
	Now         func() time.Time
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

// Sentinel errors callers branch on.
var (
	ErrAuth         = errors.New("salesforce sign-in failed")
	ErrField        = errors.New("identifier field problem")
	ErrAPILimit     = errors.New("salesforce daily API limit reached")
	ErrConfigured   = errors.New("salesforce configuration problem")
	ErrBulkDeadline = errors.New("salesforce bulk job did not finish before bulk_poll_timeout")
)

// Client is a signed-in connection to one org.
type Client struct {
	cfg      Config
	auth     *httpx.TokenAuth
	tokenAPI *httpx.Client // the token endpoint's, at login_url
	api      *httpx.Client
	// once sends requests that must not be repeated blindly (a job-creating
	// POST): it retries only what Salesforce refused before acting.
	once   *httpx.Client
	fields map[match.Provider]Field
	// described are the User fields describe listed: an org without State and
	// Country/Territory Picklists has no CountryCode (docs/providers/salesforce.md: User fields).
	described    map[string]bool
	userDescribe *userDescribe // the describe answer, read once

	usageMu   sync.Mutex
	usageUsed int
	usageMax  int
}

// Connect signs in and returns a connection whose API base is the org's instance URL.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
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
	s := &Client{cfg: cfg}
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
func (s *Client) Calls() int64 { return s.api.Calls() + s.once.Calls() + s.tokenAPI.Calls() }

// Usage is the org's daily API usage from the last Sforce-Limit-Info header (0/0 if none seen).
func (s *Client) Usage() (used, limit int) {
	s.usageMu.Lock()
	defer s.usageMu.Unlock()
	return s.usageUsed, s.usageMax
}

// CheckReserve stops the run, before it spends them, when the calls it still
// needs would eat into the reserve of the org's daily API allowance.
func (s *Client) CheckReserve(needed int) error {
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
func (s *Client) WriteCalls(n int) int {
	if n > s.bulkThreshold() {
		return 10
	}
	return (n + BatchSize - 1) / BatchSize
}

func (s *Client) bulkThreshold() int {
	if s.cfg.BulkThreshold <= 0 {
		return DefaultBulkThreshold
	}
	return s.cfg.BulkThreshold
}

var limitInfoRE = regexp.MustCompile(`api-usage=(\d+)/(\d+)`)

// requestLimit is the error code of the daily allowance and of the transient
// concurrency limits alike (docs/providers/salesforce.md: Limits and errors); the message tells them apart.
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
// API Requests) Limit exceeded." are both seen (docs/providers/salesforce.md: Limits and errors).
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
func (s *Client) classify(status int, h http.Header, body []byte, err error) httpx.Verdict {
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
func (s *Client) classifyOnce(status int, h http.Header, body []byte, err error) httpx.Verdict {
	v := s.classify(status, h, body, err)
	if v.Action == httpx.Retry && v.Code != requestLimit {
		v.Action = httpx.Fail
	}
	return v
}

func (s *Client) data(path string) string {
	return "/services/data/" + s.cfg.APIVersion + path
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

// Versions lists the REST API versions the org serves ("65.0"...), oldest
// first, from GET /services/data (which does not count against the limits).
func (s *Client) Versions(ctx context.Context) ([]string, error) {
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
func (s *Client) CheckVersion(ctx context.Context) (newest string, err error) {
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
