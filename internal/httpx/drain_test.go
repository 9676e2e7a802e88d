package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A stop while a draining request is in flight lets that attempt run to its
// answer; once stopped, nothing new starts: no retry, and a wait ends at once.
func TestDrainingLetsTheAttemptInFlightFinishAndStartsNothingNew(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		started <- struct{}{}
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := &Client{Provider: "test", Base: srv.URL}
	stop, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel(); close(release) }()
	if _, err := c.Get(Draining(stop), "/write", nil); err != nil {
		t.Fatalf("the attempt in flight was cut off by the stop: %v", err)
	}
	if _, err := c.Get(Draining(stop), "/next", nil); !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Errorf("after the stop: %v, %d requests: want no new request", err, calls.Load())
	}
	begun := time.Now()
	if err := c.Wait(Draining(stop), time.Hour); !errors.Is(err, context.Canceled) || time.Since(begun) > 10*time.Second {
		t.Errorf("a wait after the stop: %v after %s", err, time.Since(begun))
	}
}

// A retry does not start once the stop has come, though the budget allows it.
func TestDrainingStartsNoRetryAfterTheStop(t *testing.T) {
	var calls atomic.Int32
	stop, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		cancel() // the signal comes while the server fails this attempt
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := &Client{Provider: "test", Base: srv.URL, Sleep: func(context.Context, time.Duration) error { return nil }}
	if _, err := c.Get(Draining(stop), "/write", nil); !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Errorf("%v after %d attempts: want the stop to end the retries", err, calls.Load())
	}
}
