// Package retry repeats an operation with exponential backoff, honours the
// waits that failures ask for (an HTTP Retry-After) up to
// Policy.MaxRetryAfter, and gives up with the last real error itself: the
// attempt count is an *Error field, reached with errors.As. It knows nothing of Genesys Cloud: the operation decides
// what is worth repeating by returning Permanent(err) for what is not.
//
//	err := retry.Do(ctx, retry.Policy{MaxAttempts: 4}, func(ctx context.Context) error {
//		resp, err := call(ctx)
//		if isBadRequest(err) {
//			return retry.Permanent(err)
//		}
//		return err // transient: try again after a backoff
//	})
//
// Do is built on cenkalti/backoff/v4, with a fresh backoff per call, so a
// Policy value is safe for concurrent use by any number of goroutines.
package retry
