package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/diff"
	"github.com/gcflow/timeouts/internal/settle"
	"github.com/gcflow/timeouts/retry"
)

// EditFunc changes a flow document and reports what it changed. It may be
// called more than once for one update (on a fresh copy each time): it must
// depend only on the document it is given.
type EditFunc func(*flow.Document) ([]flow.Change, error)

// Original is a flow's configuration as it was before an update wrote over
// it: what UpdateOptions.Backup receives.
type Original struct {
	FlowID, FlowName string
	// FlowType is the flow's type as the platform names it (INBOUNDCALL,
	// WORKFLOW, ...).
	FlowType string
	// VersionID is the version the configuration was read at.
	VersionID string
	// Config is the configuration's exact bytes. It is the caller's to keep.
	Config []byte
}

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
	// The result's Warnings say so. It does not apply to a lock of this
	// Client's own OAuth client id: see ReleaseStaleLocks.
	ForceUnlock bool
	// ReleaseStaleLocks releases a lock held by this Client's OAuth client
	// id that this update did not take, discarding what was saved under it
	// (revert, then unlock if the lock outlives the revert), before going
	// on. Use it after a crashed run, when no other run with the same
	// credentials is working: to the platform they are all one holder, and
	// a live run's work would be discarded too. Without it such a lock is
	// waited for, then reported as a *LockError with SameClient set.
	ReleaseStaleLocks bool
	// DryRun reads and edits but writes nothing: the update runs on a
	// ReadOnly view of the client, so no request but a GET can leave. The
	// result has the changes and a unified diff. A locked flow is reported
	// at once (reading needs no lock, so there is nothing to wait for).
	DryRun bool
	// DiffLabel names the edited side of a dry run's diff ("raised",
	// "backup"); empty means "edited". The other side is "now".
	DiffLabel string
	// Backup, when set, receives the configuration as it was, before
	// anything is written; an error from it stops the update, and the lock
	// is released.
	Backup func(ctx context.Context, original *Original) error
	// AnyShape reads and writes a configuration of a shape package flow
	// does not read as it is (flow.ParseAny): the edit gets a Document
	// with no nodes, which it can only Overwrite, as restoring a backup
	// does. Verification then compares the bytes (or the decoded JSON).
	AnyShape bool
	// Cache, when set, serves the first read of the latest configuration,
	// the one made without a lock to learn whether there is anything to
	// change (see ConfigCache). The read after check-out is always made
	// afresh: what is written is edited from what the platform holds then.
	Cache ConfigCache
}

// UpdateResult reports one flow's update.
type UpdateResult struct {
	FlowID, FlowName string
	// FlowType is the flow's type as the platform gives it (INBOUNDCALL).
	FlowType string
	// Changes are the edits made (or, in a dry run, that would be made).
	Changes []flow.Change
	// Changed is true when a new version was written.
	Changed bool
	// DryRun is set for a dry run; Diff is then the unified diff of the
	// document, indented so that each value has a line.
	DryRun bool
	Diff   string
	// FromVersion is the version the edit was made on (in a dry run, the
	// version read); SavedVersion the version the save created; NewVersion
	// the version published or checked in; Published whether it was
	// published.
	FromVersion, SavedVersion, NewVersion string
	// FromSHA256 is the sha256 (hex) of the configuration the edit was made
	// on, as read: with FromVersion, what a plan records to tell later
	// whether the flow moved.
	FromSHA256 string
	// ToSHA256 is the sha256 (hex) of the configuration the new version
	// holds, as read back when the write was verified: what a backup
	// records, so that a restore can tell whether somebody changed the
	// flow since. Empty when nothing was written, or it was not verified.
	ToSHA256  string
	Published bool
	// DuplicateOf is set when another run with the same OAuth client
	// committed the same configuration as this update while it ran (both
	// had checked the flow out before either saved, which the platform
	// cannot tell apart): NewVersion then repeats version DuplicateOf.
	DuplicateOf string
	// Attempts is how many times the flow was read and edited (conflicts
	// make it more than one).
	Attempts int
	// FromCache: the last lock-free read came from UpdateOptions.Cache.
	FromCache bool
	// Duration is the time the update took.
	Duration time.Duration
	// Warnings are things the caller should know (a lock broken).
	Warnings []string
	// Staged is set when the flow's unpublished draft was exactly this
	// edit's own work on the published version (an earlier check-in of the
	// same change, as `raise -apply` leaves it): with Publish it was
	// published as it is (Changed, Published; Changes are the edits it
	// holds), without Publish it was left as it is (no Changes).
	Staged bool
}

