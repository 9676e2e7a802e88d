package directory

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"voiceid/internal/httpx"
)

// AircallConfig is the [aircall] section.
type AircallConfig struct {
	BaseURL  string // https://api.aircall.io
	APIID    string
	APIToken string
	HTTP     *http.Client
	Sleep    func(context.Context, time.Duration) error
	// Share is the part of the company's rate limit voiceid may use (default
	// 0.5): the budget is shared with every other integration of the company.
	Share float64
	// MinBackoff is the first retry delay (default 1 s).
	MinBackoff time.Duration
}

// AircallReader reads the users of one Aircall company and the numbers assigned to them.
type AircallReader struct {
	api *httpx.Client
}

// AircallPageSize is the largest page Aircall's list endpoints allow.
const AircallPageSize = 50

// NewAircall makes a reader; it does not contact the server.
func NewAircall(cfg AircallConfig) *AircallReader {
	share := cfg.Share
	if share <= 0 || share > 1 {
		share = 0.5
	}
	auth := staticAuth("Basic " + basic(cfg.APIID, cfg.APIToken))
	return &AircallReader{api: &httpx.Client{Provider: "aircall", Base: cfg.BaseURL, HTTP: cfg.HTTP, Auth: auth,
		Classify: classifyAircall(share), Sleep: cfg.Sleep, MinBackoff: cfg.MinBackoff}}
}

// Calls counts the HTTP requests made.
func (c *AircallReader) Calls() int64 { return c.api.Calls() }

// Check proves the credentials with GET /v1/ping.
func (c *AircallReader) Check(ctx context.Context) error {
	_, err := c.api.Get(ctx, "/v1/ping", nil)
	return err
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// staticAuth sends the same header every time; Aircall keys do not expire.
type staticAuth string

func (s staticAuth) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", string(s))
	return nil
}
func (s staticAuth) Invalidate() {}

// classifyAircall treats 401 and 403 alike (bad key: fatal), reads the
// {"error","troubleshoot"} body, and paces from the X-AircallApi-* headers:
// once the remaining budget falls to the part left for others, it waits for
// the window to reset instead of running into 429.
func classifyAircall(share float64) httpx.Classifier {
	return func(status int, h http.Header, body []byte, err error) httpx.Verdict {
		v := httpx.Classify(status, h, body, err)
		if err != nil {
			return v
		}
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			v.Action = httpx.Fail
		}
		if status >= 300 {
			var e struct {
				Error        string `json:"error"`
				Message      string `json:"message"`
				Troubleshoot string `json:"troubleshoot"`
			}
			if json.Unmarshal(body, &e) == nil {
				v.Code = e.Error
				v.Message = e.Troubleshoot
				if v.Message == "" {
					v.Message = e.Message
				}
			}
		}
		reset := aircallReset(h)
		switch {
		case status == http.StatusTooManyRequests && v.After == 0 && reset > 0:
			v.After = reset + time.Second
		case v.Action == httpx.Done && reset > 0:
			limit, _ := strconv.Atoi(h.Get("X-AircallApi-Limit"))
			remaining, err := strconv.Atoi(h.Get("X-AircallApi-Remaining"))
			if err == nil && float64(remaining) <= float64(limit)*(1-share) {
				v.After = reset + time.Second
			}
		}
		return v
	}
}

