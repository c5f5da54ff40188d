package dataaction

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/diff"
	"github.com/gcflow/timeouts/internal/settle"
	"github.com/gcflow/timeouts/retry"
)

// SetOptions say how SetTimeout writes. A nil value writes.
type SetOptions struct {
	// DryRun reads the action and returns the change and its diff, on a
	// ReadOnly view of the client: nothing is written.
	DryRun bool
	// AtLeast only raises: an action whose timeoutSeconds is already d or
	// more, as read just before the write, is left as it is (Changed
	// false, From its timeout). org.Raise sets it, so that another
	// user's longer timeout is never cut back to Min.
	AtLeast bool
	// Expect, when not zero, is the timeoutSeconds the action must have,
	// as read just before the write: any other is ErrMoved and nothing
	// is written. A restore sets it to the timeout its run wrote, so that
	// a later change by somebody else wins.
	Expect time.Duration
	// Backup, when set, receives the action as read (its exact bytes,
	// with its config; a function action's function settings) just
	// before the write that changes it, and the timeout that write sets
	// (the target rounded up to whole seconds, a function's capped at
	// MaxFunctionTimeout); an error from it stops the change, with nothing
	// written.
	Backup func(ctx context.Context, read []byte, to time.Duration) error
}

// Change reports one action's timeout change.
type Change struct {
	ActionID, Name string
	// From and To are the action's timeoutSeconds before and after (From
	// zero when the config had none).
	From, To time.Duration
	// Version is the version the change was written on; NewVersion the
	// version it made (zero in a dry run, or when nothing changed).
	Version, NewVersion int
	// Changed is set when a new version was written.
	Changed bool
	// Function is set for a function action: From and To are its
	// function's timeoutSeconds, changed through a draft. Capped is set
	// when more than MaxFunctionTimeout was asked for: To is then
	// MaxFunctionTimeout, and a node that needs more stays capped by it.
	Function, Capped bool
	// DryRun is set for a dry run; Diff is then the unified diff of the
	// config, indented, its sides labelled "now" and "raised".
	DryRun bool
	Diff   string
}

// SetTimeout sets an integration action's own timeout,
// config.timeoutSeconds, to d rounded up to whole seconds (5.5 s becomes
// 6 s), from 1 to 60. It reads the action with its config, changes only
// timeoutSeconds in the config's raw bytes (sjson: every other byte of the
// config stays as it was), PATCHes {version, name, category, config}, and
// reads the action back to verify it. A stale version (409, or 400 "does
// not match the current version": another user changed the action
// meanwhile) starts again from a fresh read, with backoff; a PATCH whose
// answer was lost is confirmed by reading, never sent again.
//
// A function action (Action.IsFunction) waits its function's
// timeoutSeconds, 1 to 15, which changes only through a draft: SetTimeout
// reads GET .../function, creates a draft (an action that has one already
// is somebody's unpublished work: ErrDraftPending, nothing written), reads
// the draft's function, PUTs it back changed only at timeoutSeconds,
// publishes the draft with its version and reads the function back. A
// target above MaxFunctionTimeout is raised to it with AtLeast (Capped
// says so) and refused otherwise (ErrTargetTooLong). A draft SetTimeout
// made and did not publish is deleted; one it did not make is never
// touched. The backup (SetOptions.Backup) of a function action is its
// function settings as read (GET .../function).
//
// It refuses, before writing anything, a static action (ErrStatic) and a
// custom authentication action (ErrCustomAuth). An action that already
// waits d is left alone.
//
// GET and PATCH /api/v2/integrations/actions/{actionId}; for a function
// action GET .../function, POST and DELETE .../draft, GET and PUT
// .../draft/function, POST .../draft/publish
func SetTimeout(ctx context.Context, c *client.Client, actionID string, d time.Duration, opts *SetOptions) (*Change, error) {
	var o SetOptions
	if opts != nil {
		o = *opts
	}
	secs := int((d + time.Second - 1) / time.Second)
	switch {
	case strings.TrimSpace(actionID) == "":
		return nil, fmt.Errorf("%w: SetTimeout needs an action id", client.ErrInvalidArgument)
	case d <= 0:
		return nil, fmt.Errorf("%w: a timeout of %v is not positive", client.ErrInvalidArgument, d)
	case secs > int(flow.MaxDataActionTimeout/time.Second):
		return nil, fmt.Errorf("%w: %v is above %v, the longest a data action waits", ErrTargetTooLong, d, flow.MaxDataActionTimeout)
	case strings.HasPrefix(actionID, "static"):
		return nil, actionError(ctx, actionID, (&Action{ID: actionID}).TimeoutChangeable())
	}
	if o.DryRun {
		c = c.ReadOnly()
	}
	ch := &Change{ActionID: actionID, To: time.Duration(secs) * time.Second, DryRun: o.DryRun}
	sent := false // a PATCH whose outcome is unknown was sent
	err := settle.Again(ctx, c.Config().Retry, func(ctx context.Context) error {
		return setOnce(ctx, c, actionID, secs, &o, ch, &sent)
	})
	if err != nil && sent && ctx.Err() != nil && !ch.Function && confirm(ctx, c, actionID, secs, ch) {
		return ch, nil // cancelled after a PATCH that, read once more, went through
	}
	if err != nil {
		return ch, actionError(ctx, actionID, err)
	}
	return ch, nil
}

