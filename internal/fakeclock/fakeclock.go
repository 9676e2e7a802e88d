// Package fakeclock is time for tests that moves only when the code under
// test sleeps: rate-limit waits, backoffs and poll intervals cost no real
// time, and the test can read back every wait.
package fakeclock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is virtual time; its Now and Sleep go where the code takes a clock.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// New is a clock that reads start until something sleeps.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now is the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the time forward by d at once, unless ctx is done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// Slept lists the waits, in order.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

// Total is the sum of the waits.
func (c *Clock) Total() time.Duration {
	var sum time.Duration
	for _, d := range c.Slept() {
		sum += d
	}
	return sum
}

// Longest is the longest single wait (0 when nothing slept).
func (c *Clock) Longest() time.Duration {
	return slices.Max(append([]time.Duration{0}, c.Slept()...))
}
