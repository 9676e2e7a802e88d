package ringcentralsim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"voiceid/sandbox"
)

// RingCentral credentials the simulator accepts.
type Credentials struct {
	ClientID     string
	ClientSecret string
	JWT          string
}

// Sim simulates the parts of the RingCentral REST API voiceid uses.
type Sim struct {
	sandbox.Base
	creds     Credentials
	entries   []Entry
	accountID string

	// TokenTTL is the expires_in of new access tokens (default 3600 s).
	TokenTTL time.Duration
	// RateLimits turns on the per-group buckets (Auth 5, Medium 40, Heavy 10 per 60 s).
	RateLimits bool
	// Limits overrides a group's requests per window ("medium": 2).
	Limits map[string]int
	// MaxPerPage caps the directory page size the simulator honours (default 2000).
	MaxPerPage int
	Now        func() time.Time
	// SessionCap is how many live sessions one user may hold (default 5,
	// DOCS: "about 5"): a sign-in beyond it ends the user's oldest session,
	// whose access token then answers 401. 0: no cap.
	SessionCap int
	// FaxOnlyUnlisted leaves FaxOnly numbers out of the directory's
	// phoneNumbers. Whether the directory lists them is UNCONFIRMED; by
	// default it does (the schema carries each number's type).
	FaxOnlyUnlisted bool
	// PageOneAlways answers page 1, without totalPages, whatever page is
	// asked: a proxy's fault seen in the field, not RingCentral's behaviour.
	PageOneAlways bool
	// PadIDs pads the directory's ids with spaces: a proxy's fault;
	// RingCentral is not documented to pad.
	PadIDs bool
	// NoRefreshTokens leaves refresh_token out of sign-ins, as for an app
	// without "Issue refresh tokens" (DOCS refresh-tokens.md).
	NoRefreshTokens bool

	tokens   map[string]time.Time // access token -> expiry
	sessions []*rcSession         // in the order they were opened
	byToken  map[string]*rcSession
	buckets  map[string]*sandbox.Bucket
	listed   []Entry // the entries the directory shows, computed once
}

// rcSession is what one sign-in opens; its access or refresh token names it.
type rcSession struct {
	user            string // the JWT that opened it
	access, refresh string
	live            bool
}

// New starts a simulator holding entries.
func New(entries []Entry, creds Credentials) *Sim {
	s := &Sim{creds: creds, entries: entries, accountID: "62804120000", TokenTTL: time.Hour,
		MaxPerPage: 2000, Now: time.Now, SessionCap: 5, tokens: map[string]time.Time{}, byToken: map[string]*rcSession{},
		buckets: map[string]*sandbox.Bucket{}}
	s.ErrorBody = func(status int, path string) any {
		// the directory service (ADG) has its own codes; rate limits come from the gateway
		if strings.Contains(path, "/directory/") && status != http.StatusTooManyRequests {
			code := map[int]string{400: "ADG-121", 403: "ADG-100", 404: "ADG-200", 405: "ADG-102", 415: "ADG-115", 503: "ADG-000"}[status]
			if code == "" {
				code = "ADG-001"
			}
			return map[string]any{"errors": []map[string]any{{"errorCode": code, "message": http.StatusText(status)}}}
		}
		code := map[int]string{400: "CMN-101", 401: "OAU-213", 403: "CMN-401", 404: "CMN-102", 429: "CMN-301"}[status]
		if code == "" {
			code = "CMN-201"
		}
		return rcError(code, http.StatusText(status))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /restapi/oauth/token", s.token)
	mux.HandleFunc("POST /restapi/oauth/revoke", s.revoke)
	mux.HandleFunc("GET /restapi/v1.0/account/{account}/directory/entries", s.authed("medium", s.directory))
	mux.HandleFunc("GET /restapi/v1.0/account/{account}/extension", s.authed("medium", s.extensions))
	mux.HandleFunc("GET /restapi/v1.0/account/{account}/phone-number", s.authed("heavy", s.phoneNumbers))
	s.Start(mux)
	return s
}

// ExpireTokens makes every issued access token invalid, as a rotation or revocation would.
func (s *Sim) ExpireTokens() {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	clear(s.tokens)
}

// LiveSessions counts the sessions of the simulator's JWT user that are
// neither revoked nor ended by a later sign-in.
func (s *Sim) LiveSessions() int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	n := 0
	for _, x := range s.sessions {
		if x.live && x.user == s.creds.JWT {
			n++
		}
	}
	return n
}

