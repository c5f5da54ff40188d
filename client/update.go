package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/diff"
	"github.com/gcflow/timeouts/retry"
)

// More sentinel errors, for UpdateFlow.
var (
	// ErrLocked: another user or client holds the flow's lock.
	ErrLocked = errors.New("client: flow locked")
	// ErrDraftPending: the flow has a saved or checked-in version newer
	// than the published one; publishing would publish that work too.
	ErrDraftPending = errors.New("client: unpublished draft pending")
	// ErrVerify: what the server holds after the write is not what was
	// written.
	ErrVerify = errors.New("client: verification failed")
)

// EditFunc changes a flow document and reports what it changed. It may be
// called more than once for one update (on a fresh copy each time): it must
// depend only on the document it is given.
type EditFunc func(*flow.Document) ([]flow.Change, error)

// UpdateOptions say how UpdateFlow writes. A nil value checks in without
// publishing, and refuses locked flows and pending drafts.
type UpdateOptions struct {
	// Publish publishes the new version; otherwise it is checked in.
	Publish bool
	// AllowDraft goes ahead when the flow has an unpublished draft (which a
	// publish then publishes too, and a check-in builds on).
	AllowDraft bool
	// ForceUnlock breaks another holder's lock first. Genesys checks in what
	// the holder had saved, as a new version: their work becomes part of
	// the flow, as a draft that only AllowDraft lets this update publish.
	// The result's Warnings say so.
	ForceUnlock bool
	// DryRun reads and edits but writes nothing: the result has the
	// changes and a unified diff.
	DryRun bool
	// Backup, when set, receives the configuration as it was, before
	// anything is written; an error from it stops the update.
	Backup func(ctx context.Context, flowID, versionID string, original []byte) error
}

// UpdateResult reports one flow's update.
type UpdateResult struct {
	FlowID, FlowName string
	// Changes are the edits made (or, in a dry run, that would be made).
	Changes []flow.Change
	// Changed is true when a new version was written.
	Changed bool
	// DryRun is set for a dry run; Diff is then the unified diff of the
	// document, indented so that each value has a line.
	DryRun bool
	Diff   string
	// FromVersion is the version the edit was made on; SavedVersion the
	// version the save created; NewVersion the version published or
	// checked in; Published whether it was published.
	FromVersion, SavedVersion, NewVersion string
	Published                             bool
	// Attempts is how many times the flow was read and edited (conflicts
	// make it more than one).
	Attempts int
	// Duration is the time the update took.
	Duration time.Duration
	// Warnings are things the caller should know (a lock broken).
	Warnings []string
	// Err is the update's error, in the result streams of RaiseTimeouts.
	Err error
}

// errRetryUpdate marks a failure after which the whole update starts again
// from a fresh read.
type errRetryUpdate struct{ err error }

func (e *errRetryUpdate) Error() string { return e.err.Error() }
func (e *errRetryUpdate) Unwrap() error { return e.err }

// UpdateFlow reads a flow, applies edit and writes the result as a new
// version, safely:
//
//  1. It reads the flow and refuses, with ErrLocked naming the holder, when
//     another user or client holds the lock (unless ForceUnlock), and with
//     ErrDraftPending when an unpublished draft exists (unless AllowDraft).
//  2. It reads the latest configuration and runs edit without a lock. No
//     change (no Change reported and the bytes as they were): it returns,
//     having taken no lock and written nothing. A dry
//     run returns here too, with the diff. Otherwise it checks the flow out,
//     reads the latest configuration again and runs edit on that.
//  3. A document above MaxRequestBytes is refused with ErrTooLarge.
//  4. opts.Backup gets the original bytes; then the new version is saved and
//     published (opts.Publish) or checked in.
//  5. It reads the configuration of the version published or checked in and
//     verifies it: byte equality with what was saved, or where a server
//     re-serialises, equality of the decoded JSON; and each changed node must
//     read back with its new timeout. A difference is ErrVerify.
//
// A conflict (409) or another holder's lock at any step starts again from a
// fresh read, after a backoff, up to the client's retry policy; the edit is
// re-applied to the new bytes, never stale ones sent again. A POST whose
// answer was lost is treated the same way. After any failure from the
// check-out on, the client's own lock is released (the flow is read and, while
// this client holds it, reverted, discarding what it saved, and unlocked if
// the lock outlives the revert) before UpdateFlow returns, even when ctx is
// cancelled.
func (c *Client) UpdateFlow(ctx context.Context, flowID string, edit EditFunc, opts *UpdateOptions) (*UpdateResult, error) {
	var o UpdateOptions
	if opts != nil {
		o = *opts
	}
	start := time.Now()
	res := &UpdateResult{FlowID: flowID, DryRun: o.DryRun}
	if strings.TrimSpace(flowID) == "" || edit == nil {
		res.Err = fmt.Errorf("%w: UpdateFlow needs a flow id and an edit function", ErrConfig)
		return res, res.Err
	}
	policy := c.policy
	policy.Notify = nil
	var st updateState
	err := retry.Do(ctx, policy, func(ctx context.Context) error {
		res.Attempts++
		err := c.updateOnce(ctx, flowID, edit, &o, res, &st)
		var again *errRetryUpdate
		switch {
		case err == errNothingLeft:
			res.Changes = nil
			return nil
		case err == nil || errors.As(err, &again):
			return err
		}
		return retry.Permanent(err)
	})
	res.Duration = time.Since(start)
	if err != nil {
		var again *errRetryUpdate
		if errors.As(err, &again) {
			// Report the cause, with the attempts.
			err = fmt.Errorf("client: update of flow %s gave up after %d attempts: %w", flowID, res.Attempts, again.err)
		}
		res.Err = err
		return res, err
	}
	return res, nil
}

