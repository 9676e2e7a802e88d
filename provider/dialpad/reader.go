package dialpad

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"voiceid/internal/httpx"
	"voiceid/match"
	"voiceid/provider/read"
)

// Config is the [dialpad] section.
type Config struct {
	BaseURL string // https://dialpad.com
	APIKey  string // a company API key (Admin Settings > My Company > Authentication > API Keys)
	// RequestsPerSecond is voiceid's own budget (default 5): well under the
	// company's documented 20/s, which every key and app shares.
	RequestsPerSecond int
	HTTP              *http.Client
	Sleep             func(context.Context, time.Duration) error
	MinBackoff        time.Duration // first 429/5xx backoff (default 1 s)
	Now               func() time.Time
	// Log, when set, hears how the reader found the numbers' owners.
	Log func(format string, args ...any)
}

// DefaultRequestsPerSecond is a quarter of Dialpad's 20 per second
// per company, leaving the rest to the company's other integrations.
const DefaultRequestsPerSecond = 5

// Reader reads the users of one Dialpad company and the owners of its numbers.
type Reader struct {
	api *httpx.Client
	log func(format string, args ...any)
}

// New makes a reader; it does not contact the server.
func New(cfg Config) *Reader {
	rps := cfg.RequestsPerSecond
	if rps <= 0 {
		rps = DefaultRequestsPerSecond
	}
	now, logf := read.Clock(cfg.Now), read.Logf(cfg.Log)
	// burst 1: the budget holds in every second, from the very first request
	limiter := rate.NewLimiter(rate.Limit(rps), 1)
	return &Reader{log: logf, api: &httpx.Client{Provider: "dialpad", Base: cfg.BaseURL, HTTP: cfg.HTTP,
		Auth: read.Header("Bearer " + cfg.APIKey), Classify: classifyDialpad, Sleep: cfg.Sleep, Now: now,
		MinBackoff: cfg.MinBackoff, Limiter: limiter}}
}

// Calls counts the HTTP requests made.
func (c *Reader) Calls() int64 { return c.api.Calls() }

// Check proves the key with GET /api/v2/company, which needs a company-admin
// key; a key without admin rights is proved by one page of users instead.
func (c *Reader) Check(ctx context.Context) error {
	_, err := c.api.Get(ctx, "/api/v2/company", nil)
	if httpx.StatusOf(err) == http.StatusForbidden {
		c.log("dialpad: the key is not a company-admin key (403 on /api/v2/company): the numbers' owners will be read from each kind of entity")
		_, err = c.api.Get(ctx, "/api/v2/users", url.Values{"state": {"active"}})
	}
	return dialpadHint(err)
}

// dialpadHint says what a 401 means: Dialpad keys expire (docs/providers/dialpad.md: Servers and authentication, Errors).
func dialpadHint(err error) error {
	if httpx.StatusOf(err) == http.StatusUnauthorized {
		return fmt.Errorf("%w: the [dialpad] api_key is wrong or has expired (Dialpad keys have an expiry date): "+
			"a company admin makes a new one in Dialpad Admin Settings > My Company > Authentication > API Keys", err)
	}
	return err
}

