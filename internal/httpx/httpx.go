// Package httpx is the one HTTP client every voiceid API client goes through.
// It decides, from status, headers and body, whether to retry after a pause,
// re-authenticate once, or give up, so that no client grows its own sleeps.
package httpx

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// x/time/rate is the Go team's token bucket; its ReserveN and DelayFrom take
	// the time as an argument, so a budget runs on the client's (test) clock.
	"golang.org/x/time/rate"
)

// Action is what the client does with the outcome of one attempt.
type Action int

const (
	Done   Action = iota // success: hand the response to the caller
	Retry                // transient: wait, then try again
	Reauth               // credentials rejected: drop the token, mint a new one, try once more
	Fail                 // permanent: return an error now
)

// Verdict is a classifier's decision about one attempt.
type Verdict struct {
	Action Action
	// After is how long to wait before the next request. With Retry it is the
	// server's requested delay (0 = exponential backoff); with Done it asks
	// the client to slow down before the next call (a rate-limit window ran out).
	After time.Duration
	// Backoff, with Retry and no After, is the first wait of this kind of
	// failure (0: the client's MinBackoff); it doubles with each attempt.
	Backoff time.Duration
	Code    string // provider error code, for messages (CMN-301, INVALID_SESSION_ID, ...)
	Message string // provider error message, for messages
	// Err, with Fail, is wrapped by the request's error so that callers can
	// branch on it with errors.Is (a provider's daily limit).
	Err error
}

// Classifier decides what an attempt's outcome means. err is a transport
// error (status is 0 then); body is already read and size-limited.
type Classifier func(status int, h http.Header, body []byte, err error) Verdict

// Authorizer adds credentials to a request and forgets them when rejected.
type Authorizer interface {
	Authorize(ctx context.Context, req *http.Request) error
	Invalidate()
}

// Client sends requests to one API. The zero values of the tuning fields
// select the defaults documented on each.
type Client struct {
	Provider string // named in every error: the provider's name, or "salesforce"
	Base     string // scheme://host, no path
	HTTP     *http.Client
	Auth     Authorizer // nil: no credentials (the token endpoints)
	Classify Classifier // nil: Classify

	MaxAttempts int           // per request; default 6
	MinBackoff  time.Duration // first backoff; default 1s
	// MaxBackoff caps backoff (default 60s). A longer wait a server asks for
	// is honoured in full when the retry budget covers it, else the request fails.
	MaxBackoff time.Duration
	MaxBody    int64 // response size limit; default 64 MiB
	// Sleep waits for d or until ctx ends; tests replace it, with Now, to keep time virtual.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// Limiter, when set, paces every attempt (retries too) ahead of time, on Now and Sleep.
	Limiter *rate.Limiter

	calls    atomic.Int64
	mu       sync.Mutex
	notUntil time.Time // no request before this instant (rate-limit window)
}

// Policy bounds how long one logical request may take when a service hangs
// or keeps failing, and where each retry is told. It travels in the context
// (WithPolicy) so that one run sets it once for every client it makes.
type Policy struct {
	// Timeout is one attempt's limit, from sending to the last byte read
	// (default DefaultTimeout).
	Timeout time.Duration
	// Budget is the time one request may spend on failed attempts and their
	// backoff before it gives up (default DefaultBudget); once some is spent,
	// an attempt gets only what is left of it. Waits up to MaxBackoff a server
	// asks for with 429 are rate limiting, not failure, and do not count; a
	// longer wait is taken only when it fits in what is left.
	Budget time.Duration
	// Log gets one line per retry: the service, the endpoint, why and the wait.
	Log *slog.Logger
}

// Defaults of Policy: a hanging service fails a run in well under a minute.
const (
	DefaultTimeout = 20 * time.Second
	DefaultBudget  = 45 * time.Second
)

type policyKey struct{}

type drainKey struct{}

// Draining returns a context for requests that a stop must not cut off
// mid-answer (a write whose answer says what Salesforce now holds): once stop
// ends, the attempt in flight runs to its answer, within its timeout, and no
// further attempt, retry or wait begins. It keeps stop's values (the Policy).
func Draining(stop context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(stop), drainKey{}, stop)
}

