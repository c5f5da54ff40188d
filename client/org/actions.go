package org

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
)

// actionCache reads each data action once a run, however many flows name
// it, one read in flight per action (singleflight). It keeps a success
// and an answer that would be the same for every caller (a 4xx: the action
// does not exist, or may not be read); it does not keep a failure that
// belongs to one caller (its cancelled context) or to one moment (a 5xx, a
// 429, a lost connection): the next caller reads again. A caller waiting
// for another's read gives up when its own context ends. An action a
// batch (prefetch) is reading is waited for, not read again.
type actionCache struct {
	c      *client.Client
	flight singleflight.Group
	mu     sync.Mutex
	kept   map[string]actionRead
	// batched are the ids a prefetch is reading; each channel is closed
	// when its batch has landed.
	batched map[string]chan struct{}
}

// actionRead is one action as read: the action, or why it could not be.
type actionRead struct {
	a   *dataaction.Action
	err error
}

func newActionCache(c *client.Client) *actionCache {
	return &actionCache{c: c, kept: map[string]actionRead{}, batched: map[string]chan struct{}{}}
}

func (ac *actionCache) get(ctx context.Context, id string) (*dataaction.Action, error) {
	for {
		ac.mu.Lock()
		r, ok := ac.kept[id]
		landed := ac.batched[id]
		ac.mu.Unlock()
		if ok {
			return r.a, r.err
		}
		if landed != nil { // another flow's batch is reading it
			select {
			case <-landed:
				ac.mu.Lock()
				r, ok = ac.kept[id]
				ac.mu.Unlock()
				if ok {
					return r.a, r.err
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := ac.flight.DoChan(id, func() (any, error) {
			a, err := dataaction.Get(ctx, ac.c, id)
			if err == nil {
				err = readFunction(ctx, ac.c, a)
			}
			if err == nil || lasting(err) {
				ac.mu.Lock()
				ac.kept[id] = actionRead{a, err}
				ac.mu.Unlock()
			}
			return actionRead{a, err}, nil
		})
		select {
		case res := <-ch:
			r := res.Val.(actionRead)
			if r.err != nil && !lasting(r.err) && ctx.Err() == nil && isContextErr(r.err) {
				continue // the reader's cancellation was its own: read again
			}
			return r.a, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// batchSize is how many action ids one listing asks for: the spec's advice
// (25), which keeps the URL short.
const batchSize = 25

// prefetch reads, in batches of batchSize through the action listing
// (ids and includeConfig: one request a batch, every page), the actions
// of ids that are not kept yet, and keeps those the listing answers. An id
// the listing does not answer (deleted, not permitted) is left to get,
// which reads it alone, so that its reason is exact; a batch that fails is
// left to get likewise. An id another prefetch is reading is left to it:
// get waits for that batch.
func (ac *actionCache) prefetch(ctx context.Context, ids []string) {
	ac.mu.Lock()
	var want []string
	seen := map[string]bool{}
	landed := make(chan struct{})
	for _, id := range ids {
		_, kept := ac.kept[id]
		if !kept && id != "" && !seen[id] && ac.batched[id] == nil { // one batch reads an id at a time
			seen[id] = true
			want = append(want, id)
			ac.batched[id] = landed
		}
	}
	ac.mu.Unlock()
	defer func() {
		ac.mu.Lock()
		for _, id := range want {
			delete(ac.batched, id)
		}
		ac.mu.Unlock()
		close(landed)
	}()
	for start := 0; start < len(want); start += batchSize {
		batch := want[start:min(start+batchSize, len(want))]
		read := map[string]*dataaction.Action{}
		for a, err := range dataaction.List(ctx, ac.c, &dataaction.ListOptions{IDs: batch, PageSize: batchSize}) {
			if err != nil {
				read = nil // the batch failed: get reads each alone
				break
			}
			if seen[a.ID] {
				a := a
				read[a.ID] = &a
			}
		}
		got := make(map[string]actionRead, len(read))
		for id, a := range read {
			err := readFunction(ctx, ac.c, a)
			if err == nil || lasting(err) {
				got[id] = actionRead{a, err} // else get reads it again, alone
			}
		}
		ac.mu.Lock()
		for id, r := range got {
			if _, kept := ac.kept[id]; !kept {
				ac.kept[id] = r
			}
		}
		ac.mu.Unlock()
	}
}

// readFunction reads a function action's function settings into
// a.Function (GetFunction: one request a function action), which its limit
// is; any other action needs none.
func readFunction(ctx context.Context, c *client.Client, a *dataaction.Action) error {
	if !a.IsFunction() {
		return nil
	}
	f, err := dataaction.GetFunction(ctx, c, a.ID)
	if err != nil {
		return fmt.Errorf("reading its function: %w", err)
	}
	a.Function = f
	return nil
}

// lasting reports whether an error is an answer every caller would get.
func lasting(err error) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 &&
		ae.Status != http.StatusRequestTimeout && ae.Status != http.StatusTooManyRequests
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// actionRaiser raises each action at most once a run, for
// RaiseOptions.Actions; the flows that need one wait for it.
type actionRaiser struct {
	c      *client.Client
	o      *RaiseOptions
	flight singleflight.Group
	mu     sync.Mutex
	done   map[string]raisedAction
	cbMu   sync.Mutex // one OnAction call at a time
}

// raisedAction is what raising one action came to: its timeout then, and
// whether this run raised it (or, in a dry run, would); capped when it is a
// function at the most a function waits, which no raise can pass; asked
// the target the raise was for.
type raisedAction struct {
	to, asked time.Duration
	ours      bool
	capped    bool
	err       error
}

// enough reports whether what came of an action's raise is all a node
// whose target is target will get this run: it failed (which a second try
// would not cure), reached the target, cannot go higher, or was a raise to
// target or more already. Only a raise for a smaller target is not.
func (res raisedAction) enough(target time.Duration) bool {
	return res.err != nil || res.to >= target || res.capped || res.asked >= target
}

func newActionRaiser(c *client.Client, o *RaiseOptions) *actionRaiser {
	return &actionRaiser{c: c, o: o, done: map[string]raisedAction{}}
}

// raise sets the action's timeout to target rounded up (or, in a dry run,
// plans it) and returns what came of it: an action somebody else raised to
// target or more meanwhile is left as it is, and not this run's raise. An
// action raised already this run is raised again only when target is more
// than it was raised to (a policy's rules differ by flow). read is the
// action as the run read it.
func (r *actionRaiser) raise(ctx context.Context, actionID string, read *dataaction.Action, target time.Duration) raisedAction {
	for {
		r.mu.Lock()
		got, ok := r.done[actionID]
		r.mu.Unlock()
		if ok && got.enough(target) {
			return got
		}
		ch := r.flight.DoChan(actionID, func() (any, error) {
			// Another flight may have finished between the check above and
			// this one's start: never raise (or report) an action twice
			// for one target.
			r.mu.Lock()
			got, ok := r.done[actionID]
			r.mu.Unlock()
			if ok && got.enough(target) {
				return got, nil
			}
			res := r.raiseOnce(ctx, actionID, read, target)
			if ok && got.ours && !res.ours {
				res.ours = true // raised by this run before, and left since
			}
			r.mu.Lock()
			r.done[actionID] = res
			r.mu.Unlock()
			return res, nil
		})
		select {
		case res := <-ch:
			if got := res.Val.(raisedAction); got.enough(target) {
				return got
			}
			// That flight was for a smaller target: go again for this one.
		case <-ctx.Done():
			return raisedAction{err: ctx.Err()}
		}
	}
}

// raiseOptions are the options of an action raise of Raise or ApplyPlan:
// only raising (AtLeast), only from expect when it is not zero, and the
// caller's backup of the action, if any, before its PATCH.
func raiseOptions(actionID string, dry bool, expect time.Duration, backup func(context.Context, string, []byte, time.Duration) error) *dataaction.SetOptions {
	so := &dataaction.SetOptions{DryRun: dry, AtLeast: true, Expect: expect}
	if backup != nil {
		so.Backup = func(ctx context.Context, read []byte, to time.Duration) error { return backup(ctx, actionID, read, to) }
	}
	return so
}

// raiseOnce raises the action to target, reports it to OnAction, and
// returns what came of it.
func (r *actionRaiser) raiseOnce(ctx context.Context, actionID string, read *dataaction.Action, target time.Duration) raisedAction {
	dry := r.o.Update.DryRun
	var ch *dataaction.Change
	var err error
	if read != nil {
		err = read.TimeoutChangeable()
	}
	if err != nil {
		// The run has read it already: refused without asking again.
		err = &client.ObjectError{Op: "timeout", Kind: "action", ID: actionID, Err: err}
		ch = &dataaction.Change{ActionID: actionID, Name: read.Name, DryRun: dry}
	} else {
		ch, err = dataaction.SetTimeout(ctx, r.c, actionID, target, raiseOptions(actionID, dry, 0, r.o.ActionBackup))
	}
	if ch == nil { // refused before any request
		ch = &dataaction.Change{ActionID: actionID, DryRun: dry}
	}
	res := raisedAction{asked: target}
	if err == nil {
		res.ours = ch.Changed || (ch.DryRun && ch.Diff != "")
		res.capped = ch.Capped || (ch.Function && ch.From >= dataaction.MaxFunctionTimeout)
		res.to = ch.From // as it is: already the target or more
		if res.ours {
			res.to = ch.To
		}
	}
	res.err = err
	if r.o.OnAction != nil {
		r.cbMu.Lock()
		defer r.cbMu.Unlock() // even if OnAction panics
		r.o.OnAction(ch, err)
	}
	return res
}