// classifyDialpad fails at once on 401 and 403 (a static key cannot be
// refreshed) and reads the {"error":{"code","message"}} body when there is
// one (its shape is known for 400 only). 429 and 5xx retry with backoff:
// Dialpad's 429 headers are UNCONFIRMED, so Retry-After is honoured if sent.
func classifyDialpad(st int, h http.Header, body []byte, err error) httpx.Verdict {
	v := httpx.Classify(st, h, body, err)
	if err != nil {
		return v
	}
	if st == http.StatusUnauthorized || st == http.StatusForbidden {
		v.Action = httpx.Fail
	}
	if st >= 300 {
		var e struct {
			Error struct {
				Message string `json:"message"`
				Errors  []struct {
					Reason string `json:"reason"`
				} `json:"errors"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil {
			v.Message = e.Error.Message
			if len(e.Error.Errors) > 0 {
				v.Code = e.Error.Errors[0].Reason
			}
		}
	}
	return v
}

type dpUser struct {
	ID           read.ID  `json:"id"`
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	DisplayName  string   `json:"display_name"`
	Emails       []string `json:"emails"`
	PhoneNumbers []string `json:"phone_numbers"`
	Extension    read.ID  `json:"extension"`
	State        string   `json:"state"`
}

// dpOwner is an office, department, call center, room or call router.
type dpOwner struct {
	ID           read.ID  `json:"id"`
	Name         string   `json:"name"`
	PhoneNumbers []string `json:"phone_numbers"`
}

type dpNumber struct {
	Number     string  `json:"number"`
	TargetType string  `json:"target_type"`
	TargetID   read.ID `json:"target_id"`
	Deleted    bool    `json:"deleted"`
}

// People reads every active user, then the entities that own the company's
// other numbers, as non-eligible entries whose numbers count for sharing.
func (c *Reader) People(ctx context.Context, progress func(n int)) ([]match.Person, error) {
	// state is sent explicitly: its default is UNCONFIRMED (docs/providers/dialpad.md: Users)
	users, err := dpList(ctx, c, "/api/v2/users", url.Values{"state": {"active"}},
		func(u dpUser) string { return string(u.ID) }, progress)
	if err != nil {
		return nil, dialpadHint(err)
	}
	out := make([]match.Person, 0, len(users))
	for _, u := range users {
		p := match.Person{Provider: Name, ID: string(u.ID), Eligible: true, Owner: match.OwnerPerson, State: "active",
			Name: u.DisplayName, Extension: string(u.Extension)}
		if p.Name == "" {
			p.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
		}
		// the state filter is trusted only as far as each record says so
		if u.State != "" && u.State != "active" {
			p.Eligible, p.State = false, u.State
		}
		if len(u.Emails) > 0 {
			p.Email, p.Emails = u.Emails[0], u.Emails[1:]
		}
		for _, n := range u.PhoneNumbers {
			p.Numbers = append(p.Numbers, match.Number{Raw: n, Direct: true})
		}
		out = append(out, p)
	}
	owners, err := c.owners(ctx)
	if err != nil {
		return nil, dialpadHint(err)
	}
	for _, o := range owners {
		// ids of different kinds are not documented to be distinct: an office and
		// a department with one id must stay two owners (and never a user)
		o.ID = o.State + ":" + o.ID
		out = append(out, o)
	}
	return out, nil
}

// ownerKinds are the entities other than users that own numbers
// (docs/providers/dialpad.md), by their list and their target_type.
var ownerKinds = []struct {
	path, target string
	owner        match.Owner
}{
	{"/api/v2/offices", "office", match.OwnerOffice},
	{"/api/v2/departments", "department", match.OwnerDepartment},
	{"/api/v2/callcenters", "callcenter", match.OwnerCallCenter},
	{"/api/v2/rooms", "room", match.OwnerRoom},
	{"/api/v2/callrouters", "callrouter", match.OwnerCallRouter},
}

// owners lists the non-user owners of numbers: from /api/v2/numbers, which
// names each number's one owner but needs a company-admin key, else from the
// union of each kind's list.
func (c *Reader) owners(ctx context.Context) ([]match.Person, error) {
	nums, err := dpList(ctx, c, "/api/v2/numbers", nil, func(n dpNumber) string { return n.Number }, nil)
	if httpx.StatusOf(err) == http.StatusForbidden {
		c.log("dialpad: /api/v2/numbers needs a company-admin key (403): reading the offices, departments, call centers, rooms and call routers for the numbers they own")
		return c.ownersByKind(ctx)
	}
	if err != nil {
		return nil, err
	}
	byOwner := map[string]*match.Person{}
	var out []*match.Person
	for _, n := range nums {
		if n.Deleted || n.TargetType == "" || n.TargetType == "user" || n.TargetID == "" {
			continue // users' numbers come with the users; an unassigned number has no owner
		}
		key := n.TargetType + "/" + string(n.TargetID)
		p := byOwner[key]
		if p == nil {
			p = &match.Person{Provider: Name, ID: string(n.TargetID), Owner: ownerOf(n.TargetType), State: n.TargetType}
			byOwner[key] = p
			out = append(out, p)
		}
		p.Numbers = append(p.Numbers, match.Number{Raw: n.Number, Direct: true})
	}
	c.log("dialpad: /api/v2/numbers names the owners of %d numbers: %d of them are not users", len(nums), len(out))
	people := make([]match.Person, len(out))
	for i, p := range out {
		people[i] = *p
	}
	return people, nil
}

// ownerOf is the owner a target_type names; other kinds (channel, coaching
// groups...) are match.OwnerOther.
func ownerOf(target string) match.Owner {
	for _, k := range ownerKinds {
		if k.target == target {
			return k.owner
		}
	}
	return match.OwnerOther
}

func (c *Reader) ownersByKind(ctx context.Context) ([]match.Person, error) {
	var out []match.Person
	for _, k := range ownerKinds {
		items, err := dpList(ctx, c, k.path, nil, func(o dpOwner) string { return string(o.ID) }, nil)
		if httpx.StatusOf(err) == http.StatusForbidden {
			// without them a Salesforce Phone equal to such a line links nobody, unreported
			c.log("dialpad: %s is not readable with this key (403): the lines of those entities are not known", k.path)
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, o := range items {
			p := match.Person{Provider: Name, ID: string(o.ID), Owner: k.owner, State: k.target, Name: o.Name}
			for _, n := range o.PhoneNumbers {
				p.Numbers = append(p.Numbers, match.Number{Raw: n, Direct: true})
			}
			if len(p.Numbers) > 0 {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// dpList reads a cursor-paged list to its end: a cursor absent, null or
// empty ends it, a page may lack items (the last one after a cursor, SDK fix
// d1bdffa), and records are kept once by key. A list that stops advancing is
// an error rather than a loop: a cursor seen before, a page of only records
// already read (whatever its cursor), or emptyPagesInARow pages without items
// that still carry a cursor.
func dpList[T any](ctx context.Context, c *Reader, path string, q url.Values, key func(T) string, progress func(int)) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	cursors := map[string]bool{}
	empty := 0
	for n := 1; ; n++ {
		resp, err := c.api.Get(ctx, path, q)
		if err != nil {
			return nil, err
		}
		var page struct {
			Items  []T     `json:"items"`
			Cursor *string `json:"cursor"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("dialpad: GET %s page %d: malformed answer: %w", path, n, err)
		}
		before := len(out)
		for _, it := range page.Items {
			if k := key(it); !seen[k] {
				seen[k] = true
				out = append(out, it)
			}
		}
		if progress != nil {
			progress(len(out))
		}
		if page.Cursor != nil && cursors[*page.Cursor] {
			return nil, fmt.Errorf("dialpad: %w: GET %s page %d repeats an earlier cursor; the list cannot be read to its end", read.ErrIncomplete, path, n)
		}
		if err := read.Progress("dialpad", path, n, len(page.Items), len(out)-before, -1, 0); err != nil {
			return nil, err
		}
		if page.Cursor == nil || *page.Cursor == "" {
			return out, nil
		}
		if empty++; len(page.Items) > 0 {
			empty = 0
		}
		if empty >= emptyPagesInARow {
			return nil, fmt.Errorf("dialpad: %w: GET %s page %d: %d pages in a row without items, each with a new cursor: the list is not advancing, so the read stopped",
				read.ErrIncomplete, path, n, empty)
		}
		cursors[*page.Cursor] = true
		q = read.With(q, "cursor", *page.Cursor)
	}
}

// emptyPagesInARow ends a list whose pages come without items yet keep
// giving cursors: undocumented (only a last page lacks items), so a few are
// followed, not an endless run of them.
const emptyPagesInARow = 3
