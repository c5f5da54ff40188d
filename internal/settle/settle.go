// Package settle holds how a write of several requests is carried through
// and ended, for client.UpdateFlow, dataaction.SetTimeout and the probe
// alike: started over from a fresh read under the client's retry policy,
// finished after its caller was cancelled, and reported as stopped when a
// cancellation ended it.
package settle

import (
	"context"
	"errors"
	"time"

	"github.com/gcflow/timeouts/retry"
)

// Timeout bounds the work that settles a write after its caller was
// cancelled: a read-back, the release of a lock, a scratch flow's deletion.
const Timeout = 30 * time.Second

// AfterCancel is a context for that work: it outlives ctx's cancellation,
// keeps its values, and ends after Timeout.
func AfterCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), Timeout)
}

// Again repeats op, which starts over from a fresh read, under p: a
// conflict, a lock that may end, a write whose answer was lost. Its waits
// are not the request layer's, so p.Notify, which tells about requests, is
// not called.
func Again(ctx context.Context, p retry.Policy, op func(context.Context) error) error {
	p.Notify = nil
	return retry.Do(ctx, p, op)
}

// Stopped reports whether ctx's end is what ended err, and returns the
// error to say: ctx's own in that case, so that the error says "stopped"
// once, not the layers it went through; else err.
func Stopped(ctx context.Context, err error) (bool, error) {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return true, ctx.Err()
	}
	return false, err
}