// halted is the error of a draining context's stop once it has ended, else ctx's own.
func halted(ctx context.Context) error {
	if stop, ok := ctx.Value(drainKey{}).(context.Context); ok && stop.Err() != nil {
		return context.Cause(stop)
	}
	return ctx.Err()
}

// interruptible is ctx, also ended when a draining context's stop ends: waits
// give way to a stop, attempts in flight do not.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	stop, ok := ctx.Value(drainKey{}).(context.Context)
	if !ok {
		return ctx, func() {}
	}
	c, cancel := context.WithCancelCause(ctx)
	unhook := context.AfterFunc(stop, func() { cancel(context.Cause(stop)) })
	return c, func() { unhook(); cancel(nil) }
}

// WithPolicy returns a context whose requests follow p.
func WithPolicy(ctx context.Context, p Policy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

func policyOf(ctx context.Context) Policy {
	p, _ := ctx.Value(policyKey{}).(Policy)
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.Budget <= 0 {
		p.Budget = DefaultBudget
	}
	return p
}

// Response is a completed request whose body has been read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Error is a request that failed for good. It never holds credentials.
type Error struct {
	Provider string
	Method   string
	Endpoint string // path only: queries may be long and are not needed to locate the call
	Status   int    // 0 when the server never answered
	Code     string
	Message  string
	Attempts int
	Err      error // transport error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s", e.Provider, e.Method, e.Endpoint)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// StatusOf is the HTTP status a request failed with; 0 when err is not an
// *Error or the server never answered.
func StatusOf(err error) int {
	var he *Error
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// Calls reports how many HTTP requests the client has sent, retries included.
func (c *Client) Calls() int64 { return c.calls.Load() }

// Get is Do with GET and no body.
func (c *Client) Get(ctx context.Context, target string, q url.Values) (*Response, error) {
	return c.Do(ctx, http.MethodGet, target, q, nil, nil)
}

// Do sends one logical request, retrying as the classifier says. target is a
// path below Base or an absolute URL on the same host (a server's next-page link).
func (c *Client) Do(ctx context.Context, method, target string, q url.Values, body []byte, header http.Header) (*Response, error) {
	u, err := c.resolve(target, q)
	if err != nil {
		return nil, &Error{Provider: c.Provider, Method: method, Endpoint: target, Err: err}
	}
	classify := c.Classify
	if classify == nil {
		classify = Classify
	}
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 6
	}
	pol := policyOf(ctx)
	reauthed := false
	var last Verdict
	var lastStatus int
	var lastErr error
	var spent time.Duration // on failed attempts and their backoff: the budget's measure
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err := halted(ctx); err != nil { // stopped: no new attempt, whatever the budget
			return nil, c.fail(method, u, lastStatus, Verdict{}, attempt-1, err)
		}
		if err := c.waitTurn(ctx); err != nil {
			return nil, c.fail(method, u, lastStatus, Verdict{}, attempt-1, err)
		}
		timeout := pol.Timeout
		if spent > 0 { // a retry never runs past the budget
			timeout = min(timeout, pol.Budget-spent)
		}
		start := c.now()
		status, h, data, err := c.sendWithin(ctx, timeout, method, u, body, header)
		if ctx.Err() != nil {
			return nil, c.fail(method, u, status, Verdict{}, attempt, ctx.Err())
		}
		took := c.now().Sub(start)
		if errors.Is(err, errAttemptTimeout) {
			took = max(took, timeout) // counted as the limit even on a clock that tests hold still
		}
		v := classify(status, h, data, err)
		last, lastStatus, lastErr = v, status, err
		switch v.Action {
		case Done:
			if v.After > 0 {
				c.pause(v.After)
			}
			return &Response{Status: status, Header: h, Body: data}, nil
		case Fail:
			return nil, c.fail(method, u, status, v, attempt, err)
		case Reauth:
			if reauthed || c.Auth == nil {
				return nil, c.fail(method, u, status, v, attempt, err)
			}
			reauthed = true
			c.Auth.Invalidate()
			attempt-- // a refreshed token is not a retry of a failing server
		case Retry:
			wait, werr := c.retryWait(pol, &spent, took, status, h, v, attempt, err)
			if werr != nil {
				return nil, c.fail(method, u, status, v, attempt, werr)
			}
			if attempt < maxAttempts {
				if pol.Log != nil {
					pol.Log.Warn("retrying", "service", c.Provider, "endpoint", method+" "+u.Path, "attempt", attempt,
						"reason", reason(status, v, err), "wait", wait.Round(time.Millisecond).String())
				}
				c.pause(wait)
			}
		}
	}
	return nil, c.fail(method, u, lastStatus, last, maxAttempts, lastErr)
}

// retryWait is the wait before the next attempt. It charges the budget with
// the failed attempt (a 429 is not a failure) and the wait, and is an error
// when the budget cannot cover them. A server's wait longer than MaxBackoff
// is taken in full or not at all: a request sent during a penalty may restart
// it (docs/providers: rate limits), so a shortened wait would only fail again.
func (c *Client) retryWait(pol Policy, spent *time.Duration, took time.Duration, status int, h http.Header, v Verdict, attempt int, err error) (time.Duration, error) {
	if status != http.StatusTooManyRequests {
		*spent += took
	}
	if v.After > c.maxBackoff() {
		if *spent+v.After >= pol.Budget { // nothing would be left for the attempt
			c.pause(v.After) // no request on this client before the server allows it
			return 0, &waitError{provider: c.Provider, wait: v.After, header: h.Get("Retry-After") != "", budget: pol.Budget, spent: *spent}
		}
		*spent += v.After
		return v.After, nil
	}
	wait := v.After
	if wait <= 0 {
		wait = c.backoff(attempt, v.Backoff)
	}
	wait = min(wait, c.maxBackoff())
	if status != http.StatusTooManyRequests {
		if *spent+wait >= pol.Budget { // nothing would be left for the attempt
			return 0, fmt.Errorf("gave up after %s of failed attempts (retry budget %s): %w", spent.Round(time.Millisecond), pol.Budget, orStatus(err, status))
		}
		*spent += wait
	}
	return wait, nil
}

// waitError is a wait a server asked for that the retry budget cannot cover.
type waitError struct {
	provider      string
	wait          time.Duration
	header        bool // the wait came from Retry-After
	budget, spent time.Duration
}

func (e *waitError) Error() string {
	from, left := "", ""
	if e.header {
		from = " (Retry-After)"
	}
	if e.spent > 0 {
		left = fmt.Sprintf(", of which %s is spent", e.spent.Round(time.Millisecond))
	}
	return fmt.Sprintf("%s asked to wait %s%s before the next request, more than retry_budget %s allows%s: run again later, or raise [network] retry_budget",
		e.provider, e.wait.Round(time.Second), from, e.budget, left)
}

// errAttemptTimeout is one attempt running past Policy.Timeout.
var errAttemptTimeout = errors.New("no complete answer within the request timeout")

// sendWithin is send bounded by timeout; the caller's own cancellation stays
// distinguishable from the attempt's.
func (c *Client) sendWithin(ctx context.Context, timeout time.Duration, method string, u *url.URL, body []byte, header http.Header) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeoutCause(ctx, timeout, errAttemptTimeout)
	defer cancel()
	status, h, data, err := c.send(actx, method, u, body, header)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errAttemptTimeout) {
		err = fmt.Errorf("%w (%s)", errAttemptTimeout, timeout)
	}
	return status, h, data, err
}

