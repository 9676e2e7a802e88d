package httpx

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// A token is fetched once and reused; a 401 drops it and the one retry
// carries a new one; a token near its expiry is fetched anew.
func TestTokenAuthReusesUntilInvalidatedOrExpiring(t *testing.T) {
	valid := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !valid[r.Header.Get("Authorization")] {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	fetches := 0
	var expiry time.Time
	auth := NewTokenAuth(time.Minute, func(ctx context.Context) (*oauth2.Token, error) {
		if ctx == nil {
			t.Fatal("fetch got no context")
		}
		fetches++
		tok := fmt.Sprintf("tok-%d", fetches)
		valid["Bearer "+tok] = true
		return &oauth2.Token{AccessToken: tok, Expiry: expiry}, nil
	})
	c := &Client{Provider: "test", Base: srv.URL, Auth: auth, Sleep: func(context.Context, time.Duration) error { return nil }}
	ctx := context.Background()
	for range 3 {
		if _, err := c.Get(ctx, "/x", nil); err != nil {
			t.Fatal(err)
		}
	}
	if fetches != 1 {
		t.Fatalf("%d fetches for 3 requests with a token without expiry, want 1", fetches)
	}
	clear(valid) // the session ends: only a 401 says so
	if _, err := c.Get(ctx, "/x", nil); err != nil {
		t.Fatalf("after a 401: %v", err)
	}
	if fetches != 2 {
		t.Fatalf("%d fetches after a 401, want 2", fetches)
	}
	expiry = time.Now().Add(30 * time.Second) // inside the minute's early expiry
	auth.Invalidate()
	auth.Token(ctx)
	auth.Token(ctx)
	if fetches != 4 {
		t.Errorf("%d fetches, want 4: a token 30 s from expiry is not reused with a minute's margin", fetches)
	}
}
