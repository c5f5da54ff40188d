// Package fakeclock is a clock for tests: waits end at once, or when the test
// says, and every wait is recorded. It satisfies retry.Clock.
package fakeclock

import (
	"sync"
	"time"
)

// Clock starts at a fixed time and moves only when something waits on it.
// It is safe for concurrent use.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	// hold, when set, makes waits block until Release (or forever).
	hold    bool
	waiting chan time.Duration
	release chan struct{}
}

// New returns a clock whose waits end at once, moving the clock forward.
func New() *Clock {
	return &Clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// NewHolding returns a clock whose waits block; Waiting reports each one as
// it starts, and Release ends them.
func NewHolding() *Clock {
	c := New()
	c.hold = true
	c.waiting = make(chan time.Duration, 64)
	c.release = make(chan struct{})
	return c
}

// Now reports the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After records the wait, moves the clock by d and returns a channel that
// fires at once (or, for a holding clock, after Release).
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !c.hold {
		ch <- now
		return ch
	}
	c.waiting <- d
	go func() {
		<-c.release
		ch <- now
	}()
	return ch
}

// Waits returns the waits so far, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// Waiting receives each wait of a holding clock as it starts.
func (c *Clock) Waiting() <-chan time.Duration { return c.waiting }

// Release ends every wait of a holding clock, now and later.
func (c *Clock) Release() { close(c.release) }
