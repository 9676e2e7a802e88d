package ringcentral

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"voiceid/internal/httpx"
	"voiceid/internal/pack"
	"voiceid/match"
	"voiceid/provider/read"
)

// Config is the [ringcentral] section.
type Config struct {
	Server       string // https://platform.ringcentral.com
	ClientID     string
	ClientSecret string
	JWT          string // the JWT credential made in the Developer Console
	HTTP         *http.Client
	// Sleep replaces real waiting (tests).
	Sleep func(context.Context, time.Duration) error
	// MinBackoff is the first retry delay (default 2 s, as RingCentral advises).
	MinBackoff time.Duration
	// Now is the clock for pauses (tests); token lifetimes run on the wall clock, as x/oauth2 judges them.
	Now func() time.Time
}

// Reader reads the company directory of one RingCentral account.
type Reader struct {
	api      *httpx.Client
	tokenAPI *httpx.Client
	auth     *httpx.TokenAuth
	cfg      Config

	mu       sync.Mutex
	sessions []rcSession // opened by this reader's sign-ins, not yet revoked
}

// rcSession is one sign-in's tokens: either names the session to revoke.
type rcSession struct{ access, refresh string }

// DirectoryPageSize is the largest page the directory endpoint allows.
const DirectoryPageSize = 2000

// New makes a reader; it does not contact the server.
func New(cfg Config) *Reader {
	minBackoff := cfg.MinBackoff
	if minBackoff == 0 {
		minBackoff = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Reader{cfg: cfg}
	c.tokenAPI = &httpx.Client{Provider: "ringcentral", Base: cfg.Server, HTTP: cfg.HTTP, Classify: classifyRC,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: minBackoff, MaxAttempts: 4}
	// a token is presented again a minute before it expires, not mid-page
	c.auth = httpx.NewTokenAuth(time.Minute, c.signIn)
	c.api = &httpx.Client{Provider: "ringcentral", Base: cfg.Server, HTTP: cfg.HTTP, Auth: c.auth, Classify: classifyRC,
		Sleep: cfg.Sleep, Now: cfg.Now, MinBackoff: minBackoff}
	return c
}

// Calls counts the HTTP requests made, token requests included.
func (c *Reader) Calls() int64 { return c.api.Calls() + c.tokenAPI.Calls() }

// Check obtains a token, proving the credentials.
func (c *Reader) Check(ctx context.Context) error {
	_, err := c.auth.Token(ctx)
	return err
}

// signIn is the JWT grant (RFC 7523): the JWT credential is presented for
// an access token. One token serves the whole run, since RingCentral caps
// parallel sessions; TokenAuth presents the JWT again only when it dies.
// Each sign-in opens a session, kept until Close revokes it.
func (c *Reader) signIn(ctx context.Context) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {c.cfg.JWT}}
	resp, err := c.tokenAPI.Do(ctx, http.MethodPost, "/restapi/oauth/token", nil, []byte(form.Encode()), c.clientHeader())
	if err != nil {
		return nil, fmt.Errorf("ringcentral: sign-in with the JWT credential failed: %w%s", err, rcAuthHint(err))
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(resp.Body, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("ringcentral: the token endpoint answered without an access token")
	}
	c.mu.Lock()
	c.sessions = append(c.sessions, rcSession{access: tok.AccessToken, refresh: tok.RefreshToken})
	c.mu.Unlock()
	t := &oauth2.Token{AccessToken: tok.AccessToken, TokenType: tok.TokenType}
	if tok.ExpiresIn > 0 {
		// x/oauth2 judges expiry on the wall clock, so the lifetime starts from it too
		t.Expiry = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return t, nil
}

// clientHeader is what the OAuth endpoints take: a form, and the app's Basic credentials.
func (c *Reader) clientHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Authorization": {read.Basic(c.cfg.ClientID, c.cfg.ClientSecret)}}
}

// RevokeTimeout bounds Close: a run that is being stopped still ends its
// sessions, but does not hang on them.
const RevokeTimeout = 10 * time.Second

