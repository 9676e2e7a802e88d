// Package sandbox holds the Salesforce simulator, what every simulator shares
// (faults, the request log, rate buckets), the generated organisations and the
// stack that runs each telephony provider's simulator beside Salesforce's.
// voiceid's demo runs against them, and every client test goes through them
// over real HTTP.
package sandbox

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Fault makes the simulator answer some requests badly. A fault matches the
// requests whose path starts with Path (all when empty); it fires on the
// Nth matching request (1-based; 0 = the next one) and then Times-1 more
// matching requests after it (Times 0 = once).
type Fault struct {
	Path   string
	Method string // "" = any
	Nth    int
	Times  int
	Status int
	Header map[string]string
	Body   string // sent as is; "" sends a JSON error body in the API's shape
	// Truncate cuts the real answer's body after this many bytes (a broken page).
	Truncate int
	// Delay holds the answer back (a slow server); with Status 0 the real answer follows.
	Delay time.Duration
	// Reset closes the connection without an answer.
	Reset bool
	// Fired, when set, is sent a value each time the fault fires, once the
	// request, body included, has arrived: a test waits on it instead of
	// polling a clock. The send never blocks (a full channel misses it), so
	// give it room.
	Fired chan<- struct{}
	// Hold, when set, holds the answer back until it is closed (or the client
	// goes away); with Status 0 the real answer follows.
	Hold <-chan struct{}

	seen, fired int
}

// Base is what every simulator shares: a loopback server, a request log and
// faults. A simulator embeds it and calls Start with its handler.
type Base struct {
	// Mu guards the log and the faults, and the state of the simulator built on Base.
	Mu sync.Mutex
	// ErrorBody renders the API's own error shape for an injected status.
	ErrorBody func(status int, path string) any

	srv    *httptest.Server
	faults []*Fault
	count  map[string]int // requests per path
	status map[int]int    // answers per status code
	total  int
}

// URL is the simulator's base URL (scheme and host).
func (b *Base) URL() string { return b.srv.URL }

// Close stops the simulator.
func (b *Base) Close() { b.srv.Close() }

// Inject adds a fault.
func (b *Base) Inject(f Fault) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.faults = append(b.faults, &f)
}

// Requests counts the requests received whose path starts with prefix ("" = all).
func (b *Base) Requests(prefix string) int {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	if prefix == "" {
		return b.total
	}
	n := 0
	for p, c := range b.count {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// Start serves h on loopback, behind the request log and the faults.
func (b *Base) Start(h http.Handler) {
	b.count, b.status = map[string]int{}, map[int]int{}
	b.srv = httptest.NewServer(b.wrap(h))
}

// Answered counts the answers sent with this status code.
func (b *Base) Answered(status int) int {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return b.status[status]
}

// statusWriter remembers the status code an answer was sent with.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

// wrap counts requests and answers, and applies faults before the real handler.
func (b *Base) wrap(h http.Handler) http.Handler {
	inner := b.faulty(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		inner.ServeHTTP(sw, r)
		b.Mu.Lock()
		b.status[sw.code]++
		b.Mu.Unlock()
	})
}

func (b *Base) faulty(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit := b.fire(r)
		if hit == nil {
			h.ServeHTTP(w, r)
			return
		}
		if !hit.wait(r) {
			return
		}
		switch {
		case hit.Reset:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
		case hit.Truncate > 0:
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			body := rec.Body.Bytes()
			w.WriteHeader(rec.Code)
			w.Write(body[:min(hit.Truncate, len(body))])
		case hit.Status != 0:
			for k, v := range hit.Header {
				w.Header().Set(k, v)
			}
			if hit.Body != "" {
				w.WriteHeader(hit.Status)
				w.Write([]byte(hit.Body))
				return
			}
			WriteJSON(w, hit.Status, b.ErrorBody(hit.Status, r.URL.Path))
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// fire counts the request and returns the fault it fires, if any.
func (b *Base) fire(r *http.Request) *Fault {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.count[r.URL.Path]++
	b.total++
	for _, f := range b.faults {
		if (f.Path != "" && !strings.HasPrefix(r.URL.Path, f.Path)) || (f.Method != "" && f.Method != r.Method) {
			continue
		}
		f.seen++
		times := max(f.Times, 1)
		start := max(f.Nth, 1)
		if f.Nth == 0 {
			start = f.seen - f.fired // the next one
		}
		if f.seen >= start && f.fired < times {
			f.fired++
			return f
		}
	}
	return nil
}

// wait tells Fired and holds the answer back for Delay or until Hold; it is
// false when the client went away meanwhile.
func (f *Fault) wait(r *http.Request) bool {
	if f.Delay > 0 || f.Hold != nil || f.Fired != nil {
		// with the body read, the server notices a client that goes away
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if f.Fired != nil {
		select {
		case f.Fired <- struct{}{}:
		default:
		}
	}
	if f.Delay == 0 && f.Hold == nil {
		return true
	}
	var delay <-chan time.Time // nil: no delay, only Hold
	if f.Delay > 0 {
		delay = time.After(f.Delay)
	}
	select {
	case <-delay:
	case <-f.Hold:
	case <-r.Context().Done():
		return false
	}
	return true
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Bucket is a fixed-window request counter for simulated rate limits.
type Bucket struct {
	Limit  int
	Window time.Duration
	start  time.Time
	used   int
}

// Take counts one request at now; it returns the requests left and whether
// the request is over the limit.
func (k *Bucket) Take(now time.Time) (remaining int, over bool) {
	if now.Sub(k.start) >= k.Window {
		k.start, k.used = now, 0
	}
	if k.used >= k.Limit {
		return 0, true
	}
	k.used++
	return k.Limit - k.used, false
}

// Reset is the instant the current window ends.
func (k *Bucket) Reset() time.Time { return k.start.Add(k.Window) }

// Page is the page-th (1-based) run of per items of all: empty past the end.
func Page[T any](all []T, page, per int) []T {
	start := (page - 1) * per
	if start >= len(all) || start < 0 {
		return nil
	}
	return all[start:min(len(all), start+per)]
}

// RandHex is n random bytes in hex: the tokens a simulator issues.
func RandHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