// updateState is what one pass of UpdateFlow leaves for the next.
type updateState struct {
	// uncertain: a write was sent whose outcome is unknown (its answer was
	// lost, or a 5xx): the next pass may find it done.
	uncertain bool
	// before is the committed version the first write was made on.
	before string
	// changes are the edits of the last write sent.
	changes []flow.Change
}

// updateOnce is one pass of UpdateFlow. It returns *errRetryUpdate for what
// a fresh start may cure.
func (c *Client) updateOnce(ctx context.Context, flowID string, edit EditFunc, o *UpdateOptions, res *UpdateResult, st *updateState) (err error) {
	res.Changes, res.Diff = nil, ""
	f, err := c.Flow(ctx, flowID)
	if err != nil {
		return retryable(err)
	}
	res.FlowName = f.Name
	if c.holds(f) {
		// Ours, left by an earlier failure whose answer was lost: discard
		// it and start clean.
		if _, err := c.release(ctx, flowID); err != nil {
			return retryable(err)
		}
		if f, err = c.Flow(ctx, flowID); err != nil {
			return retryable(err)
		}
	}
	if f.Locked() {
		if !o.ForceUnlock {
			return &errRetryUpdate{fmt.Errorf("%w: flow %s (%s) is locked by %s", ErrLocked, flowID, f.Name, f.LockHolder())}
		}
		if !o.DryRun {
			res.Warnings = append(res.Warnings, fmt.Sprintf("broke the lock of %s on flow %s: Genesys checked in what they had saved", f.LockHolder(), flowID))
			if _, err := c.Unlock(ctx, flowID); err != nil {
				return retryable(err)
			}
			if f, err = c.Flow(ctx, flowID); err != nil {
				return retryable(err)
			}
		}
	}
	if f.HasDraft() && !o.AllowDraft {
		return fmt.Errorf("%w: flow %s (%s) has a saved or checked-in version newer than the published one; publish or revert it first, or allow drafts",
			ErrDraftPending, flowID, f.Name)
	}
	doc, err := c.LatestConfiguration(ctx, flowID)
	if err != nil {
		return retryable(err)
	}
	original := bytes.Clone(doc.Bytes())
	changes, err := edit(doc)
	if err != nil {
		return fmt.Errorf("client: flow %s: %w", flowID, err)
	}
	res.Changes = changes
	if len(changes) == 0 && bytes.Equal(doc.Bytes(), original) {
		c.confirmEarlierWrite(f, o, res, st)
		return nil
	}
	if len(doc.Bytes()) > MaxRequestBytes {
		return fmt.Errorf("%w: flow %s: the edited configuration is %d bytes, above the platform's limit of %d", ErrTooLarge, flowID, len(doc.Bytes()), MaxRequestBytes)
	}
	if o.DryRun {
		res.Diff = documentDiff(flowID, original, doc.Bytes())
		return nil
	}
	if st.before == "" {
		st.before = committedVersionID(f, o.Publish)
	}

	// From here the flow may be locked by us, even when a request fails
	// (its answer lost, or ctx ended in flight): on any failure, release.
	locked := true
	defer func() {
		if locked && err != nil {
			// Even on cancellation: a lock must not outlive us.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			last, rerr := c.release(cctx, flowID)
			if rerr != nil {
				err = fmt.Errorf("%w; releasing the lock also failed: %v", err, rerr)
			} else if last != nil {
				// A write whose outcome was unknown may have gone through:
				// say so, rather than report nothing done.
				c.confirmEarlierWrite(last, o, res, st)
			}
		}
	}()
	f, err = c.Checkout(ctx, flowID)
	if err != nil {
		return c.writeFailed(err, st)
	}
	res.FromVersion = latestVersionID(f)
	doc, err = c.LatestConfiguration(ctx, flowID)
	if err != nil {
		return retryable(err)
	}
	original = bytes.Clone(doc.Bytes())
	if changes, err = edit(doc); err != nil {
		return fmt.Errorf("client: flow %s: %w", flowID, err)
	}
	res.Changes = changes
	if len(changes) == 0 && bytes.Equal(doc.Bytes(), original) {
		return errNothingLeft // someone made the change meanwhile: release the lock
	}
	if len(doc.Bytes()) > MaxRequestBytes {
		return fmt.Errorf("%w: flow %s: the edited configuration is %d bytes, above the platform's limit of %d", ErrTooLarge, flowID, len(doc.Bytes()), MaxRequestBytes)
	}
	if o.Backup != nil {
		if err := o.Backup(ctx, flowID, res.FromVersion, original); err != nil {
			return fmt.Errorf("client: flow %s: backup: %w", flowID, err)
		}
	}
	st.changes = changes
	saved, err := c.SaveVersion(ctx, flowID, doc)
	if err != nil {
		return c.writeFailed(err, st)
	}
	res.SavedVersion = saved.ID
	if o.Publish {
		f, err = c.Publish(ctx, flowID)
	} else {
		f, err = c.Checkin(ctx, flowID)
	}
	if err != nil {
		return c.writeFailed(err, st)
	}
	locked = false
	res.Changed, res.Published = true, o.Publish
	if o.Publish && f.PublishedVersion != nil {
		res.NewVersion = f.PublishedVersion.ID
	} else if f.CheckedInVersion != nil {
		res.NewVersion = f.CheckedInVersion.ID
	}
	if res.NewVersion == "" {
		return fmt.Errorf("%w: flow %s: the flow names no new version after the write", ErrVerify, flowID)
	}
	return c.verify(ctx, flowID, res.NewVersion, doc, changes)
}