// orStatus is err, or the status as an error when the attempt had an answer.
func orStatus(err error, status int) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("HTTP %d", status)
}

// reason says in a few words why an attempt is retried.
func reason(status int, v Verdict, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case v.Code != "":
		return fmt.Sprintf("HTTP %d %s", status, v.Code)
	}
	return fmt.Sprintf("HTTP %d", status)
}

func (c *Client) resolve(target string, q url.Values) (*url.URL, error) {
	base, err := url.Parse(c.Base)
	if err != nil {
		return nil, err
	}
	u, err := base.Parse(target)
	if err != nil {
		return nil, err
	}
	if u.Host != base.Host || u.Scheme != base.Scheme {
		// credentials must never follow a link to another host
		return nil, fmt.Errorf("refusing to follow a link to another host %q", u.Host)
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, vs := range q {
			merged[k] = vs
		}
		u.RawQuery = merged.Encode()
	}
	return u, nil
}

func (c *Client) send(ctx context.Context, method string, u *url.URL, body []byte, header http.Header) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.Auth != nil {
		if err := c.Auth.Authorize(ctx, req); err != nil {
			return 0, nil, nil, &authError{err}
		}
	}
	c.calls.Add(1)
	hc := c.HTTP
	if hc == nil {
		hc = DefaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if limit <= 0 {
		limit = 64 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.StatusCode, resp.Header, nil, err
	}
	if int64(len(data)) > limit {
		return resp.StatusCode, resp.Header, nil, &tooLarge{limit}
	}
	return resp.StatusCode, resp.Header, data, nil
}