// endSession ends x: its access token answers 401 from now on. s.Mu is held.
func (s *Sim) endSession(x *rcSession) {
	x.live = false
	delete(s.tokens, x.access)
}

// SetEntries replaces the directory.
func (s *Sim) SetEntries(e []Entry) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.entries, s.listed = e, nil
}

func rcError(code, msg string) map[string]any {
	return map[string]any{"errorCode": code, "message": msg,
		"errors": []map[string]any{{"errorCode": code, "message": msg}}}
}

func oauthError(errCode, desc, rcCode string) map[string]any {
	return map[string]any{"error": errCode, "error_description": desc,
		"errors": []map[string]any{{"errorCode": rcCode, "message": desc}}}
}

// limit applies the usage-plan group's bucket and sets the X-Rate-Limit-* headers.
func (s *Sim) limit(w http.ResponseWriter, group string) bool {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if !s.RateLimits {
		return true
	}
	b := s.buckets[group]
	if b == nil {
		limit := map[string]int{"auth": 5, "medium": 40, "heavy": 10, "light": 50}[group]
		if n, ok := s.Limits[group]; ok {
			limit = n
		}
		b = &sandbox.Bucket{Limit: limit, Window: time.Minute}
		s.buckets[group] = b
	}
	now := s.Now()
	rem, over := b.Take(now)
	h := w.Header()
	h.Set("X-Rate-Limit-Group", group)
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(b.Limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(rem))
	h.Set("X-Rate-Limit-Window", "60")
	if over {
		h.Set("Retry-After", strconv.Itoa(int(b.Reset().Sub(now).Seconds()+0.999)))
		sandbox.WriteJSON(w, http.StatusTooManyRequests, rcError("CMN-301", "Request rate exceeded"))
		return false
	}
	return true
}

// client checks the app's Basic credentials, answering 401 itself when they are wrong.
func (s *Sim) client(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		sandbox.WriteJSON(w, http.StatusUnauthorized, oauthError("invalid_client", "Invalid client authorization header", "OAU-123"))
		return false
	}
	if user != s.creds.ClientID || pass != s.creds.ClientSecret {
		sandbox.WriteJSON(w, http.StatusUnauthorized, oauthError("invalid_client", "Invalid client credentials", "OAU-146"))
		return false
	}
	return true
}

func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if !s.limit(w, "auth") || !s.client(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		sandbox.WriteJSON(w, http.StatusBadRequest, oauthError("unsupported_grant_type", "Unsupported grant type", "OAU-112"))
		return
	}
	user := r.PostForm.Get("assertion")
	if user != s.creds.JWT {
		sandbox.WriteJSON(w, http.StatusBadRequest, oauthError("invalid_grant", "Invalid assertion", "OAU-140"))
		return
	}
	x := &rcSession{user: user, access: "SIM-AT-" + sandbox.RandHex(12), refresh: "SIM-RT-" + sandbox.RandHex(12), live: true}
	ttl := s.TokenTTL
	s.Mu.Lock()
	if s.NoRefreshTokens {
		x.refresh = ""
	}
	s.openSession(x)
	s.tokens[x.access] = s.Now().Add(ttl)
	s.Mu.Unlock()
	tok := map[string]any{"access_token": x.access, "token_type": "bearer", "expires_in": int(ttl.Seconds()),
		"scope": "ReadAccounts", "owner_id": s.accountID, "endpoint_id": "sim-" + sandbox.RandHex(6), "session_id": sandbox.RandHex(6)}
	if x.refresh != "" {
		tok["refresh_token"], tok["refresh_token_expires_in"] = x.refresh, 604800
	}
	sandbox.WriteJSON(w, http.StatusOK, tok)
}