// holds reports whether this client holds f's lock.
func (c *Client) holds(f *Flow) bool {
	return f.LockedClient != nil && f.LockedClient.ID == c.cfg.ClientID
}

// release makes sure this client does not hold flowID's lock: while we
// hold it, it reverts (discarding what we saved), and unlocks if the lock
// outlives the revert (modelled: the fake organisation's revert releases it).
// It repeats on failures and waits out an operation still running. It
// returns the flow as last read, free of our lock.
func (c *Client) release(ctx context.Context, flowID string) (*Flow, error) {
	policy := c.policy
	policy.Notify = nil
	var last *Flow
	ours := func(ctx context.Context) (bool, error) {
		f, err := c.Flow(ctx, flowID)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrGone) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		last = f
		return c.holds(f), nil
	}
	classify := func(err error) error {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusConflict && ae.Status != http.StatusTooManyRequests {
			return retry.Permanent(err)
		}
		return err
	}
	err := retry.Do(ctx, policy, func(ctx context.Context) error {
		if held, err := ours(ctx); err != nil || !held {
			return err
		}
		if _, err := c.Revert(ctx, flowID); err != nil {
			return classify(err)
		}
		if held, err := ours(ctx); err != nil || !held {
			return err
		}
		if _, err := c.Unlock(ctx, flowID); err != nil {
			return classify(err)
		}
		return errors.New("unlocked; reading once more to confirm")
	})
	if err != nil {
		return nil, err
	}
	return last, nil
}

// errNothingLeft ends an update whose edit found nothing to change once the
// flow was checked out; the deferred release runs because it is an error.
var errNothingLeft = errors.New("nothing left to change")

// retryable marks conflicts, another holder's lock and lost POST answers as
// worth a fresh start.
func retryable(err error) error {
	var ae *APIError
	switch {
	case errors.Is(err, ErrConflict):
		return &errRetryUpdate{err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &ae) && (ae.Status >= 500 || ae.Status == 429):
		// A read whose retries ran out on a failing server: a fresh start,
		// after the update's own backoff, may find it well again.
		return &errRetryUpdate{err}
	case errors.As(err, &ae):
		return err
	case errors.Is(err, ErrOperationFailed), errors.Is(err, ErrInvalidResponse), errors.Is(err, ErrUnauthorized), errors.Is(err, ErrTooLarge):
		return err
	}
	// A transport failure whose request may or may not have been acted on:
	// read again and see.
	return &errRetryUpdate{err}
}

