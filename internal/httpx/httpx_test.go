package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"voiceid/internal/fakeclock"
)

type bearer string

func (b bearer) Authorize(_ context.Context, r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}
func (bearer) Invalidate() {}

// A next-page link pointing at another host must not receive the credentials.
func TestCredentialsNeverFollowALinkToAnotherHost(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer api.Close()
	c := &Client{Provider: "test", Base: api.URL, Auth: bearer("secret-token")}
	_, err := c.Get(context.Background(), other.URL+"/steal", nil)
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("err = %v", err)
	}
	if leaked.Load() {
		t.Fatal("the token was sent to another host")
	}
	if _, err := c.Get(context.Background(), api.URL+"/next?page=2", nil); err != nil {
		t.Errorf("a link on the same host was refused: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	h := http.Header{}
	if RetryAfter(h) != 0 {
		t.Error("absent header")
	}
	h.Set("Retry-After", "42")
	if RetryAfter(h) != 42*time.Second {
		t.Errorf("seconds: %v", RetryAfter(h))
	}
	h.Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
	if d := RetryAfter(h); d < 85*time.Second || d > 91*time.Second {
		t.Errorf("HTTP date: %v", d)
	}
	h.Set("Retry-After", "soon")
	if RetryAfter(h) != 0 {
		t.Error("garbage")
	}
}

// A 401 re-authenticates once and retries; a second 401 is an error, not a loop.
func TestUnauthorizedReauthenticatesOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	c := &Client{Provider: "test", Base: srv.URL, Auth: bearer("t"), Sleep: func(context.Context, time.Duration) error { return nil }}
	_, err := c.Get(context.Background(), "/x", nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d requests, want 2 (one retry with a new token)", calls.Load())
	}
}

// Issue 16, case 8: a hanging API took 4–6.5 minutes to fail, silently. Each
// attempt now has a timeout, failed attempts a budget, and each retry a line.
func TestHangingServiceFailsWithinTheBudgetAndLogsEachRetry(t *testing.T) {
	release := make(chan struct{})
	var attempts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		select { // hang until the client gives up (or the test ends)
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer api.Close()
	defer close(release)
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	var waited time.Duration
	now := time.Unix(1_700_000_000, 0) // held still: only the policy's own accounting counts time
	c := &Client{Provider: "aircall", Base: api.URL, MinBackoff: 10 * time.Millisecond, Now: func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error { waited += d; return nil }}
	ctx := WithPolicy(context.Background(), Policy{Timeout: 50 * time.Millisecond, Budget: 100 * time.Millisecond, Log: log})
	_, err := c.Get(ctx, "/v2/users", nil)
	// attempt 1: 50 ms + a backoff of at most 10 ms fits in 100 ms; attempt 2 brings it past
	if n := attempts.Load(); n != 2 {
		t.Errorf("%d attempts, want 2 within a 100 ms budget of 50 ms attempts", n)
	}
	if err == nil || !strings.Contains(err.Error(), "retry budget") || !strings.Contains(err.Error(), "request timeout") || !strings.Contains(err.Error(), "/v2/users") {
		t.Errorf("err = %v", err)
	}
	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "service=aircall") || !strings.Contains(lines[0], "endpoint=\"GET /v2/users\"") || !strings.Contains(lines[0], "wait=") {
		t.Errorf("retry log:\n%s", logged.String())
	}
	if waited <= 0 || waited > 10*time.Millisecond {
		t.Errorf("waited %s between attempts", waited)
	}
}

func TestRateLimitWaitsDoNotSpendTheRetryBudget(t *testing.T) {
	var attempts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) <= 3 {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer api.Close()
	c := &Client{Provider: "ringcentral", Base: api.URL, Sleep: func(context.Context, time.Duration) error { return nil }}
	ctx := WithPolicy(context.Background(), Policy{Budget: time.Second})
	if _, err := c.Get(ctx, "/x", nil); err != nil || attempts.Load() != 4 {
		t.Errorf("three 429s of 30 s under a 1 s budget: %v after %d attempts", err, attempts.Load())
	}
}