// openSession adds x, first ending the user's oldest live session when the
// user is at the cap (DOCS: extra logins can invalidate older tokens). s.Mu is held.
func (s *Sim) openSession(x *rcSession) {
	var live []*rcSession
	for _, o := range s.sessions {
		if o.live && o.user == x.user {
			live = append(live, o)
		}
	}
	if s.SessionCap > 0 && len(live) >= s.SessionCap {
		s.endSession(live[0])
	}
	s.sessions = append(s.sessions, x)
	s.byToken[x.access] = x
	if x.refresh != "" {
		s.byToken[x.refresh] = x
	}
}

// revoke ends the session its access or refresh token names (SPEC: token in
// the form, or the query). It answers 200 also when it revokes nothing: for
// a token it does not know, or an access token that has expired (DOCS
// tokens.md, RFC 7009), whose session therefore stays open.
func (s *Sim) revoke(w http.ResponseWriter, r *http.Request) {
	if !s.limit(w, "auth") || !s.client(w, r) {
		return
	}
	tok := ""
	if err := r.ParseForm(); err == nil {
		tok = r.Form.Get("token")
	}
	if tok == "" {
		sandbox.WriteJSON(w, http.StatusBadRequest, oauthError("invalid_request", "Parameter [token] is not specified", "OAU-101"))
		return
	}
	s.Mu.Lock()
	x := s.byToken[tok]
	exp, valid := s.tokens[tok]
	if x != nil && x.live && (tok == x.refresh || valid && !s.Now().After(exp)) {
		s.endSession(x)
	}
	s.Mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Sim) authed(group string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			sandbox.WriteJSON(w, http.StatusUnauthorized, map[string]any{"errorCode": "AGW-401", "message": "Authorization header is not specified"})
			return
		}
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		s.Mu.Lock()
		exp, known := s.tokens[tok]
		now := s.Now()
		s.Mu.Unlock()
		if !ok || !known || now.After(exp) {
			sandbox.WriteJSON(w, http.StatusUnauthorized, map[string]any{"errorCode": "TokenInvalid", "message": "Token not found",
				"errors": []map[string]any{{"errorCode": "OAU-213", "message": "Token not found"}}})
			return
		}
		if acc := r.PathValue("account"); acc != "~" && acc != s.accountID {
			sandbox.WriteJSON(w, http.StatusNotFound, rcError("CMN-102", "Resource for parameter [accountId] is not found"))
			return
		}
		if !s.limit(w, group) {
			return
		}
		h(w, r)
	}
}

// directoryType folds extension types as the directory does.
func directoryType(t string) string {
	switch t {
	case "DigitalUser", "VirtualUser", "FaxUser", "User":
		return "User"
	}
	return t
}

// listed reports whether the directory shows an entry at all.
func listedInDirectory(e Entry) bool {
	return e.Type != "ApplicationExtension" && slices.Contains([]string{"Enabled", "Disabled", "NotActivated"}, e.Status)
}

// pageParams reads page/perPage, answering 400 itself when they are bad.
func pageParams(w http.ResponseWriter, q url.Values, def, maxPer int, adg bool) (page, per int, ok bool) {
	page, per = 1, def
	bad := func(name string) (int, int, bool) {
		if adg {
			sandbox.WriteJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{"errorCode": "ADG-121", "message": "Parameter [" + name + "] value is invalid", "parameterName": name}}})
		} else {
			sandbox.WriteJSON(w, http.StatusBadRequest, rcError("CMN-101", "Parameter ["+name+"] value is invalid"))
		}
		return 0, 0, false
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad("page")
		}
		page = n
	}
	switch v := q.Get("perPage"); v {
	case "":
	case "all", "max":
		per = 1 << 30
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPer {
			return bad("perPage")
		}
		per = n
	}
	return page, per, true
}

