package dialpadsim

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"voiceid/sandbox"
)

// Sim simulates the parts of Dialpad's API v2 voiceid uses (dialpad.md §8).
type Sim struct {
	sandbox.Base
	key    string
	users  []User
	owners []Owner

	// NotAdmin: the key is not a company admin's; /numbers and /company answer 403 (SPEC).
	NotAdmin bool
	// Expired: the key has passed its expiry date; every request answers 401
	// (presumably, DOCS: what an expired key gets is UNCONFIRMED).
	Expired bool
	// DefaultState is the state filter of a users query that sends none
	// (UNCONFIRMED: 3P says active, the default here).
	DefaultState string
	// PageSize is a page's length when limit is left out (UNCONFIRMED; default 25, the old SDK's).
	PageSize int
	// NumericIDs sends ids as JSON numbers, as webhooks do; REST sends
	// strings (SPEC examples, 3P), the default.
	NumericIDs bool
	// ItemsOnLastPage ends a list on the page holding its last records. By
	// default a page that carried a cursor is followed by a final page
	// without an items key (SDK fix d1bdffa).
	ItemsOnLastPage bool
	// NullCursor ends a list with "cursor": null instead of leaving it out
	// (SPEC: both nullable).
	NullCursor bool
	// LimitFailEvery answers every Nth request with limit > 100 with a 400
	// (SPEC: "on purpose ~20% of the time"; default 5, deterministic); the
	// others are clamped to 100. Negative: never.
	LimitFailEvery int
	// RateLimit is the company's requests per second (default 20, DOCS); 0 turns limiting off.
	RateLimit int
	// RetryAfter sends Retry-After with a 429 (UNCONFIRMED, default off).
	RetryAfter bool
	// Now is the clock of the rate limit and of RequestTimes.
	Now func() time.Time
	// RepeatPages answers every cursor with the list's first page again and
	// a cursor never given before: a fault (a proxy or a server bug), not
	// Dialpad's documented paging.
	RepeatPages bool
	// PadIDs writes ids as strings padded with spaces: a proxy's fault;
	// Dialpad is not documented to pad.
	PadIDs bool

	bucket    *sandbox.Bucket
	times     []time.Time
	overLimit int
	repeated  int
}

// New starts a simulator holding users and other number owners, answering to key.
func New(users []User, owners []Owner, key string) *Sim {
	s := &Sim{key: key, users: slices.Clone(users), owners: slices.Clone(owners),
		DefaultState: "active", PageSize: 25, LimitFailEvery: 5, RateLimit: 20, Now: time.Now}
	s.ErrorBody = func(status int, _ string) any { return dpErrorBody(status, http.StatusText(status)) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/users", s.authed(false, s.listUsers))
	mux.HandleFunc("GET /api/v2/users/{id}", s.authed(false, s.getUser))
	mux.HandleFunc("GET /api/v2/numbers", s.authed(true, s.listNumbers))
	mux.HandleFunc("GET /api/v2/company", s.authed(true, func(w http.ResponseWriter, r *http.Request) {
		sandbox.WriteJSON(w, 200, map[string]any{"id": s.id(5100000000000001), "name": "Example Corp", "domain": sandbox.Domain,
			"country": "us", "account_type": "standard", "state": "active"})
	}))
	for _, k := range []string{"offices", "departments", "callcenters", "rooms", "callrouters"} {
		kind := strings.TrimSuffix(k, "s")
		mux.HandleFunc("GET /api/v2/"+k, s.authed(false, func(w http.ResponseWriter, r *http.Request) { s.listOwners(w, r, kind) }))
	}
	s.Start(mux)
	return s
}

// RequestTimes is when each request came, on the simulator's clock.
func (s *Sim) RequestTimes() []time.Time {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return slices.Clone(s.times)
}

// dpErrorBody is the Google-Endpoints-style envelope of a 400 (DOCS forum);
// other statuses are assumed to use it too (UNCONFIRMED).
func dpErrorBody(status int, msg string) any {
	reason, ok := map[int]string{400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "notFound",
		429: "rateLimitExceeded"}[status]
	if !ok {
		reason = "backendError"
	}
	return map[string]any{"error": map[string]any{"code": status, "message": msg,
		"errors": []any{map[string]any{"domain": "global", "reason": reason, "message": msg}}}}
}

func dpError(w http.ResponseWriter, status int, msg string) {
	sandbox.WriteJSON(w, status, dpErrorBody(status, msg))
}

// authed accepts the key as a Bearer token or ?apikey= (SPEC), then paces the company.
func (s *Sim) authed(admin bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.Mu.Lock()
		s.times = append(s.times, s.Now())
		s.Mu.Unlock()
		got := r.URL.Query().Get("apikey")
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = b
		}
		if got != s.key || s.Expired {
			dpError(w, http.StatusUnauthorized, "Invalid or expired API key")
			return
		}
		if admin && s.NotAdmin {
			dpError(w, http.StatusForbidden, "This operation requires a company admin API key")
			return
		}
		if !s.limit(w) {
			return
		}
		h(w, r)
	}
}

