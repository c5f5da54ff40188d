package retry_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/internal/fakeclock"
	"github.com/gcflow/timeouts/retry"
)

var errFlaky = errors.New("flaky")

// waitErr asks for a specific wait, as an HTTP 429 with Retry-After does.
type waitErr struct{ wait time.Duration }

func (e waitErr) Error() string                            { return fmt.Sprintf("slow down for %v", e.wait) }
func (e waitErr) RetryAfter() (time.Duration, bool)        { return e.wait, true }
func failing(n int, err error) func(context.Context) error { return failThen(n, err, nil) }

// failThen fails n times with err, then returns final.
func failThen(n int, err, final error) func(context.Context) error {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= n {
			return err
		}
		return final
	}
}

func exact(clock *fakeclock.Clock) retry.Policy {
	return retry.Policy{Jitter: retry.NoJitter, Clock: clock}
}

func TestDoRetriesThenSucceeds(t *testing.T) {
	clock := fakeclock.New()
	var notified []int
	p := exact(clock)
	p.Notify = func(err error, wait time.Duration, attempt int) {
		assert.ErrorIs(t, err, errFlaky)
		notified = append(notified, attempt)
	}
	require.NoError(t, retry.Do(context.Background(), p, failing(2, errFlaky)))
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second}, clock.Waits())
	assert.Equal(t, []int{1, 2}, notified)
}

func TestDoGivesUpWithTheLastError(t *testing.T) {
	clock := fakeclock.New()
	p := exact(clock)
	p.MaxAttempts = 3
	err := retry.Do(context.Background(), p, failing(10, errFlaky))
	require.Error(t, err)
	assert.ErrorIs(t, err, errFlaky)
	var re *retry.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, "flaky", err.Error(), "the last failure itself")
	assert.Len(t, clock.Waits(), 2)
}

func TestDoPermanent(t *testing.T) {
	clock := fakeclock.New()
	bad := errors.New("bad request")
	calls := 0
	err := retry.Do(context.Background(), exact(clock), func(context.Context) error {
		calls++
		return retry.Permanent(bad)
	})
	assert.Same(t, bad, err, "a permanent error comes back as it was")
	assert.Equal(t, 1, calls)
	assert.Empty(t, clock.Waits())
	assert.NoError(t, retry.Permanent(nil))
}

func TestDoHonoursRetryAfter(t *testing.T) {
	clock := fakeclock.New()
	// Default jitter: the asked-for wait is still exact.
	err := retry.Do(context.Background(), retry.Policy{Clock: clock}, failing(1, waitErr{2 * time.Second}))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{2 * time.Second}, clock.Waits())

	// Longer than the backoff would wait, and never capped below what is asked.
	clock = fakeclock.New()
	p := exact(clock)
	p.MaxInterval = time.Second
	require.NoError(t, retry.Do(context.Background(), p, failing(1, fmt.Errorf("wrapped: %w", waitErr{90 * time.Second}))))
	assert.Equal(t, []time.Duration{90 * time.Second}, clock.Waits())
}

func TestDoRetryAfterAboveCeiling(t *testing.T) {
	clock := fakeclock.New()
	p := exact(clock)
	p.MaxRetryAfter = time.Minute
	err := retry.Do(context.Background(), p, failing(5, waitErr{time.Hour}))
	require.Error(t, err)
	var re *retry.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, time.Hour, re.Wait)
	assert.Equal(t, 1, re.Attempts)
	assert.Contains(t, err.Error(), "asked to wait 1h0m0s before trying again, more than the 1m0s allowed by the retry policy")
	assert.ErrorAs(t, err, new(waitErr))
	assert.Empty(t, clock.Waits(), "gives up rather than wait less than asked")
}

func TestDoMaxElapsedTime(t *testing.T) {
	clock := fakeclock.New()
	p := exact(clock)
	p.InitialInterval, p.MaxElapsedTime, p.MaxAttempts = time.Second, 3*time.Second, 100
	err := retry.Do(context.Background(), p, failing(100, errFlaky))
	var re *retry.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, clock.Waits())

	// A requested wait that would end past the bound stops too.
	clock = fakeclock.New()
	p.Clock = clock
	err = retry.Do(context.Background(), p, failing(100, waitErr{5 * time.Second}))
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
}

func TestDoCancelledDuringWait(t *testing.T) {
	clock := fakeclock.NewHolding()
	defer clock.Release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var calls atomic.Int32
	go func() {
		done <- retry.Do(ctx, retry.Policy{Clock: clock, MaxAttempts: 10}, func(context.Context) error {
			calls.Add(1)
			return errFlaky
		})
	}()
	<-clock.Waiting() // Do is waiting after the first failure
	cancel()
	err := <-done
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, errFlaky, "the last real error comes too")
	assert.Equal(t, "flaky (stopped: context canceled)", err.Error())
	assert.Equal(t, int32(1), calls.Load())
}

func TestDoCancelledBefore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := retry.Do(ctx, retry.Policy{Clock: fakeclock.New()}, func(ctx context.Context) error { return ctx.Err() })
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDoFreshBackoffPerCall(t *testing.T) {
	clock := fakeclock.New()
	p := exact(clock)
	p.MaxAttempts = 3
	_ = retry.Do(context.Background(), p, failing(10, errFlaky))
	_ = retry.Do(context.Background(), p, failing(10, errFlaky))
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second}, clock.Waits())
}

func TestDoJitterBounds(t *testing.T) {
	clock := fakeclock.New()
	p := retry.Policy{Clock: clock, MaxAttempts: 2}
	for range 50 {
		_ = retry.Do(context.Background(), p, failing(10, errFlaky))
	}
	for _, w := range clock.Waits() {
		assert.GreaterOrEqual(t, w, 250*time.Millisecond)
		assert.LessOrEqual(t, w, 750*time.Millisecond)
	}
}

// busyErr is a failure that asks for a wait, as an HTTP 429 does.
type busyErr struct{}

func (busyErr) Error() string                     { return "busy" }
func (busyErr) RetryAfter() (time.Duration, bool) { return 3 * time.Second, true }

// Repeat an operation that fails twice, the first time asking for a wait
// of its own. The fake clock makes the waits pass at once; Notify sees each.
func ExampleDo() {
	p := retry.Policy{InitialInterval: time.Second, Jitter: retry.NoJitter, Clock: fakeclock.New(),
		Notify: func(err error, wait time.Duration, attempt int) {
			fmt.Printf("attempt %d failed (%v); waiting %v\n", attempt, err, wait)
		}}
	calls := 0
	err := retry.Do(context.Background(), p, func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return busyErr{}
		case 2:
			return errors.New("connection reset")
		}
		return nil
	})
	fmt.Println("done after", calls, "attempts; error:", err)
	// Output:
	// attempt 1 failed (busy); waiting 3s
	// attempt 2 failed (connection reset); waiting 2s
	// done after 3 attempts; error: <nil>
}
