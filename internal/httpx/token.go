package httpx

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Fetch obtains a new token: one grant request through a Client, or one run
// of a CLI. It is the only part of a sign-in that differs between services.
type Fetch func(ctx context.Context) (*oauth2.Token, error)

// TokenAuth is the Authorizer of every signed-in client: x/oauth2's
// ReuseTokenSource keeps the token until its Expiry (less EarlyExpiry; a zero
// Expiry, as Salesforce's, never expires), and Invalidate drops it, so that
// after a 401 the next request fetches a new one.
//
// Only x/oauth2's TokenSource plumbing is used: its own exchanges
// (clientcredentials, jwt) send the token request with their own HTTP code,
// which would bypass Client's retry verdicts, time limits, call counts and
// error shapes (a token endpoint's 429, 503 or error_description).
type TokenAuth struct {
	fetch Fetch
	early time.Duration

	mu  sync.Mutex
	ctx context.Context    // the caller of the Token in progress: oauth2.TokenSource takes no context
	src oauth2.TokenSource // nil: fetch anew on the next Token
}

// NewTokenAuth makes an Authorizer that fetches through fetch and treats a
// token as expired earlyExpiry before its Expiry (0: x/oauth2's 10 s).
func NewTokenAuth(earlyExpiry time.Duration, fetch Fetch) *TokenAuth {
	return &TokenAuth{fetch: fetch, early: earlyExpiry}
}

// Token returns the kept token, or fetches one under ctx.
func (a *TokenAuth) Token(ctx context.Context) (*oauth2.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.src == nil {
		a.src = oauth2.ReuseTokenSourceWithExpiry(nil, fetchSource{a}, a.early)
	}
	a.ctx = ctx
	defer func() { a.ctx = nil }()
	return a.src.Token()
}

// Authorize sets the Bearer header.
func (a *TokenAuth) Authorize(ctx context.Context, req *http.Request) error {
	t, err := a.Token(ctx)
	if err != nil {
		return err
	}
	t.SetAuthHeader(req)
	return nil
}

// Invalidate drops the kept token: a 401 is the only sign of a Salesforce
// session's end, since its tokens carry no expires_in.
func (a *TokenAuth) Invalidate() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.src = nil
}

// fetchSource is the oauth2.TokenSource under ReuseTokenSource; it runs only
// inside TokenAuth.Token, which holds the lock and has set ctx.
type fetchSource struct{ a *TokenAuth }

func (s fetchSource) Token() (*oauth2.Token, error) { return s.a.fetch(s.a.ctx) }
