// Package dataaction reads and changes integration (data) actions, whose
// own timeout, config.timeoutSeconds, is what a Call Data Action that uses
// the suggested timeout waits, and caps what any other waits.
//
//	a, err := dataaction.Get(ctx, c, "custom_-_...")
//	ch, err := dataaction.SetTimeout(ctx, c, a.ID, 8*time.Second, nil)
//	users, status, complete, err := dataaction.Consumers(ctx, c, a.ID)
//
// SetTimeout is the read-modify-write of one action: it edits only
// timeoutSeconds in the config's raw bytes, PATCHes the whole config with
// the version it read, and reads the action back; a stale version starts
// over from a fresh read. A function action (Action.IsFunction) waits its
// function's timeoutSeconds (GetFunction), 1 to 15 s, which SetTimeout
// changes through a draft: create, read, PUT, publish, read back; an action
// with somebody's draft is left (ErrDraftPending). It refuses built-in and
// custom authentication actions before writing anything (ErrStatic,
// ErrCustomAuth; Action.TimeoutChangeable says which, from a read).
// Consumers asks Architect's dependency tracking which flows use an action.
//
// Every request goes through the client's NewRequest/Do path, so pacing,
// authentication, retries, redaction and a ReadOnly client's refusal to
// write all apply. The functions are safe for concurrent use.
package dataaction