// retryUpdateError marks a failure after which the whole update starts again
// from a fresh read.
type retryUpdateError struct{ err error }

func (e *retryUpdateError) Error() string { return e.err.Error() }
func (e *retryUpdateError) Unwrap() error { return e.err }

// UpdateFlow reads a flow, applies edit and writes the result as a new
// version, safely:
//
//  1. It reads the flow. A lock it did not take (another user's, another
//     OAuth client's, or this OAuth client's held by another run) is waited
//     for with backoff and then reported as a *LockError (ErrLocked), unless
//     ForceUnlock (another holder) or ReleaseStaleLocks (this client id)
//     says to break it. An unpublished draft that is exactly edit's work on
//     the published version (edit applied to the published configuration
//     gives the draft's bytes: an earlier check-in of the same change) is
//     staged: with Publish it is published as it is, after a check-out, a
//     check that the draft is still those bytes and the backup, and
//     verified; without Publish it is left as it is (UpdateResult.Staged).
//     Any other draft is ErrDraftPending unless AllowDraft.
//  2. It reads the latest configuration and runs edit without a lock. No
//     change (no Change reported and the bytes as they were): it returns,
//     having taken no lock and written nothing. A dry run returns here too,
//     with the diff. Otherwise it checks the flow out, reads the latest
//     configuration again and runs edit on that.
//  3. A document above MaxRequestBytes is refused with ErrTooLarge.
//  4. opts.Backup gets the original; then the new version is saved and
//     published (opts.Publish) or checked in.
//  5. It reads the configuration of the version published or checked in and
//     verifies it: byte equality with what was saved, or where a server
//     re-serialises, equality of the decoded JSON; and each changed node must
//     read back with its new timeout. A difference is ErrVerify.
//
// Only what needs a fresh read is repeated here, after a backoff, up to the
// client's retry policy: a conflict (409), a lock that may end, and a write
// whose answer was lost (it is confirmed by reading, never sent again). The
// edit is re-applied to the new bytes, never stale ones sent again. Every
// other failure has had its retries in the request layer and ends the
// update.
//
// After a failure from the check-out on, the lock this update took is
// released before UpdateFlow returns, even when ctx is cancelled: the
// configuration this update saved is reverted and the lock unlocked if it
// outlives the revert. A saved draft with other bytes than this update's is
// another run's work (two runs with the same credentials may both check a
// flow out): it and its lock are left alone, and a warning says so.
//
// Errors are *ObjectError, which name the flow once: "update of flow ID
// (name): ...".
func (c *Client) UpdateFlow(ctx context.Context, flowID string, edit EditFunc, opts *UpdateOptions) (*UpdateResult, error) {
	var o UpdateOptions
	if opts != nil {
		o = *opts
	}
	start := time.Now()
	res := &UpdateResult{FlowID: flowID, DryRun: o.DryRun}
	if strings.TrimSpace(flowID) == "" || edit == nil {
		return res, fmt.Errorf("%w: UpdateFlow needs a flow id and an edit function", ErrInvalidArgument)
	}
	if o.DryRun {
		c = c.ReadOnly() // structural: nothing below can write
	}
	if o.AnyShape {
		view := *c
		view.anyShape = true
		c = &view
	}
	st := updateState{}
	err := settle.Again(ctx, c.policy, func(ctx context.Context) error {
		res.Attempts++
		err := c.updateOnce(ctx, flowID, edit, &o, res, &st)
		var again *retryUpdateError
		switch {
		case err == errNothingLeft:
			res.Changes = nil
			return nil
		case err == nil || errors.As(err, &again):
			return err
		}
		return retry.Permanent(err)
	})
	if err != nil && st.held {
		// Gave up (or was cancelled) between passes, holding the lock.
		err = c.releaseAfter(ctx, flowID, err, &o, res, &st)
	}
	res.Duration = time.Since(start)
	if err != nil {
		return res, updateError(ctx, flowID, res, err)
	}
	return res, nil
}