// Close revokes every session this reader's sign-ins opened (none: no
// request). RingCentral allows about 5 parallel sessions per user and an
// extra login may end an older one (docs/providers/ringcentral.md: Sessions and revoke), so a session left
// open by each run would end the sessions of the company's other apps. It
// runs on a context of its own, so that a cancelled run still revokes.
func (c *Reader) Close(ctx context.Context) error {
	c.mu.Lock()
	sessions := c.sessions
	c.sessions = nil
	c.mu.Unlock()
	if len(sessions) == 0 {
		return nil
	}
	c.auth.Invalidate() // a later request signs in anew rather than use a revoked token
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RevokeTimeout)
	defer cancel()
	var errs []error
	for _, s := range sessions {
		if err := c.revoke(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// revoke ends one session: POST /restapi/oauth/revoke with token=. The
// refresh token is sent when there is one: it still names the session after
// the access token expired, which RFC 7009 lets a server ignore.
func (c *Reader) revoke(ctx context.Context, s rcSession) error {
	token := s.refresh
	if token == "" {
		token = s.access
	}
	form := url.Values{"token": {token}}
	_, err := c.tokenAPI.Do(ctx, http.MethodPost, "/restapi/oauth/revoke", nil, []byte(form.Encode()), c.clientHeader())
	if err != nil {
		return fmt.Errorf("ringcentral: the run's session was not revoked: %w%s; it stays open until RingCentral ends it, "+
			"holding one of the about 5 sessions the JWT's user may have: if this repeats, check the network path to [ringcentral] server", err, rcAuthHint(err))
	}
	return nil
}

func rcAuthHint(err error) string {
	var he *httpx.Error
	if !errors.As(err, &he) {
		return ""
	}
	switch {
	case he.Status == http.StatusUnauthorized:
		return " (check [ringcentral] client_id and client_secret)"
	case strings.HasPrefix(he.Code, "invalid_grant"):
		return " (the [ringcentral] jwt is wrong, expired or revoked: make a new one in the Developer Console)"
	case strings.HasPrefix(he.Code, "unauthorized_client") || strings.HasPrefix(he.Code, "unsupported_grant_type"):
		return " (enable the JWT auth flow for this app in the Developer Console)"
	}
	return ""
}

// classifyRC reads RingCentral's error shapes and rate-limit headers.
func classifyRC(status int, h http.Header, body []byte, err error) httpx.Verdict {
	v := httpx.Classify(status, h, body, err)
	if err != nil {
		return v
	}
	var e struct {
		ErrorCode string `json:"errorCode"`
		Message   string `json:"message"`
		Errors    []struct {
			ErrorCode string `json:"errorCode"`
			Message   string `json:"message"`
		} `json:"errors"`
		OAuth     string `json:"error"`
		OAuthDesc string `json:"error_description"`
	}
	if status >= 300 && json.Unmarshal(body, &e) == nil {
		v.Code, v.Message = e.ErrorCode, e.Message
		if len(e.Errors) > 0 { // prefer the inner, specific code
			v.Code, v.Message = e.Errors[0].ErrorCode, e.Errors[0].Message
		}
		if e.OAuth != "" { // the OAuth word, with RingCentral's own code beside it
			code := e.OAuth
			if len(e.Errors) > 0 && e.Errors[0].ErrorCode != "" {
				code += " (" + e.Errors[0].ErrorCode + ")"
			}
			v.Code, v.Message = code, e.OAuthDesc
		}
	}
	switch {
	case status == http.StatusTooManyRequests && v.After == 0:
		v.After = 30 * time.Second // RingCentral: without Retry-After wait at least 30 s
	case v.Action == httpx.Done && h.Get("X-Rate-Limit-Remaining") == "0":
		// the window is spent: waiting one window avoids a 429 and its penalty
		if w, err := strconv.Atoi(h.Get("X-Rate-Limit-Window")); err == nil && w > 0 {
			v.After = time.Duration(w) * time.Second
		}
	}
	return v
}

type rcDirectoryPage struct {
	Records *[]rcContact `json:"records"`
	Paging  struct {
		Page          int  `json:"page"`
		PerPage       int  `json:"perPage"`
		TotalPages    *int `json:"totalPages"`
		TotalElements *int `json:"totalElements"`
	} `json:"paging"`
}

type rcContact struct {
	ID              read.ID `json:"id"`
	Type            string  `json:"type"`
	Status          string  `json:"status"`
	FirstName       string  `json:"firstName"`
	LastName        string  `json:"lastName"`
	Name            string  `json:"name"`
	Email           string  `json:"email"`
	ExtensionNumber string  `json:"extensionNumber"`
	PhoneNumbers    []struct {
		PhoneNumber string `json:"phoneNumber"`
		Type        string `json:"type"` // VoiceFax, VoiceOnly, FaxOnly
		UsageType   string `json:"usageType"`
	} `json:"phoneNumbers"`
}

// People reads every directory entry of the account, all types, in pages of
// DirectoryPageSize. progress, if set, is told the running count.
func (c *Reader) People(ctx context.Context, progress func(n int)) ([]match.Person, error) {
	const endpoint = "/restapi/v1.0/account/~/directory/entries"
	var out []match.Person
	seen := map[string]bool{}
	total := -1
	for page := 1; ; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}, "perPage": {strconv.Itoa(DirectoryPageSize)}, "showFederated": {"false"}}
		resp, err := c.api.Get(ctx, endpoint, q)
		if err != nil {
			return nil, err
		}
		var p rcDirectoryPage
		if err := json.Unmarshal(resp.Body, &p); err != nil {
			return nil, fmt.Errorf("ringcentral: GET %s page %d: malformed JSON: %w", endpoint, page, err)
		}
		if p.Records == nil {
			return nil, fmt.Errorf("ringcentral: GET %s page %d: answer has no records", endpoint, page)
		}
		if p.Paging.TotalElements != nil {
			total = *p.Paging.TotalElements
		}
		before := len(out)
		for _, r := range *p.Records {
			if r.ID == "" || seen[string(r.ID)] {
				continue // a record shifted across a page edge is read once
			}
			seen[string(r.ID)] = true
			out = append(out, r.person())
		}
		if progress != nil {
			progress(len(out))
		}
		perPage := cmp.Or(p.Paging.PerPage, DirectoryPageSize)
		if err := read.Progress("ringcentral", endpoint, page, len(*p.Records), len(out)-before, total, perPage); err != nil {
			return nil, err
		}
		last := len(*p.Records) == 0 || (p.Paging.TotalPages != nil && page >= *p.Paging.TotalPages)
		if last {
			break
		}
	}
	if total >= 0 && len(out) < total {
		return nil, fmt.Errorf("ringcentral: %w: read %d entries, the server reported %d", read.ErrIncomplete, len(out), total)
	}
	return out, nil
}

