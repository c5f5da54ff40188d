package dataaction

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/internal/diff"
	"github.com/gcflow/timeouts/internal/settle"
	"github.com/gcflow/timeouts/retry"
)

// MaxFunctionTimeout is the longest a function data action's function
// waits ("1 to 15" seconds): a node that needs more stays capped by it.
const MaxFunctionTimeout = 15 * time.Second

// Function is a function data action's function settings, as GET
// .../function answers them (the "function" of the SDK's Functionconfig):
// its TimeoutSeconds is what the action waits.
type Function struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	ZipID       string `json:"zipId,omitempty"`
	Handler     string `json:"handler,omitempty"`
	Runtime     string `json:"runtime,omitempty"`
	// TimeoutSeconds is how long the function may run, 1 to 15; zero when
	// the settings do not say.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// IsFunction reports whether a is a function data action, whose limit is
// its function's timeoutSeconds (GetFunction) rather than its config's.
// It is told by the category, as the Terraform provider tells one
// (modelled; see modelled.go).
func (a *Action) IsFunction() bool { return isFunctionCategory(a.Category) }

// GetFunction reads a function action's function settings. An action that
// is not a function action answers 404 (modelled).
//
// GET /api/v2/integrations/actions/{actionId}/function
func GetFunction(ctx context.Context, c *client.Client, actionID string) (*Function, error) {
	var fc struct {
		Function *Function `json:"function"`
	}
	if err := c.Do(ctx, &client.Request{Method: http.MethodGet, Path: path(actionID) + "/function"}, &fc); err != nil {
		return nil, err
	}
	if fc.Function == nil {
		return nil, fmt.Errorf("%w: GET %s/function: the answer holds no function", client.ErrInvalidResponse, path(actionID))
	}
	return fc.Function, nil
}

// functionBytes reads a function's settings (the published ones, or the
// draft's) as served, and the "function" object in them.
func functionBytes(ctx context.Context, c *client.Client, actionID string, draft bool) ([]byte, gjson.Result, error) {
	p := path(actionID) + "/function"
	if draft {
		p = path(actionID) + "/draft/function"
	}
	var raw []byte
	if err := c.Do(ctx, &client.Request{Method: http.MethodGet, Path: p}, &raw); err != nil {
		return nil, gjson.Result{}, err
	}
	f := gjson.GetBytes(raw, "function")
	if !f.IsObject() {
		return nil, f, fmt.Errorf("%w: GET %s: the answer holds no function object", client.ErrInvalidResponse, p)
	}
	return raw, f, nil
}

// setFunctionOnce is one pass of SetTimeout for a function action: read
// the function, decide, and change it through a draft. version is the
// action's as read.
func setFunctionOnce(ctx context.Context, c *client.Client, actionID string, secs, version int, o *SetOptions, ch *Change, sent *bool) error {
	ch.Function = true
	if max := int(MaxFunctionTimeout / time.Second); secs > max {
		if !o.AtLeast {
			return retry.Permanent(fmt.Errorf("%w: it is a function action, which waits at most %v", ErrTargetTooLong, MaxFunctionTimeout))
		}
		secs, ch.Capped = max, true
		ch.To = MaxFunctionTimeout
	}
	raw, f, err := functionBytes(ctx, c, actionID, false)
	if err != nil {
		return readFailed(err)
	}
	current := f.Get("timeoutSeconds")
	ch.From, ch.Version = time.Duration(current.Int())*time.Second, version
	if done, err := decided(current, "function's timeoutSeconds", secs, version, o, ch, *sent); done {
		return err
	}
	if o.DryRun {
		edited, err := setSeconds([]byte(f.Raw), secs)
		if err != nil {
			return retry.Permanent(err)
		}
		ch.Diff = diff.JSON("actions/"+actionID+"/function (now)", "actions/"+actionID+"/function (raised)", []byte(f.Raw), edited)
		return nil
	}
	if o.Backup != nil {
		if err := o.Backup(ctx, raw, time.Duration(secs)*time.Second); err != nil {
			return retry.Permanent(fmt.Errorf("writing the backup failed: %w", err))
		}
	}
	return publishFunction(ctx, c, actionID, []byte(f.Raw), secs, ch, sent)
}