// updateError names the flow once in an update's error (an *ObjectError).
// A cancellation reads "stopped" unless releasing the lock failed too:
// that must be said. (The retry layer's *retry.Error and this package's
// retryUpdateError read as the error they hold.)
func updateError(ctx context.Context, flowID string, res *UpdateResult, err error) error {
	var rel *releaseError
	stopped := false
	if !errors.As(err, &rel) {
		stopped, err = settle.Stopped(ctx, err)
	}
	return &ObjectError{Op: "update", Kind: "flow", ID: flowID, Name: res.FlowName, Stopped: stopped, Err: err}
}

// releaseError is a failure after which releasing this update's lock
// failed too: both are said, and both reachable with errors.Is.
type releaseError struct {
	err, release error
}

func (e *releaseError) Error() string {
	return fmt.Sprintf("%v; releasing the lock also failed: %v", e.err, e.release)
}

func (e *releaseError) Unwrap() []error { return []error{e.err, e.release} }

// updateState is what one pass of UpdateFlow leaves for the next.
type updateState struct {
	// held: this update sent a check-out whose lock it has not released
	// yet. Only then is a lock of this client id this update's own.
	held bool
	// saved is what this update saved (or sent to be saved, its answer
	// lost) under its lock: a saved draft with other bytes is another
	// run's.
	saved []byte
	// uncertain: a write was sent whose outcome is unknown (its answer was
	// lost, or a 5xx): the next pass may find it done. stopped: the
	// outcome is unknown because the update was stopped while it waited.
	uncertain, stopped bool
	// before is the committed version the first write was made on.
	before string
	// changes are the edits of the last write sent.
	changes []flow.Change
	// last is the flow as the last release read it.
	last *Flow
}

// updateOnce is one pass of UpdateFlow. It returns *retryUpdateError for what
// a fresh start may cure.
func (c *Client) updateOnce(ctx context.Context, flowID string, edit EditFunc, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	res.Changes, res.Diff = nil, ""
	f, err := c.Flow(ctx, flowID)
	if err != nil {
		return readFailed(err)
	}
	res.FlowName, res.FlowType = f.Name, f.Type
	if st.held && !c.lockedBySameClient(f) {
		st.held = false // the lock ended meanwhile (the commit went through, say)
	}
	if st.held {
		return c.resume(ctx, f, edit, o, res, st)
	}
	if f, err = c.clearLock(ctx, f, o, res, st); err != nil {
		return err
	}
	if f.HasDraft() {
		staged, published, err := c.stagedDraft(ctx, f, o.Cache, edit, res)
		if err != nil {
			return err
		}
		if staged != nil {
			return c.publishStaged(ctx, f, staged, published, o, res, st)
		}
		res.Changes = nil
		if !o.AllowDraft {
			return fmt.Errorf("%w: a saved or checked-in version is newer than the published one; publish or revert it first, or allow drafts", ErrDraftPending)
		}
	}
	doc, original, err := c.readAndEdit(ctx, f, o.Cache, edit, res)
	if err != nil {
		return err
	}
	if unchanged(res.Changes, doc, original) {
		c.confirmEarlierWrite(f, o, res, st)
		return nil
	}
	if o.DryRun {
		res.Diff = documentDiff(flowID, o.DiffLabel, original, doc.Bytes())
		return nil
	}
	if st.before == "" {
		st.before = committedVersionID(f, o.Publish)
	}
	return c.writeLocked(ctx, f, edit, o, res, st)
}