// authError is a failure to obtain credentials; it is never retried here
// because the token endpoint has its own client with its own retries.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string { return fmt.Sprintf("response larger than %d bytes", e.limit) }

// DefaultHTTP is the transport used when a Client has none: TLS verification
// stays on, and no request may hang longer than a minute.
var DefaultHTTP = &http.Client{Timeout: 60 * time.Second}

func (c *Client) fail(method string, u *url.URL, status int, v Verdict, attempts int, err error) error {
	var ae *authError
	if errors.As(err, &ae) {
		return ae.err // already names the provider and endpoint
	}
	msg := v.Message
	if msg == "" && status != 0 && err == nil {
		msg = http.StatusText(status)
	}
	if err == nil {
		err = v.Err
	}
	return &Error{Provider: c.Provider, Method: method, Endpoint: u.Path, Status: status,
		Code: v.Code, Message: msg, Attempts: attempts, Err: err}
}

// backoff is the wait before attempt+1: first (else MinBackoff, else 1 s)
// doubled per attempt, capped, with jitter.
func (c *Client) backoff(attempt int, first time.Duration) time.Duration {
	d := cmp.Or(first, c.MinBackoff)
	if d <= 0 {
		d = time.Second
	}
	for i := 1; i < attempt && d < c.maxBackoff(); i++ {
		d *= 2
	}
	// full jitter in the upper half keeps parallel clients from retrying in step
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (c *Client) maxBackoff() time.Duration {
	if c.MaxBackoff <= 0 {
		return 60 * time.Second
	}
	return c.MaxBackoff
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) pause(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.now().Add(d); t.After(c.notUntil) {
		c.notUntil = t
	}
}

func (c *Client) waitTurn(ctx context.Context) error {
	c.mu.Lock()
	wait := c.notUntil.Sub(c.now())
	c.mu.Unlock()
	if wait > 0 {
		if err := c.Wait(ctx, wait); err != nil {
			return err
		}
	}
	if c.Limiter == nil {
		return nil
	}
	now := c.now()
	r := c.Limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		d = (d + time.Microsecond - 1).Truncate(time.Microsecond) // the bucket's float arithmetic can come out a nanosecond short
		if err := c.Wait(ctx, d); err != nil {
			r.CancelAt(c.now()) // the turn was not taken: give it back
			return err
		}
	}
	return nil
}

// Wait waits for d, or until ctx ends, on the client's clock (its Sleep in tests).
func (c *Client) Wait(ctx context.Context, d time.Duration) error {
	ctx, cancel := interruptible(ctx)
	defer cancel()
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Classify is the default classifier: 2xx done; 401 re-authenticate; 408,
// 429 and 5xx retry (after Retry-After when given); transport errors retry;
// anything else fails.
func Classify(status int, h http.Header, body []byte, err error) Verdict {
	if err != nil {
		var ae *authError
		var tl *tooLarge
		if errors.As(err, &ae) || errors.As(err, &tl) {
			return Verdict{Action: Fail}
		}
		return Verdict{Action: Retry}
	}
	switch {
	case status >= 200 && status < 300:
		return Verdict{Action: Done}
	case status == http.StatusUnauthorized:
		return Verdict{Action: Reauth}
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return Verdict{Action: Retry, After: RetryAfter(h)}
	}
	return Verdict{Action: Fail}
}

// RetryAfter reads a Retry-After header in seconds or as an HTTP date; 0 if absent.
func RetryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