// setSeconds is an object (an action's config, a function) with its
// timeoutSeconds set to secs, every other byte as it was. sjson returns a
// new slice: obj is not written to.
func setSeconds(obj []byte, secs int) ([]byte, error) {
	return sjson.SetRawBytes(obj, "timeoutSeconds", strconv.AppendInt(nil, int64(secs), 10))
}

// publishFunction changes the function's timeoutSeconds to secs through a
// draft: create it, read its function (it must be the one just read:
// otherwise somebody published since, and the pass starts over), PUT it
// back changed only at timeoutSeconds, publish with the draft's version,
// and read the function back. A draft this pass made and did not publish
// is deleted, and a failure that a fresh pass may cure (5xx, a lost
// connection) starts over; a draft it did not make is never touched.
func publishFunction(ctx context.Context, c *client.Client, actionID string, published []byte, secs int, ch *Change, sent *bool) (err error) {
	var draft struct {
		Version *int `json:"version"`
	}
	if err := createDraft(ctx, c, actionID, &draft); err != nil {
		return err
	}
	ours := true // the draft is this pass's to delete when it fails
	defer func() {
		if ours {
			err = dropDraft(ctx, c, actionID, err)
		}
	}()
	if draft.Version == nil {
		return retry.Permanent(fmt.Errorf("%w: POST %s/draft: the draft names no version", client.ErrInvalidResponse, path(actionID)))
	}
	_, df, err := functionBytes(ctx, c, actionID, true)
	if err != nil {
		return afterDraft(ctx, err)
	}
	if !diff.SameJSON([]byte(df.Raw), published) {
		return &startOver{fmt.Errorf("%w: its function changed between the read and the draft", client.ErrConflict)}
	}
	edited, err := setSeconds([]byte(df.Raw), secs)
	if err != nil {
		return retry.Permanent(err)
	}
	if err := c.Do(ctx, &client.Request{Method: http.MethodPut, Path: path(actionID) + "/draft/function", Body: edited}, nil); err != nil {
		return afterDraft(ctx, fmt.Errorf("writing the draft's function: %w", err))
	}
	var after struct {
		Version int `json:"version"`
	}
	err = c.Do(ctx, &client.Request{Method: http.MethodPost, Path: path(actionID) + "/draft/publish",
		Body: []byte(`{"version":` + strconv.Itoa(*draft.Version) + `}`)}, &after)
	var ae *client.APIError
	switch {
	case err == nil:
		ours = false
	case errors.As(err, &ae) && (ae.Status == http.StatusConflict || strings.Contains(ae.Message, "does not match the current version")):
		// Somebody changed the draft since this pass made it: it holds
		// their work now.
		ours = false
		return retry.Permanent(fmt.Errorf("publishing the draft: %w (somebody changed the draft meanwhile; it is left unpublished)", err))
	case errors.Is(err, client.ErrReadOnly), errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusRequestTimeout:
		return retry.Permanent(fmt.Errorf("publishing the draft: %w", err)) // refused: the draft is deleted
	default:
		// The answer was lost: the function, read once more, tells
		// whether the publish went through; an unpublished draft is still
		// this pass's.
		if confirmFunction(ctx, c, actionID, secs, ch) {
			ours = false
			return nil
		}
		if !draftExists(ctx, c, actionID) {
			ours, *sent = false, true
			return retry.Permanent(fmt.Errorf("publishing the draft: %w (the draft is gone, and the function does not read as raised)", err))
		}
		return afterDraft(ctx, fmt.Errorf("publishing the draft: %w", err))
	}
	ch.NewVersion = after.Version
	return verifyFunction(ctx, c, actionID, edited, secs, ch)
}

// createDraft makes a draft of the action, into draft. 409 is somebody's
// draft (ErrDraftPending), waited for under the client's retry policy
// from a fresh read each time, and left when it stays. When the answer is lost, a draft that now
// exists may be this pass's or somebody's: it is left, and said; when none
// exists, nothing was made and the pass starts over.
func createDraft(ctx context.Context, c *client.Client, actionID string, draft any) error {
	err := c.Do(ctx, &client.Request{Method: http.MethodPost, Path: path(actionID) + "/draft"}, draft)
	var ae *client.APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Status == http.StatusConflict:
		// Somebody's draft (another run's, maybe, publishing the same
		// raise): read again after a wait, as a lock is waited for; the
		// function it publishes may need nothing more.
		return &startOver{fmt.Errorf("%w: somebody's unpublished work; left as it is", ErrDraftPending)}
	case errors.Is(err, client.ErrReadOnly), ctx.Err() != nil && errors.Is(err, ctx.Err()),
		errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusRequestTimeout:
		return retry.Permanent(err) // refused, or not sent: no draft was made
	case !draftExists(ctx, c, actionID):
		return &startOver{err} // lost, and not made
	}
	return retry.Permanent(fmt.Errorf("creating a draft: %w (the answer was lost, and the action has a draft now, this run's or somebody's: it is left; delete it in the UI if it is this run's)", err))
}