// stagedDraft reads f's published configuration and its draft, and
// returns the draft when it is exactly this edit's own work on the
// published version: edit changes the published configuration and gives
// the draft's bytes, as a check-in of an earlier run of the same edit
// left it. It returns the draft's document and the published bytes, or a
// nil document when the draft is anything else (somebody's other work).
func (c *Client) stagedDraft(ctx context.Context, f *Flow, cache ConfigCache, edit EditFunc, res *UpdateResult) (*flow.Document, []byte, error) {
	if f.PublishedVersion == nil || hasSavedDraft(f) {
		return nil, nil, nil // never published, or a save under somebody's lock
	}
	pub, _, err := c.configurationOf(ctx, cache, f, f.PublishedVersion, false)
	if err != nil {
		return nil, nil, readFailed(err)
	}
	published := bytes.Clone(pub.Bytes())
	res.FromSHA256 = sha256Hex(published)
	changes, err := edit(pub) // pub now holds the edit's bytes
	if err != nil || unchanged(changes, pub, published) {
		return nil, nil, nil // the edit has nothing to say of the published version: not its draft
	}
	draft, _, err := c.configurationOf(ctx, cache, f, f.LatestVersion(), true)
	if err != nil {
		return nil, nil, readFailed(err)
	}
	if !bytes.Equal(draft.Bytes(), pub.Bytes()) {
		return nil, nil, nil
	}
	res.Changes = changes
	return draft, published, nil
}

// publishStaged publishes a staged draft as it is (see stagedDraft), or in
// a dry run says it would; without Publish it leaves the draft staged. It
// checks the flow out, so that nobody changes the draft between the check
// and the publish, confirms the draft under the lock, hands the published
// configuration to the backup, publishes and verifies.
func (c *Client) publishStaged(ctx context.Context, f *Flow, staged *flow.Document, published []byte, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	res.Staged = true
	res.FromVersion = f.PublishedVersion.ID
	if !o.Publish {
		res.Changes = nil // already staged: nothing to write
		return nil
	}
	if o.DryRun {
		res.Diff = documentDiff(f.ID, o.DiffLabel, published, staged.Bytes())
		return nil
	}
	if st.before == "" {
		st.before = committedVersionID(f, true)
	}
	st.held, st.saved = true, nil
	return c.holding(ctx, f.ID, o, res, st, func() error {
		if _, err := c.Checkout(ctx, f.ID); err != nil {
			return c.checkoutFailed(err, st)
		}
		cur, err := c.latestConfigurationBytes(ctx, f.ID)
		if err != nil {
			return readFailed(err)
		}
		if !bytes.Equal(cur, staged.Bytes()) {
			return &retryUpdateError{fmt.Errorf("%w: the draft changed while this update checked it", ErrConflict)}
		}
		if o.Backup != nil {
			orig := &Original{FlowID: f.ID, FlowName: f.Name, FlowType: f.Type, VersionID: f.PublishedVersion.ID, Config: published}
			if err := o.Backup(ctx, orig); err != nil {
				return fmt.Errorf("writing the backup failed: %w", err)
			}
		}
		st.changes = res.Changes
		st.saved = bytes.Clone(cur) // the draft is this update's change: resume publishes it
		return c.commit(ctx, f.ID, staged, o, res, st)
	})
}