func (r rcContact) person() match.Person {
	name := strings.TrimSpace(r.FirstName + " " + r.LastName)
	if name == "" {
		name = r.Name
	}
	p := match.Person{Provider: Name, ID: string(r.ID), Eligible: r.Type == "User" && r.Status == "Enabled",
		Owner: owners[r.Type], State: pack.Common(r.Type + " " + r.Status), Name: name, Email: r.Email, Extension: r.ExtensionNumber}
	if p.Owner == "" {
		p.Owner = match.OwnerOther
	}
	own := []*string{&p.ID, &p.Name, &p.Email, &p.Extension}
	if len(r.PhoneNumbers) > 0 {
		p.Numbers = make([]match.Number, len(r.PhoneNumbers))
	}
	for i, n := range r.PhoneNumbers {
		// only a DID dials the person; a FaxOnly number answers no call whatever its usage
		p.Numbers[i] = match.Number{Raw: n.PhoneNumber, Direct: n.UsageType == "DirectNumber" && n.Type != "FaxOnly"}
		own = append(own, &p.Numbers[i].Raw)
	}
	pack.Strings(own...)
	return p
}

// owners maps the directory's entry types to voiceid's owners; every other
// type (IvrMenu, Announcement, ParkLocation...) is match.OwnerOther.
var owners = map[string]match.Owner{"User": match.OwnerPerson, "Department": match.OwnerDepartment,
	"SharedLinesGroup": match.OwnerSharedLine, "DelegatedLinesGroup": match.OwnerSharedLine, "Site": match.OwnerOffice,
	"Room": match.OwnerRoom, "RoomConnector": match.OwnerRoom}
