package aircallsim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"voiceid/sandbox"
)

// Sim simulates the parts of the Aircall public API voiceid uses.
type Sim struct {
	sandbox.Base
	apiID, apiToken string
	users           []User
	numbers         []Number

	// RateLimit is the company's requests per minute (default 120, REF via 3P);
	// 0 turns limiting off. Past it, a 429 until the 60 s window resets.
	RateLimit int
	// RateHeaders sends the X-AircallApi-* headers on every answer. Aircall
	// documents them for when the limit is reached, so by default only a 429
	// carries them; on every answer is the UNCONFIRMED alternative.
	RateHeaders bool
	// NumbersList says how GET /v1/numbers shows assignments. The documents put
	// users[] on the number endpoints only; whether the list embeds them is
	// UNCONFIRMED, so the default omits them and the options embed or empty them.
	NumbersList ListUsers
	// V1UsersRetired answers the v1 user endpoints with 410, as after the retirement.
	V1UsersRetired bool
	// V2Missing answers /v2/users with 404, as an account without v2 would.
	V2Missing bool
	// V1OmitsNoNumbers leaves the numbers key out of a v1 user who has none
	// (whether the v1 list always embeds numbers: UNCONFIRMED, aircall.md §2).
	V1OmitsNoNumbers bool
	// Cap is the most records one list query can reach (10,000, SUP): a page
	// reaching past it gets a 400, though the last page within it still
	// offers a next_page_link.
	Cap int
	// TotalCapped makes meta.total say at most Cap (UNCONFIRMED: the
	// documents define it as every record matching the query).
	TotalCapped bool
	// ExclusiveBounds makes from/to exclude their own second (whether
	// Aircall includes it is UNCONFIRMED; readers must work either way).
	ExclusiveBounds bool
	// Now is the clock of the rate-limit window and of RequestTimes (tests set it).
	Now func() time.Time
	// LinksDropFilters: next_page_link and previous_page_link lose from, to
	// and order (a proxy's fault; the documented links name the next page
	// of the same query).
	LinksDropFilters bool
	// NoMeta leaves meta out of list answers (UNCONFIRMED: every documented
	// list answer has it; a proxy that strips it is a fault).
	NoMeta bool
	// PadIDs writes ids as strings padded with spaces (" 51000 "): a
	// proxy's fault; Aircall documents integer ids.
	PadIDs bool

	bucket   *sandbox.Bucket
	times    []time.Time // when each request came, on Now
	userByID map[int64]User
	numByID  map[int64]Number
	userNums map[int64][]Number
}

// New starts a simulator holding users and numbers.
func New(users []User, numbers []Number, apiID, apiToken string) *Sim {
	s := &Sim{apiID: apiID, apiToken: apiToken, users: users, numbers: numbers,
		RateLimit: 120, Cap: 10000, Now: time.Now,
		userByID: map[int64]User{}, numByID: map[int64]Number{}, userNums: map[int64][]Number{}}
	s.users = slices.Clone(users)
	sortByCreation(s.users, userCreated, func(u User) int64 { return u.ID })
	s.numbers = slices.Clone(numbers)
	sortByCreation(s.numbers, Number.created, func(n Number) int64 { return n.ID })
	for _, u := range users {
		s.userByID[u.ID] = u
	}
	for _, n := range numbers {
		s.numByID[n.ID] = n
		for _, id := range n.UserIDs {
			s.userNums[id] = append(s.userNums[id], n)
		}
	}
	s.ErrorBody = func(status int, _ string) any {
		return map[string]any{"error": http.StatusText(status), "troubleshoot": "Simulated failure"}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ping", s.authed(func(w http.ResponseWriter, r *http.Request) {
		sandbox.WriteJSON(w, 200, map[string]any{"ping": "pong"})
	}))
	mux.HandleFunc("GET /v1/company", s.authed(func(w http.ResponseWriter, r *http.Request) {
		sandbox.WriteJSON(w, 200, map[string]any{"company": map[string]any{"name": "Example Corp", "users_count": len(s.users), "numbers_count": len(s.numbers)}})
	}))
	mux.HandleFunc("GET /v2/users", s.authed(s.listUsers(2)))
	mux.HandleFunc("GET /v1/users", s.authed(s.listUsers(1)))
	mux.HandleFunc("GET /v1/users/{id}", s.authed(s.getUser(1)))
	mux.HandleFunc("GET /v2/users/{id}", s.authed(s.getUser(2)))
	mux.HandleFunc("GET /v2/users/{id}/numbers", s.authed(s.userNumbers))
	mux.HandleFunc("GET /v1/numbers", s.authed(s.listNumbers))
	mux.HandleFunc("GET /v1/numbers/{id}", s.authed(s.getNumber))
	s.Start(mux)
	return s
}