// clearLock decides what f's lock means for this update, and returns the
// flow as it is once the update may go on.
func (c *Client) clearLock(ctx context.Context, f *Flow, o *UpdateOptions, res *UpdateResult, st *updateState) (*Flow, error) {
	if f.LockHolder() == "" {
		return f, nil
	}
	ours := c.lockedBySameClient(f)
	switch {
	case ours && o.ReleaseStaleLocks && o.DryRun:
		res.Warnings = append(res.Warnings, "a lock of this OAuth client that this run did not take is on the flow; an apply run with stale locks released would discard what was saved under it")
		return f, nil
	case ours && o.ReleaseStaleLocks:
		res.Warnings = append(res.Warnings, "released a stale lock of this OAuth client (not taken by this run), discarding what was saved under it")
		if _, _, err := c.release(ctx, f.ID, nil); err != nil {
			return nil, fmt.Errorf("releasing a stale lock: %w", err)
		}
	case !ours && o.ForceUnlock && o.DryRun:
		return f, nil
	case !ours && o.ForceUnlock:
		res.Warnings = append(res.Warnings, fmt.Sprintf("broke the lock of %s on flow %s: Genesys checked in what they had saved", f.LockHolder(), f.ID))
		if _, err := c.Unlock(ctx, f.ID); err != nil {
			return nil, c.writeFailed(err, st)
		}
	default:
		lerr := &LockError{Holder: f.LockHolder(), SameClient: ours}
		if o.DryRun {
			return nil, lerr // reading needs no lock: nothing to wait for
		}
		return nil, &retryUpdateError{lerr}
	}
	f, err := c.Flow(ctx, f.ID)
	if err != nil {
		return nil, readFailed(err)
	}
	if f.LockHolder() != "" {
		return nil, &retryUpdateError{&LockError{Holder: f.LockHolder(), SameClient: c.lockedBySameClient(f)}}
	}
	return f, nil
}