// writeFailed classifies a failed write: a 5xx or a lost answer leaves its
// outcome unknown, so the next pass reads the flow again and looks.
func (c *Client) writeFailed(err error, st *updateState) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status < 500 {
		return retryable(err) // answered and refused: nothing was done
	}
	// A 5xx, a lost answer or a cancellation in flight: it may have been
	// done.
	st.uncertain = true
	if ae != nil {
		return &errRetryUpdate{err}
	}
	return retryable(err)
}

// confirmEarlierWrite reports a write whose answer was lost as done when
// the flow's newest committed version is one this client made since the
// update began.
func (c *Client) confirmEarlierWrite(f *Flow, o *UpdateOptions, res *UpdateResult, st *updateState) {
	if !st.uncertain || o.DryRun {
		return
	}
	v := f.CheckedInVersion
	if o.Publish {
		v = f.PublishedVersion
	}
	if v != nil && res.Changed && res.NewVersion == v.ID {
		res.Changes = st.changes // confirmed already; a later read found nothing left
		return
	}
	if v != nil && v.ID != st.before && v.CreatedByClient != nil && v.CreatedByClient.ID == c.cfg.ClientID {
		res.Changed, res.Published, res.NewVersion, res.Changes = true, o.Publish, v.ID, st.changes
		res.Warnings = append(res.Warnings, fmt.Sprintf("an answer was lost; version %s, made by this client, already holds the change", v.ID))
	}
}

func committedVersionID(f *Flow, published bool) string {
	v := f.CheckedInVersion
	if published {
		v = f.PublishedVersion
	}
	if v == nil {
		return "none"
	}
	return v.ID
}

func latestVersionID(f *Flow) string {
	for _, v := range []*FlowVersion{f.SavedVersion, f.CheckedInVersion, f.PublishedVersion} {
		if v != nil {
			return v.ID
		}
	}
	return ""
}

// verify reads back the version written and compares it with doc.
func (c *Client) verify(ctx context.Context, flowID, versionID string, doc *flow.Document, changes []flow.Change) error {
	got, err := c.Configuration(ctx, flowID, versionID)
	if err != nil {
		return fmt.Errorf("%w: flow %s: reading version %s back: %w", ErrVerify, flowID, versionID, err)
	}
	if !bytes.Equal(got.Bytes(), doc.Bytes()) && !sameJSON(got.Bytes(), doc.Bytes()) {
		return fmt.Errorf("%w: flow %s: version %s differs from what was saved", ErrVerify, flowID, versionID)
	}
	// Each changed node must read back as it was written.
	written := map[string]flow.Node{}
	for _, n := range doc.Nodes() {
		written[n.ID] = n
	}
	read := map[string]flow.Node{}
	for _, n := range got.Nodes() {
		read[n.ID] = n
	}
	for _, ch := range changes {
		w, r := written[ch.Node.ID], read[ch.Node.ID]
		if r.ID == "" || r.Timeout != w.Timeout || r.TimeoutKind != w.TimeoutKind || r.UseSuggested != w.UseSuggested || r.Timeout != ch.To {
			return fmt.Errorf("%w: flow %s: node %q at %s does not read back as %v in version %s", ErrVerify, flowID, ch.Node.ID, ch.Node.Pointer, ch.To, versionID)
		}
	}
	return nil
}

// sameJSON compares two documents after decoding.
func sameJSON(a, b []byte) bool {
	var x, y any
	decode := func(data []byte, v *any) error {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		return d.Decode(v)
	}
	return decode(a, &x) == nil && decode(b, &y) == nil && reflect.DeepEqual(x, y)
}

// documentDiff is a unified diff of two versions of a document, each
// indented so that a changed value shows as a changed line. Indenting
// changes only white space, so the lines hold the documents' own bytes.
func documentDiff(flowID string, before, after []byte) string {
	indent := func(b []byte) string {
		var buf bytes.Buffer
		if json.Indent(&buf, b, "", "  ") != nil {
			return string(b)
		}
		return buf.String() + "\n"
	}
	return diff.Unified("flows/"+flowID+" (current)", "flows/"+flowID+" (raised)", indent(before), indent(after))
}