// aircallReset is the time until X-AircallApi-Reset, read as UNIX seconds
// (or milliseconds when the value is that large); 0 when absent or past.
func aircallReset(h http.Header) time.Duration {
	n, err := strconv.ParseInt(h.Get("X-AircallApi-Reset"), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	t := time.Unix(n, 0)
	if n > 1e12 {
		t = time.UnixMilli(n)
	}
	if d := time.Until(t); d > 0 {
		return d
	}
	return 0
}

type acMeta struct {
	Total        int     `json:"total"`
	CurrentPage  int     `json:"current_page"`
	NextPageLink *string `json:"next_page_link"`
}

type acNumber struct {
	ID     flexString `json:"id"`
	Digits string     `json:"digits"`
	Users  *[]struct {
		ID flexString `json:"id"`
	} `json:"users"`
}

type acUser struct {
	ID      flexString  `json:"id"`
	Name    string      `json:"name"`
	Email   string      `json:"email"`
	Numbers *[]acNumber `json:"numbers"` // v1 only
}

// AircallListCap is the most records one Aircall list query reaches.
const AircallListCap = 10000

// People reads every user and the numbers assigned to each. Users come from
// /v2/users (falling back to /v1/users where v2 is missing); their numbers
// from the v1 user list when it embeds them, else from the numbers.
func (c *AircallReader) People(ctx context.Context, progress func(read int)) ([]Person, error) {
	users, err := listAll[acUser](ctx, c.api, "/v2/users", "users", progress)
	v1 := false
	var he *httpx.Error
	if errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusGone) {
		users, err = listAll[acUser](ctx, c.api, "/v1/users", "users", progress)
		v1 = true
	}
	if err != nil {
		return nil, err
	}
	byUser := map[string][]string{} // user id -> digits
	if v1 {
		for _, u := range users {
			if u.Numbers != nil {
				for _, n := range *u.Numbers {
					byUser[string(u.ID)] = append(byUser[string(u.ID)], n.Digits)
				}
			}
		}
	} else if byUser, err = c.numbersByUser(ctx); err != nil {
		return nil, err
	}
	out := make([]Person, 0, len(users))
	for _, u := range users {
		p := Person{Provider: Aircall, ID: string(u.ID), Type: "User", Status: "Enabled", Name: u.Name, Email: u.Email}
		for _, d := range byUser[string(u.ID)] {
			p.Numbers = append(p.Numbers, Number{Raw: d, UsageType: UsageDirect})
		}
		out = append(out, p)
	}
	return out, nil
}

// numbersByUser maps each user to the digits of the numbers assigned to it.
// The numbers list does not carry assignments, so each number is read once.
func (c *AircallReader) numbersByUser(ctx context.Context) (map[string][]string, error) {
	nums, err := listAll[acNumber](ctx, c.api, "/v1/numbers", "numbers", nil)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, n := range nums {
		if n.Users == nil {
			resp, err := c.api.Get(ctx, "/v1/numbers/"+url.PathEscape(string(n.ID)), nil)
			if err != nil {
				return nil, err
			}
			var one struct {
				Number *acNumber `json:"number"`
			}
			if err := json.Unmarshal(resp.Body, &one); err != nil || one.Number == nil {
				return nil, fmt.Errorf("aircall: GET /v1/numbers/%s: malformed answer", n.ID)
			}
			n.Users = one.Number.Users
		}
		if n.Users == nil {
			continue
		}
		for _, u := range *n.Users {
			out[string(u.ID)] = append(out[string(u.ID)], n.Digits)
		}
	}
	return out, nil
}

// listAll follows an Aircall list endpoint's pages. A list longer than the
// 10,000-record cap is refused rather than read short.
func listAll[T any](ctx context.Context, api *httpx.Client, path, key string, progress func(int)) ([]T, error) {
	var out []T
	target := path
	q := url.Values{"per_page": {strconv.Itoa(AircallPageSize)}, "page": {"1"}}
	for page := 1; ; page++ {
		resp, err := api.Get(ctx, target, q)
		if err != nil {
			return nil, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(resp.Body, &raw); err != nil {
			return nil, fmt.Errorf("aircall: GET %s page %d: malformed JSON: %w", path, page, err)
		}
		var items []T
		var meta acMeta
		if err := json.Unmarshal(raw[key], &items); err != nil || raw[key] == nil {
			return nil, fmt.Errorf("aircall: GET %s page %d: answer has no %q list", path, page, key)
		}
		if err := json.Unmarshal(raw["meta"], &meta); err != nil {
			return nil, fmt.Errorf("aircall: GET %s page %d: answer has no meta", path, page)
		}
		if meta.Total > AircallListCap {
			return nil, fmt.Errorf("aircall: GET %s: %d records exceed the %d a list query can reach", path, meta.Total, AircallListCap)
		}
		out = append(out, items...)
		if progress != nil {
			progress(len(out))
		}
		if meta.NextPageLink == nil || *meta.NextPageLink == "" || len(items) == 0 {
			if len(out) < meta.Total {
				return nil, fmt.Errorf("aircall: %w: GET %s returned %d of %d records", ErrIncomplete, path, len(out), meta.Total)
			}
			return out, nil
		}
		target, q = *meta.NextPageLink, nil
	}
}