// readAndEdit reads the latest configuration of f, through cache when it is
// not nil (the lock-free read), runs edit on it, and checks the result's
// size. It returns the edited document and the original bytes.
func (c *Client) readAndEdit(ctx context.Context, f *Flow, cache ConfigCache, edit EditFunc, res *UpdateResult) (*flow.Document, []byte, error) {
	doc, fromCache, err := c.configurationOf(ctx, cache, f, f.LatestVersion(), true)
	if cache != nil {
		res.FromCache = fromCache
	}
	if err != nil {
		return nil, nil, readFailed(err)
	}
	original := bytes.Clone(doc.Bytes())
	res.FromSHA256 = sha256Hex(original)
	if v := f.LatestVersion(); v != nil && res.FromVersion == "" {
		res.FromVersion = v.ID // under the lock, the check-out's answer says it again
	}
	changes, err := edit(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("the edit failed: %w", err)
	}
	res.Changes = changes
	if n := len(doc.Bytes()); n > MaxRequestBytes && !unchanged(changes, doc, original) {
		return nil, nil, tooLarge(n)
	}
	return doc, original, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func unchanged(changes []flow.Change, doc *flow.Document, original []byte) bool {
	return len(changes) == 0 && bytes.Equal(doc.Bytes(), original)
}

func tooLarge(n int) error {
	return fmt.Errorf("%w: the configuration is %d bytes, above the platform's limit of %d", ErrTooLarge, n, MaxRequestBytes)
}

// writeLocked checks the flow out, edits it again under the lock, saves,
// publishes or checks in, and verifies. A failure that a fresh pass may cure
// keeps the lock for the next pass to resume with; any other failure
// releases it.
func (c *Client) writeLocked(ctx context.Context, f *Flow, edit EditFunc, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	st.held, st.saved = true, nil
	return c.holding(ctx, f.ID, o, res, st, func() error {
		locked, err := c.Checkout(ctx, f.ID)
		if err != nil {
			return c.checkoutFailed(err, st)
		}
		res.FromVersion = latestVersionID(locked)
		return c.editAndCommit(ctx, f, edit, o, res, st)
	})
}

// resume goes on with an update that a conflict or a lost answer
// interrupted while it held the lock, rather than discard what it saved: a
// saved draft with exactly the bytes this update sent is published (or
// checked in) as it is, whoever saved it, since it is this update's change;
// no saved draft means nothing was saved yet, so it reads, edits and saves
// under the lock it holds. A draft with other bytes is another run's: the
// lock is no longer this update's.
func (c *Client) resume(ctx context.Context, f *Flow, edit EditFunc, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	return c.holding(ctx, f.ID, o, res, st, func() error {
		if !hasSavedDraft(f) && !res.Staged {
			st.saved = nil // an earlier save of ours did not land
			return c.editAndCommit(ctx, f, edit, o, res, st)
		}
		cur, err := c.latestConfigurationBytes(ctx, f.ID)
		if err != nil {
			return readFailed(err)
		}
		if st.saved == nil || !bytes.Equal(cur, st.saved) {
			st.held = false
			return &retryUpdateError{&LockError{Holder: f.LockHolder(), SameClient: true}}
		}
		doc, err := c.parseConfiguration("the saved draft", cur)
		if err != nil {
			return err
		}
		res.Changes = st.changes
		return c.commit(ctx, f.ID, doc, o, res, st)
	})
}

// holding runs fn, which works under this update's lock. A failure that a
// fresh pass may cure keeps the lock for resume; any other failure, and
// errNothingLeft, releases it.
func (c *Client) holding(ctx context.Context, flowID string, o *UpdateOptions, res *UpdateResult, st *updateState, fn func() error) error {
	err := fn()
	var again *retryUpdateError
	if err != nil && st.held && !errors.As(err, &again) {
		err = c.releaseAfter(ctx, flowID, err, o, res, st)
	}
	return err
}

// editAndCommit reads the latest configuration under the lock, edits it,
// hands the original to the backup, saves, and commits.
func (c *Client) editAndCommit(ctx context.Context, f *Flow, edit EditFunc, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	doc, original, err := c.readAndEdit(ctx, f, nil, edit, res) // under the lock: fresh
	if err != nil {
		return err
	}
	if unchanged(res.Changes, doc, original) {
		return errNothingLeft // someone made the change meanwhile: release the lock
	}
	if o.Backup != nil {
		orig := &Original{FlowID: f.ID, FlowName: f.Name, FlowType: f.Type, VersionID: res.FromVersion, Config: original}
		if err := o.Backup(ctx, orig); err != nil {
			return fmt.Errorf("writing the backup failed: %w", err)
		}
	}
	st.changes = res.Changes
	// What was sent counts as saved until refused: a save whose answer was
	// lost may have landed, and resume must recognise it.
	st.saved = bytes.Clone(doc.Bytes())
	saved, err := c.SaveVersion(ctx, f.ID, doc)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusTooManyRequests {
			st.saved = nil
		}
		return c.writeFailed(err, st)
	}
	res.SavedVersion = saved.ID
	return c.commit(ctx, f.ID, doc, o, res, st)
}

// commit publishes or checks in the saved draft, which releases the lock,
// and verifies the version it makes.
func (c *Client) commit(ctx context.Context, flowID string, doc *flow.Document, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	var f *Flow
	var err error
	if o.Publish {
		f, err = c.Publish(ctx, flowID)
	} else {
		f, err = c.Checkin(ctx, flowID)
	}
	if err != nil {
		return c.writeFailed(err, st)
	}
	st.held = false
	res.Changed, res.Published = true, o.Publish
	res.NewVersion = committedVersionID(f, o.Publish)
	if res.NewVersion == "none" {
		return fmt.Errorf("%w: the flow names no new version after the write", ErrVerify)
	}
	c.detectDuplicate(ctx, flowID, doc.Bytes(), o, res, st)
	sum, err := c.verify(ctx, flowID, res.NewVersion, doc, res.Changes)
	res.ToSHA256 = sum
	return err
}

