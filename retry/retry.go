package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Defaults used for the zero fields of a Policy.
const (
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 30 * time.Second
	DefaultMultiplier      = 2.0
	DefaultJitter          = 0.5
	DefaultMaxAttempts     = 5
	DefaultMaxElapsedTime  = 5 * time.Minute
	DefaultMaxRetryAfter   = 2 * time.Minute
)

// NoJitter turns jitter off when used as Policy.Jitter: every wait is exactly the computed interval.
const NoJitter = -1.0

// Policy says how Do repeats an operation. The zero value is usable: each
// zero field takes its Default. A Policy is a plain value; Do never changes it.
type Policy struct {
	// InitialInterval is the first wait; MaxInterval caps every later one;
	// each wait is Multiplier times the one before.
	InitialInterval, MaxInterval time.Duration
	Multiplier                   float64
	// Jitter spreads each wait at random by up to this fraction either way
	// (0.5: from half to one and a half times). NoJitter turns it off.
	Jitter float64
	// MaxAttempts counts every call of the operation, the first included.
	MaxAttempts int
	// MaxElapsedTime bounds the whole of Do: no wait starts that would end
	// after it.
	MaxElapsedTime time.Duration
	// MaxRetryAfter is the longest wait Do honours when a failure asks for
	// one (Waiter). A failure that asks for more ends Do with an error
	// that says so: Do never waits less than it was asked.
	MaxRetryAfter time.Duration
	// Notify, when set, is called before each wait with the failure, the
	// wait and the number of the attempt that failed.
	Notify func(err error, wait time.Duration, attempt int)
	// Clock, when set, replaces the real clock: tests use it so they never
	// sleep.
	Clock Clock
}

// Clock is the time Do reads and waits on.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// Waiter is implemented by errors that know how long to wait before the
// next attempt, such as an HTTP 429 with a Retry-After header.
type Waiter interface {
	RetryAfter() (time.Duration, bool)
}

// Permanent marks err as not worth repeating: Do returns it at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return backoff.Permanent(err)
}

// Error is what Do returns when it stops repeating a failing operation: the
// attempts ran out, the time ran out, the context ended, or a failure asked
// for a wait longer than the policy allows. Its text is the last failure's
// own, as client-go's retry.OnError gives it back: a message never says
// "gave up" on top of what went wrong. How many attempts were made is
// Attempts, reachable with errors.As.
type Error struct {
	// Attempts is how many times the operation ran.
	Attempts int
	// Err is the last failure.
	Err error
	// ContextErr is the context's error when cancellation ended Do.
	ContextErr error
	// Wait is the wait that was asked for, when it was above MaxRetryAfter.
	Wait, MaxRetryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.ContextErr != nil && errors.Is(e.Err, e.ContextErr):
		return e.Err.Error()
	case e.ContextErr != nil:
		return fmt.Sprintf("%v (stopped: %v)", e.Err, e.ContextErr)
	case e.Wait > 0:
		return fmt.Sprintf("%v (asked to wait %v before trying again, more than the %v allowed by the retry policy's MaxRetryAfter)",
			e.Err, e.Wait, e.MaxRetryAfter)
	default:
		return e.Err.Error()
	}
}

// Unwrap returns the last failure and, when cancellation ended Do, the
// context's error, so errors.Is matches either.
func (e *Error) Unwrap() []error {
	if e.ContextErr != nil {
		return []error{e.ContextErr, e.Err}
	}
	return []error{e.Err}
}