// actionError names the action once in SetTimeout's error (a
// *client.ObjectError), and says "stopped" on cancellation.
func actionError(ctx context.Context, actionID string, err error) error {
	stopped, err := settle.Stopped(ctx, err)
	return &client.ObjectError{Op: "timeout", Kind: "action", ID: actionID, Stopped: stopped, Err: err}
}

// startOver marks a failure that a fresh read may cure.
type startOver struct{ err error }

func (e *startOver) Error() string { return e.err.Error() }
func (e *startOver) Unwrap() error { return e.err }

// decided settles a pass from the timeout read (current, named what in a
// message) before anything is written: done when the action waits secs
// already (a write whose answer was lost, sent, went through), waits
// longer and o.AtLeast, or o.Expect names another timeout (ErrMoved).
func decided(current gjson.Result, what string, secs, version int, o *SetOptions, ch *Change, sent bool) (bool, error) {
	switch {
	case current.Type == gjson.Number && int(current.Int()) == secs:
		if sent {
			ch.Changed, ch.NewVersion = true, version
		}
		return true, nil
	case o.AtLeast && current.Type == gjson.Number && int(current.Int()) > secs:
		return true, nil // longer already: left as it is
	case o.Expect > 0 && !sent && (current.Type != gjson.Number || time.Duration(current.Int())*time.Second != o.Expect):
		have := "not set"
		if current.Exists() {
			have = current.Raw + " s"
		}
		return true, retry.Permanent(fmt.Errorf("%w: its %s is %s, not the %v expected", ErrMoved, what, have, o.Expect))
	}
	return false, nil
}

// readFailed classifies a failed read: the request layer has repeated what
// was worth repeating, so only a conflict starts over.
func readFailed(err error) error {
	if errors.Is(err, client.ErrConflict) {
		return &startOver{err}
	}
	return retry.Permanent(err)
}

// confirm reads the action once, even though ctx was cancelled,
// after a PATCH whose answer was lost: when its timeoutSeconds is secs the
// PATCH went through, and ch says so.
func confirm(ctx context.Context, c *client.Client, actionID string, secs int, ch *Change) bool {
	cctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	raw, err := GetBytes(cctx, c, actionID)
	if err != nil {
		return false
	}
	a := gjson.ParseBytes(raw)
	if v := a.Get("config.timeoutSeconds"); v.Type != gjson.Number || int(v.Int()) != secs {
		return false
	}
	ch.Changed, ch.NewVersion = true, int(a.Get("version").Int())
	return true
}

// TimeoutChangeable says why SetTimeout cannot change a's own
// timeout, from what was read of it: ErrStatic (a built-in action) or
// ErrCustomAuth (it has none; how one is told is modelled). It returns
// nil when the timeout can be changed, a function action's included.
func (a *Action) TimeoutChangeable() error {
	if strings.HasPrefix(a.ID, "static") {
		return fmt.Errorf("%w: it cannot be changed through the API", ErrStatic)
	}
	return refusal(a.Category)
}

// refusal is why an action's own timeout cannot be set, from its category:
// a custom authentication action has none (modelled); nil when it can be
// set.
func refusal(category string) error {
	if category == customAuthCategory {
		return fmt.Errorf("%w: it has no timeout of its own", ErrCustomAuth)
	}
	return nil
}