// releaseAfter releases this update's lock after err, even when ctx is
// cancelled, and returns the error to report.
func (c *Client) releaseAfter(ctx context.Context, flowID string, err error, o *UpdateOptions, res *UpdateResult, st *updateState) error {
	cctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	if rerr := c.releaseOwn(cctx, flowID, res, st); rerr != nil {
		return &releaseError{err: err, release: rerr}
	}
	if st.last != nil {
		// A write whose outcome was unknown may have gone through: say
		// so, rather than report nothing done.
		c.confirmEarlierWrite(st.last, o, res, st)
	}
	return err
}

// releaseOwn releases the lock this update took, leaving another run's
// saved work alone.
func (c *Client) releaseOwn(ctx context.Context, flowID string, res *UpdateResult, st *updateState) error {
	last, left, err := c.release(ctx, flowID, func() []byte {
		if st.saved == nil {
			return []byte{} // nothing saved by us: any draft is another run's
		}
		return st.saved
	}())
	if err != nil {
		return err
	}
	st.held, st.last = false, last
	if left {
		res.Warnings = append(res.Warnings, "another run with the same OAuth client has saved work on this flow under the same lock; left it, and the lock, to that run")
	}
	return nil
}

// release frees flowID of a lock held by this OAuth client id: it reverts
// (discarding the saved draft) and unlocks if the lock outlives the revert
// (modelled: the fake organisation's revert releases it). It repeats on
// failures and waits out an operation still running.
//
// mine is what the caller saved under the lock: nil discards any saved draft
// (a stale lock being released on purpose); otherwise a saved draft whose
// bytes differ from mine is another run's, and release leaves it and its
// lock alone, reporting left. It returns the flow as last read.
func (c *Client) release(ctx context.Context, flowID string, mine []byte) (last *Flow, left bool, err error) {
	held := func(ctx context.Context) (bool, error) {
		f, err := c.Flow(ctx, flowID)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrGone) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		last = f
		return c.lockedBySameClient(f), nil
	}
	classify := func(err error) error {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusConflict && ae.Status != http.StatusTooManyRequests {
			return retry.Permanent(err)
		}
		return err
	}
	err = settle.Again(ctx, c.policy, func(ctx context.Context) error {
		if ok, err := held(ctx); err != nil || !ok {
			return err
		}
		if mine != nil && hasSavedDraft(last) {
			cur, err := c.latestConfigurationBytes(ctx, flowID)
			if err != nil {
				return err
			}
			if !bytes.Equal(cur, mine) {
				left = true
				return nil
			}
		}
		if _, err := c.Revert(ctx, flowID); err != nil {
			return classify(err)
		}
		if ok, err := held(ctx); err != nil || !ok {
			return err
		}
		if _, err := c.Unlock(ctx, flowID); err != nil {
			return classify(err)
		}
		return errors.New("unlocked; reading once more to confirm")
	})
	if err != nil {
		return nil, false, err
	}
	return last, left, nil
}

// hasSavedDraft reports whether f has a saved configuration newer than its
// newest committed version.
func hasSavedDraft(f *Flow) bool {
	s := f.SavedVersion
	return s != nil && s.newerThan(f.CheckedInVersion) && s.newerThan(f.PublishedVersion)
}

// readFailed classifies a failed read. The request layer has already
// repeated what was worth repeating, so only a conflict starts again, and
// a rate limit that outlasted the request layer's retries: under a limit
// shared with other work, the update waits its turn rather than give up
// with a write half seen through.
func readFailed(err error) error {
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrRateLimited) {
		return &retryUpdateError{err}
	}
	return err
}

// checkoutFailed classifies a failed check-out: refused (a 4xx), the lock,
// if any, is somebody else's, not this update's; otherwise as any write.
func (c *Client) checkoutFailed(err error, st *updateState) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status < 500 {
		st.held = false
	}
	return c.writeFailed(err, st)
}