func (s *Sim) limit(w http.ResponseWriter) bool {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.RateLimit <= 0 {
		return true
	}
	if s.bucket == nil || s.bucket.Limit != s.RateLimit {
		s.bucket = &sandbox.Bucket{Limit: s.RateLimit, Window: time.Second}
	}
	if _, over := s.bucket.Take(s.Now()); over {
		if s.RetryAfter {
			w.Header().Set("Retry-After", "1")
		}
		dpError(w, http.StatusTooManyRequests, "Rate limit exceeded")
		return false
	}
	return true
}

// id writes an int64 id as Dialpad's REST does (a string) or as a number.
func (s *Sim) id(v int64) any {
	if s.PadIDs {
		return " " + strconv.FormatInt(v, 10) + " "
	}
	if s.NumericIDs {
		return v
	}
	return strconv.FormatInt(v, 10)
}

func (s *Sim) userJSON(u User) map[string]any {
	m := map[string]any{"id": s.id(u.ID), "company_id": s.id(5100000000000001), "first_name": u.FirstName,
		"last_name": u.LastName, "display_name": strings.TrimSpace(u.FirstName + " " + u.LastName),
		"state": u.State, "is_admin": false, "is_super_admin": false, "license": "talk",
		"timezone": "US/Pacific", "country": "us", "language": "en"}
	// date_added is left out: REST writes it without a zone (dialpad.md §3), which the file's date-time format refuses
	// empty fields are left out, as Dialpad does (DOCS forum)
	if u.OfficeID != 0 {
		m["office_id"] = s.id(u.OfficeID)
	}
	if len(u.Emails) > 0 {
		m["emails"] = u.Emails
	}
	if len(u.Numbers) > 0 {
		m["phone_numbers"] = u.Numbers
	}
	if u.Extension != "" {
		m["extension"] = u.Extension
	}
	return m
}

func (s *Sim) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = s.DefaultState
	}
	if !slices.Contains([]string{"active", "all", "cancelled", "deleted", "pending", "suspended"}, state) {
		dpError(w, http.StatusBadRequest, "Invalid value for state: "+state)
		return
	}
	var users []User
	for _, u := range s.users {
		if (state != "all" && u.State != state) || (q.Get("email") != "" && !slices.ContainsFunc(u.Emails, func(e string) bool { return strings.EqualFold(e, q.Get("email")) })) ||
			(q.Get("number") != "" && !slices.Contains(u.Numbers, q.Get("number"))) {
			continue
		}
		users = append(users, u)
	}
	// only the page's users become JSON: a 20,000-user company read in pages
	// of 25 must not cost the simulator 800 times the whole list
	s.pageOf(w, r, len(users), func(i int) any { return s.userJSON(users[i]) })
}

func (s *Sim) getUser(w http.ResponseWriter, r *http.Request) {
	for _, u := range s.users {
		if strconv.FormatInt(u.ID, 10) == r.PathValue("id") {
			sandbox.WriteJSON(w, 200, s.userJSON(u))
			return
		}
	}
	dpError(w, http.StatusNotFound, "User not found")
}

// numberStatus is a number's status for its owner's target_type (SPEC enums).
var numberStatus = map[string]string{"user": "user", "office": "office", "department": "department",
	"callcenter": "call_center", "room": "room", "callrouter": "call_router"}