func pagingModel(page, per, total, n int) map[string]any {
	m := map[string]any{"page": page, "perPage": per, "totalElements": total, "totalPages": (total + per - 1) / per}
	if per >= 1<<30 {
		m["perPage"], m["totalPages"] = max(total, 1), 1
	}
	if n > 0 {
		start := (page - 1) * per
		m["pageStart"], m["pageEnd"] = start, start+n-1
	}
	return m
}

func (s *Sim) directory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, per, ok := pageParams(w, q, 1000, s.MaxPerPage, true)
	if !ok {
		return
	}
	if s.PageOneAlways {
		page = 1
	}
	types := q["type"] // repeated type is a union (DOCS)
	federated := q.Get("showFederated") != "false"
	s.Mu.Lock()
	if s.listed == nil {
		s.listed = []Entry{}
		for _, e := range s.entries {
			if listedInDirectory(e) {
				s.listed = append(s.listed, e)
			}
		}
	}
	list := s.listed
	s.Mu.Unlock()
	if len(types) > 0 {
		var only []Entry
		for _, e := range list {
			if slices.Contains(types, directoryType(e.Type)) {
				only = append(only, e)
			}
		}
		list = only
	}
	records := []contactRecord{}
	for _, e := range sandbox.Page(list, page, per) {
		records = append(records, s.contact(e, federated))
	}
	paging := pagingModel(page, per, len(list), len(records))
	if s.PageOneAlways {
		delete(paging, "totalPages")
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{"records": records, "paging": paging})
}

// contact is an entry as the directory shows it (ContactResource).
func (s *Sim) contact(e Entry, federated bool) contactRecord {
	id := strconv.FormatInt(e.ID, 10)
	if s.PadIDs {
		id = " " + id + " "
	}
	rec := contactRecord{ID: id, Type: directoryType(e.Type), Status: e.Status, ExtensionNumber: e.Extension, Email: e.Email,
		PhoneNumbers: []contactNumber{}}
	if rec.Type == "User" {
		rec.FirstName, rec.LastName = &e.FirstName, &e.LastName
	} else {
		rec.Name = &e.Name
	}
	if e.Site != "" {
		rec.Site = &contactSite{ID: "7310001" + strconv.Itoa(len(e.Site)), Name: e.Site}
	}
	for _, n := range e.Numbers {
		if n.kind() == "FaxOnly" && s.FaxOnlyUnlisted {
			continue
		}
		rec.PhoneNumbers = append(rec.PhoneNumbers, contactNumber{PhoneNumber: n.Number, FormattedPhoneNumber: n.Number,
			Type: n.kind(), UsageType: n.UsageType, Primary: len(rec.PhoneNumbers) == 0})
	}
	if federated {
		rec.Account = &contactAccount{ID: s.accountID, CompanyName: "Example Corp"}
	}
	return rec
}

// contactRecord is a directory entry as the API writes it (the
// ContactResource schema, validated against RingCentral's OpenAPI file): a
// struct, not a map, so a 100,000-entry directory costs the simulator little
// of the machine a benchmark measures voiceid on. A user's names are written
// even when empty, another entry's name likewise; an empty email is left out.
type contactRecord struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	ExtensionNumber string          `json:"extensionNumber"`
	Hidden          bool            `json:"hidden"`
	Email           string          `json:"email,omitempty"`
	FirstName       *string         `json:"firstName,omitempty"`
	LastName        *string         `json:"lastName,omitempty"`
	Name            *string         `json:"name,omitempty"`
	Site            *contactSite    `json:"site,omitempty"`
	PhoneNumbers    []contactNumber `json:"phoneNumbers"`
	Account         *contactAccount `json:"account,omitempty"`
}

type contactSite struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type contactNumber struct {
	PhoneNumber          string `json:"phoneNumber"`
	FormattedPhoneNumber string `json:"formattedPhoneNumber"`
	Type                 string `json:"type"`
	UsageType            string `json:"usageType"`
	Primary              bool   `json:"primary"`
}