// ListUsers is how the numbers list shows each number's users.
type ListUsers int

const (
	ListOmitsUsers  ListUsers = iota // no users key in the list (default)
	ListEmbedsUsers                  // users[] as on a single number
	ListEmptyUsers                   // "users": [] on every number, assigned or not
)

// RequestTimes is when each request came, on the simulator's clock.
func (s *Sim) RequestTimes() []time.Time {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return slices.Clone(s.times)
}

func acError(w http.ResponseWriter, status int, msg, hint string) {
	sandbox.WriteJSON(w, status, map[string]any{"error": msg, "troubleshoot": hint})
}

func (s *Sim) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.Mu.Lock()
		s.times = append(s.times, s.Now())
		s.Mu.Unlock()
		id, tok, ok := r.BasicAuth()
		if !ok {
			acError(w, http.StatusUnauthorized, "Unauthorized", "Use HTTP Basic authentication with your api_id and api_token")
			return
		}
		if id != s.apiID || tok != s.apiToken {
			acError(w, http.StatusForbidden, "Forbidden", "Invalid API key or Bearer access token")
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
		s.bucket = &sandbox.Bucket{Limit: s.RateLimit, Window: time.Minute}
	}
	now := s.Now()
	rem, over := s.bucket.Take(now)
	if s.RateHeaders || over {
		h := w.Header()
		h.Set("X-AircallApi-Limit", strconv.Itoa(s.RateLimit))
		h.Set("X-AircallApi-Remaining", strconv.Itoa(rem))
		h.Set("X-AircallApi-Reset", strconv.FormatInt(s.bucket.Reset().Unix(), 10))
	}
	if over {
		acError(w, http.StatusTooManyRequests, "Too Many Requests", "Rate limit reached; retry after X-AircallApi-Reset")
		return false
	}
	return true
}

func (s *Sim) paging(w http.ResponseWriter, r *http.Request) (page, per int, ok bool) {
	q := r.URL.Query()
	page, per = 1, 20
	for name, dst := range map[string]*int{"page": &page, "per_page": &per} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "per_page" && n > 50) {
				acError(w, http.StatusBadRequest, "Invalid parameter", fmt.Sprintf("%s must be a positive integer (per_page at most 50)", name))
				return 0, 0, false
			}
			*dst = n
		}
	}
	if page*per > s.Cap {
		acError(w, http.StatusBadRequest, "Pagination is limited to "+thousands(s.Cap)+" items",
			"Split the query with from and to (created_at, UNIX seconds)")
		return 0, 0, false
	}
	return page, per, true
}

// thousands writes n with comma separators, as Aircall's messages do (10,000).
func thousands(n int) string {
	d := strconv.Itoa(n)
	for i := len(d) - 3; i > 0; i -= 3 {
		d = d[:i] + "," + d[i:]
	}
	return d
}

func (s *Sim) meta(r *http.Request, page, per, total, count int) map[string]any {
	link := func(p int) any {
		q := r.URL.Query()
		if s.LinksDropFilters {
			q.Del("from")
			q.Del("to")
			q.Del("order")
		}
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return s.URL() + r.URL.Path + "?" + q.Encode()
	}
	shown := total
	if s.TotalCapped {
		shown = min(total, s.Cap)
	}
	m := map[string]any{"count": count, "total": shown, "current_page": page, "per_page": per,
		"next_page_link": nil, "previous_page_link": nil}
	if page*per < total { // offered even where the next page is past the cap

		m["next_page_link"] = link(page + 1)
	}
	if page > 1 {
		m["previous_page_link"] = link(page - 1)
	}
	return m
}