// writeFailed classifies a failed write (POSTs are not repeated by the
// request layer). Refused with a conflict: start again from a fresh read.
// Refused otherwise: permanent. A 5xx, a lost answer or a cancellation in
// flight leaves its outcome unknown, so the next pass reads the flow again
// and looks.
func (c *Client) writeFailed(err error, st *updateState) error {
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusConflict:
		return &retryUpdateError{err}
	case errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusTooManyRequests:
		return err
	case errors.Is(err, ErrReadOnly), errors.Is(err, ErrTooLarge), errors.Is(err, ErrOperationFailed), errors.Is(err, ErrInvalidResponse):
		return err
	}
	st.uncertain = true
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		st.stopped = true
		return err
	}
	return &retryUpdateError{err}
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
		why := "an answer was lost"
		if st.stopped {
			why = "the run stopped before a write's answer came"
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s; version %s, made by this OAuth client, already holds the change", why, v.ID))
	}
}

// detectDuplicate looks for a version that another run with the same OAuth
// client committed between the version this update started from and the one
// it made, with the same configuration. It costs nothing when the new
// version directly follows the old one (modelled: committed versions are
// numbered 1.0, 2.0, ...), and a version listing and a configuration read
// otherwise.
func (c *Client) detectDuplicate(ctx context.Context, flowID string, saved []byte, o *UpdateOptions, res *UpdateResult, st *updateState) {
	before, errB := strconv.ParseFloat(st.before, 64)
	if st.before == "none" {
		before, errB = 0, nil
	}
	after, errA := strconv.ParseFloat(res.NewVersion, 64)
	if errA != nil || errB != nil || after <= before+1 {
		return
	}
	for v, err := range c.FlowVersions(ctx, flowID) {
		if err != nil {
			return
		}
		n, perr := strconv.ParseFloat(v.ID, 64)
		if perr != nil || n >= after || n <= before {
			if perr == nil && n <= before {
				return // newest first: nothing older matters
			}
			continue
		}
		if v.CreatedByClient == nil || v.CreatedByClient.ID != c.cfg.ClientID || v.Type == "SAVE" {
			continue
		}
		cfg, err := c.Configuration(ctx, flowID, v.ID)
		if err == nil && bytes.Equal(cfg.Bytes(), saved) {
			res.DuplicateOf = v.ID
			res.Warnings = append(res.Warnings, fmt.Sprintf("another run with the same OAuth client committed the same configuration as version %s while this one ran; version %s repeats it", v.ID, res.NewVersion))
			return
		}
	}
}

// committedVersionID is the id of f's published (or checked-in) version, or
// "none".
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
	if v := f.LatestVersion(); v != nil {
		return v.ID
	}
	return ""
}

// verify reads back the version written and compares it with doc.
func (c *Client) verify(ctx context.Context, flowID, versionID string, doc *flow.Document, changes []flow.Change) (string, error) {
	var got *flow.Document
	// The write is done; reading it back is worth a wait of its own when
	// the platform is busy (429, 5xx after the request layer's retries).
	err := settle.Again(ctx, c.policy, func(ctx context.Context) error {
		var err error
		got, err = c.Configuration(ctx, flowID, versionID)
		var ae *APIError
		if err != nil && !(errors.As(err, &ae) && (ae.Status == http.StatusTooManyRequests || ae.Status >= 500)) {
			return retry.Permanent(err)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("%w: reading version %s back: %w", ErrVerify, versionID, err)
	}
	if !bytes.Equal(got.Bytes(), doc.Bytes()) && !diff.SameJSON(got.Bytes(), doc.Bytes()) {
		return "", fmt.Errorf("%w: version %s differs from what was saved", ErrVerify, versionID)
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
			return "", fmt.Errorf("%w: node %q at %s does not read back as %v in version %s", ErrVerify, ch.Node.ID, ch.Node.Pointer, ch.To, versionID)
		}
	}
	return sha256Hex(got.Bytes()), nil
}

// documentDiff is a unified diff of two versions of a document.
func documentDiff(flowID, label string, before, after []byte) string {
	if label == "" {
		label = "edited"
	}
	return diff.JSON("flows/"+flowID+" (now)", "flows/"+flowID+" ("+label+")", before, after)
}