type contactAccount struct {
	ID          string `json:"id"`
	CompanyName string `json:"companyName"`
}

func (s *Sim) pageURIs(r *http.Request, page, per, total int) (string, map[string]any) {
	uri := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("perPage", strconv.Itoa(per))
		return fmt.Sprintf("%s%s?%s", s.URL(), r.URL.Path, q.Encode())
	}
	pages := max((total+per-1)/per, 1)
	nav := map[string]any{"firstPage": map[string]any{"uri": uri(1)}, "lastPage": map[string]any{"uri": uri(pages)}}
	if page < pages {
		nav["nextPage"] = map[string]any{"uri": uri(page + 1)}
	}
	if page > 1 {
		nav["previousPage"] = map[string]any{"uri": uri(page - 1)}
	}
	return uri(page), nav
}

func (s *Sim) extURI(id int64) string {
	return fmt.Sprintf("%s/restapi/v1.0/account/%s/extension/%d", s.URL(), s.accountID, id)
}

func (s *Sim) extensions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, per, ok := pageParams(w, q, 100, 1000, false)
	if !ok {
		return
	}
	s.Mu.Lock()
	var list []Entry
	for _, e := range s.entries {
		if (len(q["status"]) == 0 || slices.Contains(q["status"], e.Status)) && (len(q["type"]) == 0 || slices.Contains(q["type"], e.Type)) {
			list = append(list, e)
		}
	}
	s.Mu.Unlock()
	records := []map[string]any{}
	for _, e := range sandbox.Page(list, page, per) {
		name := e.Name
		if name == "" {
			name = strings.TrimSpace(e.FirstName + " " + e.LastName)
		}
		contact := map[string]any{"company": "Example Corp"}
		if e.FirstName != "" {
			contact["firstName"], contact["lastName"] = e.FirstName, e.LastName
		}
		if e.Email != "" {
			contact["email"] = e.Email
		}
		records = append(records, map[string]any{"uri": s.extURI(e.ID), "id": e.ID, "extensionNumber": e.Extension,
			"name": name, "type": e.Type, "status": e.Status, "contact": contact, "hidden": false})
	}
	uri, nav := s.pageURIs(r, page, per, len(list))
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{"uri": uri, "records": records,
		"paging": pagingModel(page, per, len(list), len(records)), "navigation": nav})
}

func (s *Sim) phoneNumbers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, per, ok := pageParams(w, q, 100, 1000, false)
	if !ok {
		return
	}
	type row struct {
		e Entry
		n Number
	}
	s.Mu.Lock()
	var list []row
	for _, e := range s.entries {
		for _, n := range e.Numbers {
			if len(q["usageType"]) == 0 || slices.Contains(q["usageType"], n.UsageType) {
				list = append(list, row{e, n})
			}
		}
	}
	s.Mu.Unlock()
	records := []map[string]any{}
	for _, x := range sandbox.Page(list, page, per) {
		rec := map[string]any{"id": x.n.ID, "uri": fmt.Sprintf("%s/restapi/v1.0/account/%s/phone-number/%d", s.URL(), s.accountID, x.n.ID),
			"phoneNumber": x.n.Number, "paymentType": "Local", "type": x.n.kind(), "usageType": x.n.UsageType, "status": "Normal", "primary": false}
		if x.n.UsageType != "MainCompanyNumber" {
			rec["extension"] = map[string]any{"id": x.e.ID, "uri": s.extURI(x.e.ID), "extensionNumber": x.e.Extension}
		}
		records = append(records, rec)
	}
	uri, nav := s.pageURIs(r, page, per, len(list))
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{"uri": uri, "records": records,
		"paging": pagingModel(page, per, len(list), len(records)), "navigation": nav})
}

// Hire adds an extension to the directory: the company hiring someone while
// voiceid runs (not an API behaviour; tests and the demo's fourth act).
func (s *Sim) Hire(e Entry) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.entries, s.listed = append(slices.Clone(s.entries), e), nil
}