// draftExists reports whether the action has a draft, from one read seen
// through even when ctx is cancelled. Only 404 says false: a read that
// fails otherwise says true, so that no draft is ever taken for absent.
func draftExists(ctx context.Context, c *client.Client, actionID string) bool {
	cctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	err := c.Do(cctx, &client.Request{Method: http.MethodGet, Path: path(actionID) + "/draft"}, nil)
	return !errors.Is(err, client.ErrNotFound)
}

// afterDraft classifies a failure after this pass made its draft (which
// the caller deletes): one a fresh pass may cure starts over.
func afterDraft(ctx context.Context, err error) error {
	var ae *client.APIError
	switch {
	case ctx.Err() != nil, errors.Is(err, client.ErrReadOnly), errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusRequestTimeout && ae.Status != http.StatusTooManyRequests:
		return retry.Permanent(err)
	}
	return &startOver{err}
}

// dropDraft deletes the draft a failed pass made, even when ctx was
// cancelled meanwhile (a lost answer is asked again, twice at most; 404 is
// gone already), and adds to err when it cannot: the next pass's draft
// would be refused, so the failure is then final.
func dropDraft(ctx context.Context, c *client.Client, actionID string, err error) error {
	cctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	var derr error
	for range 3 {
		derr = c.Do(cctx, &client.Request{Method: http.MethodDelete, Path: path(actionID) + "/draft"}, nil)
		var ae *client.APIError
		if derr == nil || errors.Is(derr, client.ErrNotFound) || (errors.As(derr, &ae) && ae.Status < 500) || cctx.Err() != nil {
			break
		}
	}
	if derr == nil || errors.Is(derr, client.ErrNotFound) {
		return err
	}
	left := fmt.Errorf("the draft this run made is left unpublished (delete it in the UI): %w", derr)
	var so *startOver
	if errors.As(err, &so) {
		return retry.Permanent(errors.Join(so.err, left))
	}
	return errors.Join(err, left)
}

// verifyFunction reads the function back: it must be what was written.
// The publish was answered, so the read is seen through even when ctx is
// cancelled meanwhile.
func verifyFunction(ctx context.Context, c *client.Client, actionID string, want []byte, secs int, ch *Change) error {
	ctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	_, f, err := functionBytes(ctx, c, actionID, false)
	if err != nil {
		return retry.Permanent(fmt.Errorf("%w: reading action %s's function back: %w", client.ErrVerify, actionID, err))
	}
	if int(f.Get("timeoutSeconds").Int()) != secs || (!bytes.Equal([]byte(f.Raw), want) && !diff.SameJSON([]byte(f.Raw), want)) {
		return retry.Permanent(fmt.Errorf("%w: action %s's function does not read back as written", client.ErrVerify, actionID))
	}
	ch.Changed = true
	return nil
}

// confirmFunction reads the function once, even though ctx may be
// cancelled, after a publish whose answer was lost: when its
// timeoutSeconds is secs the publish went through, and ch says so.
func confirmFunction(ctx context.Context, c *client.Client, actionID string, secs int, ch *Change) bool {
	cctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	_, f, err := functionBytes(cctx, c, actionID, false)
	if err != nil || f.Get("timeoutSeconds").Type != gjson.Number || int(f.Get("timeoutSeconds").Int()) != secs {
		return false
	}
	a, err := Get(cctx, c, actionID)
	ch.Changed = true
	if err == nil {
		ch.NewVersion = a.Version
	}
	return true
}

// isFunctionCategory is the Terraform provider's test for a function
// action's category (modelled).
func isFunctionCategory(category string) bool {
	c := strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(category))
	return strings.Contains(c, functionCategoryMark)
}