func (s *Sim) userJSON(u User, version int) map[string]any {
	m := map[string]any{"id": s.id(u.ID), "direct_link": fmt.Sprintf("%s/v%d/users/%d", s.URL(), version, u.ID),
		"name": u.Name, "email": u.Email, "available": true, "availability_status": "available",
		"created_at": u.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), "time_zone": u.TimeZone,
		"language": u.Language, "wrap_up_time": 0}
	if version == 1 {
		nums := []map[string]any{}
		for _, n := range s.userNums[u.ID] {
			nums = append(nums, s.numberJSON(n, ListOmitsUsers))
		}
		if len(nums) > 0 || !s.V1OmitsNoNumbers {
			m["numbers"] = nums
		}
	}
	return m
}

func (s *Sim) numberJSON(n Number, users ListUsers) map[string]any {
	m := map[string]any{"id": s.id(n.ID), "direct_link": fmt.Sprintf("%s/v1/numbers/%d", s.URL(), n.ID), "name": n.Name,
		"digits": n.Digits, "country": n.Country, "time_zone": "Etc/UTC", "open": true, "availability_status": "open",
		"is_ivr": false, "live_recording_activated": false, "priority": nil, "created_at": n.created().Format("2006-01-02T15:04:05.000Z")}
	switch users {
	case ListEmptyUsers:
		m["users"] = []map[string]any{}
	case ListEmbedsUsers:
		users := []map[string]any{}
		for _, id := range n.UserIDs {
			u, ok := s.userByID[id]
			if !ok { // a holder the users list does not show (made or removed while a client reads)
				u = User{ID: id}
			}
			users = append(users, map[string]any{"id": s.id(u.ID), "direct_link": fmt.Sprintf("%s/v1/users/%d", s.URL(), u.ID),
				"name": u.Name, "email": u.Email, "available": true, "language": u.Language})
		}
		m["users"] = users
	}
	return m
}

// id is an id as Aircall writes it (an integer), or padded (PadIDs).
func (s *Sim) id(v int64) any {
	if s.PadIDs {
		return " " + strconv.FormatInt(v, 10) + " "
	}
	return v
}

// list answers one page of a list: {key: items, "meta": …} (without meta: NoMeta).
func (s *Sim) list(w http.ResponseWriter, key string, items []map[string]any, meta map[string]any) {
	body := map[string]any{key: items}
	if !s.NoMeta {
		body["meta"] = meta
	}
	sandbox.WriteJSON(w, http.StatusOK, body)
}

func (n Number) created() time.Time {
	if n.CreatedAt.IsZero() {
		return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return n.CreatedAt.UTC()
}

// createdWindow returns the items created within from/to (UNIX seconds,
// inclusive) in the order asked; items are sorted by creation, then id.
func createdWindow[T any](w http.ResponseWriter, q url.Values, exclusive bool, items []T, created func(T) time.Time) ([]T, bool) {
	var from, to int64 = -1 << 62, 1 << 62
	for name, dst := range map[string]*int64{"from": &from, "to": &to} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				acError(w, http.StatusBadRequest, "Invalid parameter", name+" must be a UNIX timestamp in seconds")
				return nil, false
			}
			*dst = n
		}
	}
	if exclusive {
		from, to = from+1, to-1
	}
	lo := sort.Search(len(items), func(i int) bool { return created(items[i]).Unix() >= from })
	hi := sort.Search(len(items), func(i int) bool { return created(items[i]).Unix() > to })
	out := items[lo:max(lo, hi)]
	if q.Get("order") == "desc" {
		out = slices.Clone(out)
		slices.Reverse(out)
	}
	return out, true
}

// sortByCreation orders items by creation, then id, as the list endpoints do.
func sortByCreation[T any](items []T, created func(T) time.Time, id func(T) int64) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := created(items[i]), created(items[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		return id(items[i]) < id(items[j])
	})
}