// A Limiter paces every attempt, retries included, on the client's own clock:
// at 2 per second, 5 attempts (one retried 503) span 2 s of that clock.
func TestLimiterPacesEveryAttemptOnTheClientsClock(t *testing.T) {
	var (
		mu    sync.Mutex
		now   = time.Unix(1_700_000_000, 0)
		times []time.Time
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sleep := func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
		return nil
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := clock()
		mu.Lock()
		times = append(times, t)
		mu.Unlock()
		if calls.Add(1) == 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := &Client{Provider: "test", Base: srv.URL, Now: clock, Sleep: sleep, MinBackoff: time.Millisecond,
		Limiter: rate.NewLimiter(2, 1)}
	for i := 0; i < 4; i++ {
		if _, err := c.Get(context.Background(), "/x", nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(times) != 5 {
		t.Fatalf("%d attempts, want 5", len(times))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 500*time.Millisecond {
			t.Errorf("attempt %d came %v after the one before, want at least 500 ms", i+1, gap)
		}
	}
}

// RingCentral restarts its penalty on any request sent before Retry-After
// ends (docs/providers/ringcentral.md): a wait over MaxBackoff is taken in full when the
// retry budget covers it, and refused, without an early request, when not.
// Waits up to MaxBackoff are rate limiting and do not touch the budget.
func TestRetryAfterIsHonouredInFullOrTheRequestStops(t *testing.T) {
	for _, tc := range []struct {
		name        string
		retryAfter  string
		budget      time.Duration // 0: the default 45 s
		wantSlept   time.Duration
		wantErr     []string
		wantAttempt int32
	}{
		{"60 s under a 1 s budget: rate limiting, as before", "60", time.Second, 60 * time.Second, nil, 2},
		{"90 s under a 2 min budget", "90", 2 * time.Minute, 90 * time.Second, nil, 2},
		{"90 s under the default budget", "90", 0, 0,
			[]string{"ringcentral asked to wait 1m30s (Retry-After) before the next request", "retry_budget 45s", "run again later", "raise [network] retry_budget", "/restapi/v1.0/x", "HTTP 429"}, 1},
		{"5 min under the default budget", "300", 0, 0, []string{"wait 5m0s (Retry-After)", "retry_budget 45s"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if attempts.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
				}
			}))
			defer api.Close()
			clk := fakeclock.New(time.Unix(1_700_000_000, 0))
			c := &Client{Provider: "ringcentral", Base: api.URL, Now: clk.Now, Sleep: clk.Sleep}
			_, err := c.Get(WithPolicy(context.Background(), Policy{Budget: tc.budget}), "/restapi/v1.0/x", nil)
			if n := attempts.Load(); n != tc.wantAttempt {
				t.Errorf("%d requests, want %d", n, tc.wantAttempt)
			}
			if clk.Total() != tc.wantSlept {
				t.Errorf("waited %v, want %v", clk.Slept(), tc.wantSlept)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			}
			// the next request on this client still waits for the server's instant
			if _, err := c.Get(context.Background(), "/restapi/v1.0/x", nil); err != nil || clk.Longest() != RetryAfter(http.Header{"Retry-After": {tc.retryAfter}}) {
				t.Errorf("next request: %v after waits %v, want it sent only once the server's wait is over", err, clk.Slept())
			}
		})
	}
}

// Issue #25: the 45 s budget was overshot by a whole 20 s request timeout.
// Once failed attempts have spent some of the budget, an attempt gets only
// what is left of it, so a request never outlives its budget by more than the
// time it takes to notice.
func TestARequestNeverOverrunsItsRetryBudget(t *testing.T) {
	release := make(chan struct{})
	var attempts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer api.Close()
	defer close(release)
	clk := fakeclock.New(time.Unix(1_700_000_000, 0)) // backoff costs no real time: the wall clock measures the attempts
	c := &Client{Provider: "salesforce", Base: api.URL, MinBackoff: 10 * time.Millisecond, Now: clk.Now, Sleep: clk.Sleep}
	const timeout, budget, margin = 300 * time.Millisecond, 450 * time.Millisecond, 100 * time.Millisecond
	start := time.Now()
	_, err := c.Get(WithPolicy(context.Background(), Policy{Timeout: timeout, Budget: budget}), "/services/data/v65.0/query", nil)
	took := time.Since(start) + clk.Total()
	if err == nil || !strings.Contains(err.Error(), "retry budget") {
		t.Fatalf("err = %v, want the retry budget spent", err)
	}
	if attempts.Load() != 2 {
		t.Errorf("%d attempts, want 2: a full one and one with what was left", attempts.Load())
	}
	if took > budget+margin {
		t.Errorf("the request took %v under a %v budget (attempts of %v)", took, budget, timeout)
	}
}
