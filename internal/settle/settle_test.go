package settle

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/gcflow/timeouts/retry"
)

func TestAfterCancel(t *testing.T) {
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	cancel()
	s, done := AfterCancel(ctx)
	defer done()
	assert.NoError(t, s.Err(), "alive although ctx was cancelled")
	assert.Equal(t, "v", s.Value(key{}))
	deadline, ok := s.Deadline()
	assert.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(Timeout), deadline, time.Second)
}

func TestAgainNeverNotifies(t *testing.T) {
	notified := 0
	p := retry.Policy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxAttempts: 3,
		Notify: func(error, time.Duration, int) { notified++ }}
	calls := 0
	err := Again(context.Background(), p, func(context.Context) error {
		calls++
		if calls < 3 {
			return errors.New("conflict")
		}
		return nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Zero(t, notified)
}

func TestStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wrapped := fmt.Errorf("GET /x: %w", context.Canceled)
	stopped, err := Stopped(ctx, wrapped)
	assert.False(t, stopped, "ctx still running: the error is the request's")
	assert.Same(t, wrapped, err)
	cancel()
	stopped, err = Stopped(ctx, wrapped)
	assert.True(t, stopped)
	assert.Equal(t, context.Canceled, err)
	other := errors.New("503")
	stopped, err = Stopped(ctx, other)
	assert.False(t, stopped, "a failure that is not the cancellation is said")
	assert.Same(t, other, err)
}
