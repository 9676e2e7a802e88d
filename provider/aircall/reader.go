package aircall

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"voiceid/internal/httpx"
	"voiceid/internal/pack"
	"voiceid/match"
	"voiceid/provider/read"
)

// Config is the [aircall] section.
type Config struct {
	BaseURL  string // https://api.aircall.io
	APIID    string
	APIToken string
	HTTP     *http.Client
	Sleep    func(context.Context, time.Duration) error
	// RequestsPerMinute is voiceid's own budget (default 60): half of the
	// company's documented 120/min, which every integration shares.
	RequestsPerMinute int
	// MinBackoff is the first retry delay (default 1 s).
	MinBackoff time.Duration
	// Now is the clock of the budget and of the rate-limit reset times (tests).
	Now func() time.Time
	// Log, when set, hears how the reader settled what the API leaves open
	// (whether the numbers list carries assignments).
	Log func(format string, args ...any)
}

// Reader reads the users of one Aircall company and the numbers assigned to them.
type Reader struct {
	api  *httpx.Client
	cap  int // records one list query reaches (ListCap)
	log  func(format string, args ...any)
	mark int64 // created_at (UNIX seconds) of the newest user People read
}

// PageSize is the largest page Aircall's list endpoints allow.
const PageSize = 50

// DefaultRequestsPerMinute is half of Aircall's 120 requests per
// minute per company, leaving the rest to the company's other integrations.
const DefaultRequestsPerMinute = 60

// New makes a reader; it does not contact the server.
func New(cfg Config) *Reader {
	rpm := cfg.RequestsPerMinute
	if rpm <= 0 {
		rpm = DefaultRequestsPerMinute
	}
	now, logf := read.Clock(cfg.Now), read.Logf(cfg.Log)
	// burst 1: the budget holds in every minute, from the very first request
	limiter := rate.NewLimiter(rate.Limit(float64(rpm)/60), 1)
	auth := read.Header(read.Basic(cfg.APIID, cfg.APIToken))
	return &Reader{cap: ListCap, log: logf, api: &httpx.Client{Provider: "aircall", Base: cfg.BaseURL, HTTP: cfg.HTTP, Auth: auth,
		Classify: classifyAircall(rpm, limiter, now), Sleep: cfg.Sleep, Now: now, MinBackoff: cfg.MinBackoff, Limiter: limiter}}
}

// Calls counts the HTTP requests made.
func (c *Reader) Calls() int64 { return c.api.Calls() }

// Check proves the credentials with GET /v1/ping.
func (c *Reader) Check(ctx context.Context) error {
	_, err := c.api.Get(ctx, "/v1/ping", nil)
	return err
}

// classifyAircall treats 401 and 403 alike (bad key: fatal) and reads the
// {"error","troubleshoot"} body. A 429 waits for X-AircallApi-Reset (else
// Retry-After, else backoff). The X-AircallApi-* headers, documented only for
// when the limit is reached, can only slow the reader down: a company limit
// below the budget lowers the budget, and a window in which the company has
// already spent as much as voiceid's budget is waited out.
func classifyAircall(rpm int, limiter *rate.Limiter, now func() time.Time) httpx.Classifier {
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
		t := now()
		limit, limitErr := strconv.Atoi(h.Get("X-AircallApi-Limit"))
		if limitErr == nil && limit > 0 && rate.Limit(float64(limit)/60) < limiter.Limit() {
			limiter.SetLimitAt(t, rate.Limit(float64(limit)/60))
		}
		reset := aircallReset(h, t)
		switch {
		case status == http.StatusTooManyRequests && v.After == 0 && reset > 0:
			v.After = reset + time.Second
		case v.Action == httpx.Done && reset > 0 && limitErr == nil:
			remaining, err := strconv.Atoi(h.Get("X-AircallApi-Remaining"))
			if err == nil && remaining <= limit-rpm {
				v.After = reset + time.Second
			}
		}
		return v
	}
}