func (p Policy) withDefaults() Policy {
	if p.InitialInterval <= 0 {
		p.InitialInterval = DefaultInitialInterval
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = DefaultMaxInterval
	}
	if p.Multiplier < 1 {
		p.Multiplier = DefaultMultiplier
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = DefaultJitter
	case p.Jitter < 0:
		p.Jitter = 0
	case p.Jitter > 1:
		p.Jitter = 1
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.MaxElapsedTime <= 0 {
		p.MaxElapsedTime = DefaultMaxElapsedTime
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if p.Clock == nil {
		p.Clock = realClock{}
	}
	return p
}

// Do calls op until it succeeds, returns a Permanent error, or the policy
// gives up; it waits between attempts as the policy and the failures say,
// and returns at once when ctx ends, also during a wait. The error it
// returns is op's own for a Permanent failure, and otherwise an *Error that
// wraps the last failure.
func Do(ctx context.Context, p Policy, op func(context.Context) error) error {
	p = p.withDefaults()
	exp := &backoff.ExponentialBackOff{
		InitialInterval:     p.InitialInterval,
		RandomizationFactor: p.Jitter,
		Multiplier:          p.Multiplier,
		MaxInterval:         p.MaxInterval,
		MaxElapsedTime:      p.MaxElapsedTime,
		Stop:                backoff.Stop,
		Clock:               p.Clock,
	}
	ra := &retryAfterBackOff{BackOff: backoff.WithMaxRetries(exp, uint64(p.MaxAttempts-1)), exp: exp, max: p.MaxElapsedTime}
	// WithContext must be the outermost decorator, or a cancelled context
	// is not noticed during a wait.
	b := backoff.WithContext(ra, ctx)

	var attempts int
	var last error
	var tooLong *Error
	operation := func() error {
		attempts++
		err := op(ctx)
		if err == nil {
			return nil
		}
		last = err
		var perm *backoff.PermanentError
		if errors.As(err, &perm) {
			return err
		}
		var asks Waiter
		if errors.As(err, &asks) {
			if wait, ok := asks.RetryAfter(); ok && wait > 0 {
				if wait > p.MaxRetryAfter {
					tooLong = &Error{Attempts: attempts, Err: err, Wait: wait, MaxRetryAfter: p.MaxRetryAfter}
					return backoff.Permanent(tooLong)
				}
				ra.wait = wait
			}
		}
		return err
	}
	notify := func(err error, wait time.Duration) {
		if p.Notify != nil {
			p.Notify(err, wait, attempts)
		}
	}
	err := backoff.RetryNotifyWithTimer(operation, b, notify, &timer{clock: p.Clock})
	switch {
	case err == nil:
		return nil
	case tooLong != nil:
		return tooLong
	case last == nil: // the context ended before the first attempt
		return err
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		var inner *Error
		if errors.As(last, &inner) && inner.ContextErr != nil {
			return last // a nested Do already said it: do not say it twice
		}
		return &Error{Attempts: attempts, Err: last, ContextErr: ctx.Err()}
	case errors.Is(err, last) && !isPermanent(last):
		return &Error{Attempts: attempts, Err: last}
	default:
		return err // op's own Permanent error, unwrapped
	}
}

func isPermanent(err error) bool {
	var perm *backoff.PermanentError
	return errors.As(err, &perm)
}

// retryAfterBackOff replaces the next interval with the wait the last
// failure asked for, if any, within the policy's elapsed-time bound.
type retryAfterBackOff struct {
	backoff.BackOff
	exp  *backoff.ExponentialBackOff
	max  time.Duration
	wait time.Duration
}

func (b *retryAfterBackOff) NextBackOff() time.Duration {
	next := b.BackOff.NextBackOff()
	wait := b.wait
	b.wait = 0
	if next == backoff.Stop || wait == 0 {
		return next
	}
	if b.exp.GetElapsedTime()+wait > b.max {
		return backoff.Stop
	}
	return wait
}

func (b *retryAfterBackOff) Reset() {
	b.wait = 0
	b.BackOff.Reset()
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// timer adapts a Clock to backoff.Timer.
type timer struct {
	clock Clock
	c     <-chan time.Time
}

func (t *timer) Start(d time.Duration) { t.c = t.clock.After(d) }
func (t *timer) Stop()                 {}
func (t *timer) C() <-chan time.Time   { return t.c }