func (s *Sim) listNumbers(w http.ResponseWriter, r *http.Request) {
	type line struct {
		n, kind    string
		id, office int64
	}
	var lines []line
	add := func(n, kind string, id, office int64) { lines = append(lines, line{n, kind, id, office}) }
	for _, u := range s.users {
		for _, n := range u.Numbers {
			add(n, "user", u.ID, u.OfficeID)
		}
	}
	for _, o := range s.owners {
		for _, n := range o.Numbers {
			add(n, o.Kind, o.ID, o.OfficeID)
		}
	}
	s.pageOf(w, r, len(lines), func(i int) any {
		l := lines[i]
		m := map[string]any{"number": l.n, "status": numberStatus[l.kind], "target_type": l.kind, "target_id": s.id(l.id),
			"company_id": s.id(5100000000000001), "type": "local", "area_code": l.n[2:5], "deleted": false}
		if l.office != 0 {
			m["office_id"] = s.id(l.office)
		}
		return m
	})
}

func (s *Sim) listOwners(w http.ResponseWriter, r *http.Request, kind string) {
	var items []any
	for _, o := range s.owners {
		if o.Kind != kind {
			continue
		}
		m := map[string]any{"id": s.id(o.ID), "name": o.Name}
		if len(o.Numbers) > 0 {
			m["phone_numbers"] = o.Numbers
		}
		if o.OfficeID != 0 {
			m["office_id"] = s.id(o.OfficeID)
		}
		if kind != "callrouter" {
			m["state"] = "active"
		}
		items = append(items, m)
	}
	s.page(w, r, items)
}

// page answers one page of items (pageOf, for a list built whole).
func (s *Sim) page(w http.ResponseWriter, r *http.Request, items []any) {
	s.pageOf(w, r, len(items), func(i int) any { return items[i] })
}

// pageOf answers one page of a list of n items, item(i) making the i-th:
// {"items":[…],"cursor":"…"} with an opaque cursor, clamping limit to 100
// (and refusing some limit > 100 with a 400).
func (s *Sim) pageOf(w http.ResponseWriter, r *http.Request, total int, item func(int) any) {
	q := r.URL.Query()
	size := s.PageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			dpError(w, http.StatusBadRequest, "Invalid value for limit: "+v)
			return
		}
		if n > 100 {
			s.Mu.Lock()
			s.overLimit++
			fail := s.LimitFailEvery > 0 && s.overLimit%s.LimitFailEvery == 0
			s.Mu.Unlock()
			if fail {
				dpError(w, http.StatusBadRequest, "limit must be at most 100")
				return
			}
			n = 100
		}
		size = n
	}
	q.Del("cursor")
	q.Del("limit")
	q.Del("apikey")
	// the cursor is opaque to clients: a digest of the query, then the offset
	tag := fmt.Sprintf("%x", sha256.Sum256([]byte(r.URL.Path+"?"+q.Encode())))[:32]
	from := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		t, off, ok := strings.Cut(c, "-_-")
		n, err := strconv.Atoi(off)
		if s.RepeatPages {
			n = 0 // the fault: every cursor leads back to the first page
		}
		if !ok || t != tag || err != nil || n < 0 || n > total {
			dpError(w, http.StatusBadRequest, "Invalid cursor")
			return
		}
		from = n
	}
	body := map[string]any{}
	if from < total || from == 0 {
		page := []any{}
		for i := from; i < min(from+size, total); i++ {
			page = append(page, item(i))
		}
		body["items"] = page
	}
	switch next := from + size; {
	case next < total:
		body["cursor"] = fmt.Sprintf("%s-_-%d", tag, next)
	case !s.ItemsOnLastPage && from < total: // one more page, without items
		body["cursor"] = fmt.Sprintf("%s-_-%d", tag, total)
	case s.NullCursor:
		body["cursor"] = nil
	}
	if s.RepeatPages && total > 0 {
		s.Mu.Lock()
		s.repeated++
		body["cursor"] = fmt.Sprintf("%s-_-%d", tag, total+s.repeated) // never given before
		s.Mu.Unlock()
	}
	sandbox.WriteJSON(w, 200, body)
}