// aircallReset is the time until X-AircallApi-Reset, read as UNIX seconds
// (or milliseconds when the value is that large); 0 when absent or past.
func aircallReset(h http.Header, now time.Time) time.Duration {
	n, err := strconv.ParseInt(h.Get("X-AircallApi-Reset"), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	t := time.Unix(n, 0)
	if n > 1e12 {
		t = time.UnixMilli(n)
	}
	if d := t.Sub(now); d > 0 {
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
	ID        read.ID      `json:"id"`
	Digits    string       `json:"digits"`
	CreatedAt string       `json:"created_at"`
	Users     *[]acUserRef `json:"users"`
}

// acUserRef is an abridged user nested in a number.
type acUserRef struct {
	ID read.ID `json:"id"`
}

type acUser struct {
	ID        read.ID     `json:"id"`
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	CreatedAt string      `json:"created_at"`
	Numbers   *[]acNumber `json:"numbers"` // v1 only
}

// ListCap is the most records one Aircall list query reaches.
const ListCap = 10000

// People reads every user and the numbers assigned to each. Users come from
// /v2/users (falling back to /v1/users where v2 is missing); their numbers
// from the v1 user list when it embeds them, else from the numbers.
func (c *Reader) People(ctx context.Context, progress func(n int)) ([]match.Person, error) {
	users, err := listAll[acUser](ctx, c, "/v2/users", "users", progress)
	v1 := false
	if s := httpx.StatusOf(err); s == http.StatusNotFound || s == http.StatusGone {
		users, err = listAll[acUser](ctx, c, "/v1/users", "users", progress)
		v1 = true
	}
	if err != nil {
		return nil, err
	}
	// The v1 list's embedded numbers are used only when every user carries
	// them: one user without the key could hide that a line is shared.
	embedded := v1
	for _, u := range users {
		embedded = embedded && u.Numbers != nil
	}
	byUser := map[string][]string{} // user id -> digits
	if embedded {
		for _, u := range users {
			for _, n := range *u.Numbers {
				byUser[string(u.ID)] = append(byUser[string(u.ID)], n.Digits)
			}
		}
	} else if byUser, err = c.numbersByUser(ctx); err != nil {
		return nil, err
	}
	c.mark = newest(users)
	out := make([]match.Person, 0, len(users))
	listed := make(map[string]bool, len(users))
	for _, u := range users {
		p := person(u, byUser[string(u.ID)])
		listed[p.ID] = true
		out = append(out, p)
	}
	return append(out, unlisted(byUser, listed)...), nil
}

// person is a listed user with the digits of its numbers. Aircall lists
// only live users, and has no words for their state.
func person(u acUser, digits []string) match.Person {
	p := match.Person{Provider: Name, ID: string(u.ID), Eligible: true, Owner: match.OwnerPerson, Name: u.Name, Email: u.Email}
	pack.Strings(&p.ID, &p.Name, &p.Email)
	for _, d := range digits {
		p.Numbers = append(p.Numbers, match.Number{Raw: d, Direct: true})
	}
	return p
}

// newest is the created_at second of the newest user (0 with none).
func newest(users []acUser) int64 {
	var out int64
	for _, u := range users {
		if s, ok := createdSecond(u); ok && s > out {
			out = s
		}
	}
	return out
}

// Mark is where the last complete read ended: the created_at second of the
// newest user it read. PeopleSince reads on from it.
func (c *Reader) Mark() string { return strconv.FormatInt(c.mark, 10) }

// PeopleSince reads the users created after mark's second (the users list
// with from, ordered by creation) and each one's numbers with one read of its
// own: 1 + 1 a user calls, where a complete read lists every user and number.
// from is asked from mark's second, whether Aircall's bound includes its own
// second or not (UNCONFIRMED), and the users of that second are left out: the
// complete read saw them (one created in that very second after it read
// waits for the next complete run).
func (c *Reader) PeopleSince(ctx context.Context, mark string) ([]match.Person, error) {
	since, err := strconv.ParseInt(mark, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("aircall: the mark of the last complete run %q is not a time: run a complete sync", mark)
	}
	q := url.Values{"order": {"asc"}, "from": {mark}}
	users, err := listFrom[acUser](ctx, c, "/v2/users", "users", q, nil)
	if s := httpx.StatusOf(err); s == http.StatusNotFound || s == http.StatusGone {
		users, err = listFrom[acUser](ctx, c, "/v1/users", "users", url.Values{"order": {"asc"}, "from": {mark}}, nil)
	}
	if err != nil {
		return nil, err
	}
	c.mark = max(since, newest(users))
	out := make([]match.Person, 0, len(users))
	for _, u := range users {
		if s, ok := createdSecond(u); ok && s <= since {
			continue
		}
		digits, err := c.numbersOf(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, person(u, digits))
	}
	return out, nil
}

// numbersOf are the digits of a user's numbers: embedded in a v1 record,
// else from GET /v2/users/:id/numbers.
func (c *Reader) numbersOf(ctx context.Context, u acUser) ([]string, error) {
	var digits []string
	if u.Numbers != nil {
		for _, n := range *u.Numbers {
			digits = append(digits, n.Digits)
		}
		return digits, nil
	}
	_, _, _, err := readQuery(ctx, c, "/v2/users/"+url.PathEscape(string(u.ID))+"/numbers", "numbers", url.Values{},
		func(ns []acNumber) {
			for _, n := range ns {
				digits = append(digits, n.Digits)
			}
		})
	return digits, err
}

// unlisted are the holders of numbers that the user list did not name (made
// while voiceid read, or missed by its paging): they link nobody, but their
// numbers still count, so a line they share never looks like one person's.
func unlisted(byUser map[string][]string, listed map[string]bool) []match.Person {
	var out []match.Person
	for _, id := range slices.Sorted(maps.Keys(byUser)) {
		if listed[id] {
			continue
		}
		p := match.Person{Provider: Name, ID: id, Owner: match.OwnerPerson, State: "not in the user list"}
		for _, d := range byUser[id] {
			p.Numbers = append(p.Numbers, match.Number{Raw: d, Direct: true})
		}
		out = append(out, p)
	}
	return out
}

// numbersByUser maps each user to the digits of the numbers assigned to it.
// The documents put users[] on the number endpoints but do not say whether
// the list embeds it, so the list is trusted only where evidence says it
// carries assignments; any other number is read once on its own.
func (c *Reader) numbersByUser(ctx context.Context) (map[string][]string, error) {
	nums, err := listAll[acNumber](ctx, c, "/v1/numbers", "numbers", nil)
	if err != nil {
		return nil, err
	}
	// single[i]: the list cannot say who holds nums[i]
	single := make([]bool, len(nums))
	var empty []int
	carries := false
	for i, n := range nums {
		switch {
		case n.Users == nil:
			single[i] = true
		case len(*n.Users) == 0:
			empty = append(empty, i)
		default:
			carries = true
		}
	}
	switch {
	case len(empty) == 0:
	case !carries:
		c.log("aircall: the numbers list shows nobody on any number: reading each of them")
		for _, i := range empty {
			single[i] = true
		}
	default:
		// one read of a number the list shows unassigned settles whether the list can be trusted
		i := empty[0]
		if err := c.readNumber(ctx, &nums[i]); err != nil {
			return nil, err
		}
		if len(*nums[i].Users) > 0 {
			c.log("aircall: number %s has users that the numbers list does not show: reading each number the list shows unassigned", nums[i].ID)
			for _, i := range empty[1:] {
				single[i] = true
			}
		} else {
			c.log("aircall: the numbers list carries assignments (number %s is unassigned in the list and on its own)", nums[i].ID)
		}
	}
	alone := 0
	for i := range nums {
		if single[i] {
			alone++
		}
	}
	if alone > 0 {
		c.log("aircall: reading %d of %d numbers one by one for their users", alone, len(nums))
	}
	out := map[string][]string{}
	hidden := 0 // numbers read alone that have users
	for i := range nums {
		if single[i] {
			if err := c.readNumber(ctx, &nums[i]); err != nil {
				return nil, err
			}
			if len(*nums[i].Users) > 0 {
				hidden++
			}
		}
		if nums[i].Users == nil {
			continue
		}
		for _, u := range *nums[i].Users {
			out[string(u.ID)] = append(out[string(u.ID)], nums[i].Digits)
		}
	}
	if alone > 0 {
		c.log("aircall: %d of the %d numbers read one by one have users", hidden, alone)
	}
	return out, nil
}

// readNumber replaces n's users with those GET /v1/numbers/:id names (none: an empty list).
func (c *Reader) readNumber(ctx context.Context, n *acNumber) error {
	resp, err := c.api.Get(ctx, "/v1/numbers/"+url.PathEscape(string(n.ID)), nil)
	if err != nil {
		return err
	}
	var one struct {
		Number *acNumber `json:"number"`
	}
	if err := json.Unmarshal(resp.Body, &one); err != nil || one.Number == nil {
		return fmt.Errorf("aircall: GET /v1/numbers/%s: malformed answer", n.ID)
	}
	n.Users = one.Number.Users
	if n.Users == nil {
		n.Users = &[]acUserRef{}
	}
	return nil
}

// listed is a list record: an id, and when it was created.
type listed interface {
	key() string
	created() string
}

func (u acUser) key() string       { return string(u.ID) }
func (u acUser) created() string   { return u.CreatedAt }
func (n acNumber) key() string     { return string(n.ID) }
func (n acNumber) created() string { return n.CreatedAt }

// createdSecond is a record's created_at as UNIX seconds.
func createdSecond[T listed](it T) (int64, bool) {
	t, err := time.Parse(time.RFC3339, it.created())
	return t.Unix(), err == nil
}

// listAll reads every record of a list. One query reaches 10,000 records (the
// cap): the page past it gets a 400 although the last page within it still
// offers a next_page_link, and meta.total may itself stop at the cap. So a
// query whose pages reach the cap always goes on in created_at order: each
// further query starts at the second of the last record read. It reaches one
// second before that and records are kept once by id, so the records of an
// edge second are neither lost nor repeated, whether Aircall's from includes
// its own second or not and however it orders records created in the same
// second (both UNCONFIRMED). The re-read edge costs at most one page per
// 10,000 records.
func listAll[T listed](ctx context.Context, c *Reader, path, key string, progress func(int)) ([]T, error) {
	return listFrom[T](ctx, c, path, key, url.Values{"order": {"asc"}}, progress)
}

// listFrom is listAll of the records q selects (order asc, and a from bound).
func listFrom[T listed](ctx context.Context, c *Reader, path, key string, q url.Values, progress func(int)) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	keep := func(items []T) {
		for _, it := range items {
			if !seen[it.key()] {
				seen[it.key()] = true
				out = append(out, it)
			}
		}
		if progress != nil {
			progress(len(out))
		}
	}
	last, meta, full, err := readQuery(ctx, c, path, key, q, keep)
	if err != nil {
		return nil, err
	}
	if full {
		if err := onwards(ctx, c, path, key, last[len(last)-1], keep); err != nil {
			return nil, err
		}
	}
	if len(out) < meta.Total {
		return nil, fmt.Errorf("aircall: %w: GET %s returned %d of %d records", read.ErrIncomplete, path, len(out), meta.Total)
	}
	return out, nil
}

// readQuery reads one list query to its end or to the cap, whichever comes
// first, handing each page to keep as it comes; it never asks for a page
// reaching past the cap, whatever next_page_link says. It returns the last
// page that held records (empty when none did), the first page's meta, and
// whether the query's pages reached the cap (so more records may follow).
// next_page_link only says that a next page exists: the request for page n
// is the query's own, since a link that lost from or order reads another list.
func readQuery[T listed](ctx context.Context, c *Reader, path, key string, q url.Values, keep func([]T)) ([]T, acMeta, bool, error) {
	q.Set("per_page", strconv.Itoa(PageSize))
	q.Set("page", "1")
	items, meta, err := decodePage[T](ctx, c.api, path, key, q, 1)
	if err != nil {
		return nil, meta, false, err
	}
	ids := map[string]bool{} // this query's records: pages of one query never share any
	fresh := func(items []T) int {
		n := 0
		for _, it := range items {
			if !ids[it.key()] {
				ids[it.key()] = true
				n++
			}
		}
		return n
	}
	fresh(items)
	keep(items)
	last, next, got := items, meta, len(items)
	told := false // of a link that is not the query's own, once a query
	for n := 2; next.NextPageLink != nil && *next.NextPageLink != "" && n*PageSize <= c.cap; n++ {
		page := read.With(q, "page", strconv.Itoa(n))
		if !told && !ownPage(path, *next.NextPageLink, page) {
			c.log("aircall: the next_page_link of GET %s page %d is not this query's page %d (%q): asking for page %d with the query's own parameters (%s)",
				path, n-1, n, *next.NextPageLink, n, page.Encode())
			told = true
		}
		if items, next, err = decodePage[T](ctx, c.api, path, key, page, n); err != nil {
			return nil, meta, false, err
		}
		if len(items) == 0 {
			break
		}
		if err := read.Progress("aircall", path, n, len(items), fresh(items), next.Total, PageSize); err != nil {
			return nil, meta, false, err
		}
		keep(items)
		last, got = items, got+len(items)
	}
	full := got >= c.cap
	if !full && got < meta.Total {
		return nil, meta, false, fmt.Errorf("aircall: %w: GET %s returned %d of %d records", read.ErrIncomplete, path, got, meta.Total)
	}
	return last, meta, full, nil
}

// ownPage reports whether link asks for path with exactly the query want.
func ownPage(path, link string, want url.Values) bool {
	u, err := url.Parse(link)
	return err == nil && u.Path == path && maps.EqualFunc(u.Query(), want, slices.Equal)
}

// onwards reads the records created from last's second on, in created_at
// order, one query per 10,000. No upper bound: a clock behind Aircall's must
// not cut off the newest records.
func onwards[T listed](ctx context.Context, c *Reader, path, key string, last T, keep func([]T)) error {
	from, ok := createdSecond(last)
	for {
		if !ok {
			return fmt.Errorf("aircall: GET %s: a record without a readable created_at; cannot read past %d records", path, c.cap)
		}
		q := url.Values{"order": {"asc"}, "from": {strconv.FormatInt(from-1, 10)}}
		page, _, full, err := readQuery(ctx, c, path, key, q, keep)
		if err != nil || !full {
			return err
		}
		next, okNext := createdSecond(page[len(page)-1])
		if okNext && next <= from {
			return fmt.Errorf("aircall: GET %s: more than %d records were created within three seconds; more than one list query can reach", path, c.cap)
		}
		from, ok = next, okNext
	}
}

// decodePage reads page n of a list. A page without meta (UNCONFIRMED:
// every documented answer has it) is taken as the last page only when it is
// short: a full one may have more after it, which nothing would then say.
func decodePage[T any](ctx context.Context, api *httpx.Client, path, key string, q url.Values, n int) ([]T, acMeta, error) {
	meta := acMeta{Total: -1}
	resp, err := api.Get(ctx, path, q)
	if err != nil {
		return nil, meta, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		return nil, meta, fmt.Errorf("aircall: GET %s page %d: malformed JSON: %w", path, n, err)
	}
	var items []T
	if raw[key] == nil || json.Unmarshal(raw[key], &items) != nil {
		return nil, meta, fmt.Errorf("aircall: GET %s page %d: answer has no %q list", path, n, key)
	}
	if m := raw["meta"]; m == nil || string(m) == "null" {
		if len(items) < PageSize {
			return items, meta, nil
		}
		return nil, meta, fmt.Errorf("aircall: %w: GET %s page %d: a full page of %d records without meta: whether more follow cannot be told; "+
			"if a proxy stands between voiceid and aircall, make it pass the answers through whole", read.ErrIncomplete, path, n, len(items))
	}
	if json.Unmarshal(raw["meta"], &meta) != nil {
		return nil, meta, fmt.Errorf("aircall: GET %s page %d: malformed meta", path, n)
	}
	return items, meta, nil
}