func userCreated(u User) time.Time { return u.CreatedAt }

func (s *Sim) listUsers(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.gone(w, version) {
			return
		}
		page, per, ok := s.paging(w, r)
		if !ok {
			return
		}
		s.Mu.Lock()
		users := s.users
		s.Mu.Unlock()
		list, ok := createdWindow(w, r.URL.Query(), s.ExclusiveBounds, users, userCreated)
		if !ok {
			return
		}
		out := []map[string]any{}
		for _, u := range sandbox.Page(list, page, per) {
			out = append(out, s.userJSON(u, version))
		}
		s.list(w, "users", out, s.meta(r, page, per, len(list), len(out)))
	}
}

func (s *Sim) gone(w http.ResponseWriter, version int) bool {
	if version == 1 && s.V1UsersRetired {
		acError(w, http.StatusGone, "Gone", "This endpoint was retired; use /v2/users")
		return true
	}
	if version == 2 && s.V2Missing {
		acError(w, http.StatusNotFound, "Not found", "Check the URL of the requested resource")
		return true
	}
	return false
}

func (s *Sim) findUser(w http.ResponseWriter, key string) (User, bool) {
	for _, u := range s.users {
		if strconv.FormatInt(u.ID, 10) == key || strings.EqualFold(u.Email, key) {
			return u, true
		}
	}
	acError(w, http.StatusNotFound, "Not found", "Check the id of the requested resource")
	return User{}, false
}

func (s *Sim) getUser(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.gone(w, version) {
			return
		}
		if u, ok := s.findUser(w, r.PathValue("id")); ok {
			sandbox.WriteJSON(w, http.StatusOK, map[string]any{"user": s.userJSON(u, version)})
		}
	}
}

func (s *Sim) userNumbers(w http.ResponseWriter, r *http.Request) {
	u, ok := s.findUser(w, r.PathValue("id"))
	if !ok {
		return
	}
	page, per, ok := s.paging(w, r)
	if !ok {
		return
	}
	list := s.userNums[u.ID]
	out := []map[string]any{}
	for _, n := range sandbox.Page(list, page, per) {
		out = append(out, s.numberJSON(n, ListOmitsUsers))
	}
	s.list(w, "numbers", out, s.meta(r, page, per, len(list), len(out)))
}

func (s *Sim) listNumbers(w http.ResponseWriter, r *http.Request) {
	page, per, ok := s.paging(w, r)
	if !ok {
		return
	}
	list, ok := createdWindow(w, r.URL.Query(), s.ExclusiveBounds, s.numbers, Number.created)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, n := range sandbox.Page(list, page, per) {
		out = append(out, s.numberJSON(n, s.NumbersList))
	}
	s.list(w, "numbers", out, s.meta(r, page, per, len(list), len(out)))
}

func (s *Sim) getNumber(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if n, ok := s.numByID[id]; ok {
		sandbox.WriteJSON(w, http.StatusOK, map[string]any{"number": s.numberJSON(n, ListEmbedsUsers)})
		return
	}
	acError(w, http.StatusNotFound, "Not found", "Check the id of the requested resource")
}

// Hire adds a user, created now on the simulator's clock unless u says
// when, and the numbers bought for them: the company hiring someone while
// voiceid runs (not an API behaviour; tests and the demo's fourth act).
func (s *Sim) Hire(u User, numbers ...Number) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.Now().UTC()
	}
	s.users = append(s.users, u)
	sortByCreation(s.users, userCreated, func(u User) int64 { return u.ID })
	s.userByID[u.ID] = u
	for _, n := range numbers {
		if n.CreatedAt.IsZero() {
			n.CreatedAt = u.CreatedAt
		}
		s.numbers = append(s.numbers, n)
		s.numByID[n.ID] = n
		for _, id := range n.UserIDs {
			s.userNums[id] = append(s.userNums[id], n)
		}
	}
	sortByCreation(s.numbers, Number.created, func(n Number) int64 { return n.ID })
}