// setOnce is one pass of SetTimeout: read, check, edit, write, verify. It
// returns *startOver for what a fresh read may cure.
func setOnce(ctx context.Context, c *client.Client, actionID string, secs int, o *SetOptions, ch *Change, sent *bool) error {
	raw, err := GetBytes(ctx, c, actionID)
	if err != nil {
		return readFailed(err)
	}
	a := gjson.ParseBytes(raw)
	config, version := a.Get("config"), int(a.Get("version").Int())
	ch.Name = a.Get("name").Str
	if err := refusal(a.Get("category").Str); err != nil {
		return retry.Permanent(err)
	}
	if isFunctionCategory(a.Get("category").Str) {
		return setFunctionOnce(ctx, c, actionID, secs, version, o, ch, sent)
	}
	current := config.Get("timeoutSeconds")
	ch.From = time.Duration(current.Int()) * time.Second
	if !config.IsObject() {
		return retry.Permanent(fmt.Errorf("%w: it has no config object", client.ErrInvalidResponse))
	}
	if done, err := decided(current, "timeoutSeconds", secs, version, o, ch, *sent); done {
		return err
	}
	if o.DryRun {
		edited, err := setSeconds([]byte(config.Raw), secs)
		if err != nil {
			return retry.Permanent(err)
		}
		ch.Version, ch.Diff = version, configDiff(actionID, []byte(config.Raw), edited)
		return nil
	}
	if o.Backup != nil {
		if err := o.Backup(ctx, raw, time.Duration(secs)*time.Second); err != nil {
			return retry.Permanent(fmt.Errorf("writing the backup failed: %w", err))
		}
	}
	return patchTimeout(ctx, c, actionID, a, secs, ch, sent)
}

// patchTimeout writes the action with its config's timeoutSeconds
// changed, and reads it back.
func patchTimeout(ctx context.Context, c *client.Client, actionID string, a gjson.Result, secs int, ch *Change, sent *bool) error {
	config := a.Get("config")
	edited, err := setSeconds([]byte(config.Raw), secs)
	if err != nil {
		return retry.Permanent(fmt.Errorf("dataaction: editing the config of action %s: %w", actionID, err))
	}
	ch.Version = int(a.Get("version").Int())
	err = Patch(ctx, c, actionID, []byte(a.Raw), edited)
	var ae *client.APIError
	switch {
	case err == nil:
	case errors.As(err, &ae) && (ae.Status == http.StatusConflict || ae.Status == http.StatusRequestTimeout ||
		(ae.Status == http.StatusBadRequest && strings.Contains(ae.Message, "does not match the current version"))):
		return &startOver{err} // stale: read again and re-apply
	case errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusTooManyRequests:
		return retry.Permanent(err)
	case errors.Is(err, client.ErrReadOnly), ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return retry.Permanent(err) // not sent
	case ctx.Err() != nil:
		*sent = true // sent, its outcome unknown, and no time left to read it here
		return retry.Permanent(err)
	default:
		*sent = true // the outcome is unknown: the next read tells
		return &startOver{err}
	}
	return verify(ctx, c, actionID, edited, secs, ch)
}

// verify reads the action back: its config must be what was written.
// The PATCH was answered, so the read is seen through even when ctx is
// cancelled meanwhile (bounded by settle.Timeout): a raised action is
// never reported as not raised.
func verify(ctx context.Context, c *client.Client, actionID string, want []byte, secs int, ch *Change) error {
	ctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	raw, err := GetBytes(ctx, c, actionID)
	if err != nil {
		return retry.Permanent(fmt.Errorf("%w: reading action %s back: %w", client.ErrVerify, actionID, err))
	}
	a := gjson.ParseBytes(raw)
	got := a.Get("config")
	if int(got.Get("timeoutSeconds").Int()) != secs || (!bytes.Equal([]byte(got.Raw), want) && !diff.SameJSON([]byte(got.Raw), want)) {
		return retry.Permanent(fmt.Errorf("%w: action %s does not read back as written", client.ErrVerify, actionID))
	}
	ch.Changed, ch.NewVersion = true, int(a.Get("version").Int())
	return nil
}

// configDiff is a unified diff of an action's config before and after.
func configDiff(actionID string, before, after []byte) string {
	return diff.JSON("actions/"+actionID+" (now)", "actions/"+actionID+" (raised)", before, after)
}
