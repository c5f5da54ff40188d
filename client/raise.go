package client

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/gcflow/timeouts/flow"
)

// MaxDataActionTimeout is the longest any data action waits
// (config.timeoutSeconds is 1 to 60).
const MaxDataActionTimeout = 60 * time.Second

// RaiseOptions say what RaiseTimeouts raises and how it writes each flow.
type RaiseOptions struct {
	// UpdateOptions say how each flow is written (Publish, AllowDraft,
	// ForceUnlock, ReleaseStaleLocks, DryRun, Backup). A dry run runs on a
	// ReadOnly view of the client; DiffLabel defaults to "raised".
	UpdateOptions
	// FlowIDs names the flows; when nil, Types and Name filter all flows.
	// A named flow that does not exist is yielded with ErrNotFound; an
	// empty id, or a list that is not nil but empty, is ErrConfig: an empty
	// selection never means every flow.
	FlowIDs []string
	Types   []string
	Name    string
	// Min is the shortest acceptable timeout: every Data Action below it is
	// raised to it. Required, at most MaxDataActionTimeout.
	Min time.Duration
	// OverrideSuggested gives a custom timeout of Min to nodes that use the
	// suggested timeout, where that raises what they wait: only when their
	// action's own timeout is unknown, since a node never waits longer
	// than its action.
	OverrideSuggested bool
	// IncludeHTTP also raises the tutorial shape's HTTP nodes.
	IncludeHTTP bool
	// Actions raises the integration actions themselves: every action that
	// a matched node relies on and whose own timeoutSeconds is below Min is
	// set to Min rounded up to whole seconds (SetActionTimeout), once a
	// run, before the first flow that relies on it is changed; the nodes
	// are then planned against the raised action. Changing an action
	// changes every flow that uses it, in the selection or not. A dry run
	// only plans it. Needs integrations:action:edit.
	Actions bool
	// OnAction, when set, is called once for each action that Actions
	// raised, would raise in a dry run, or could not raise (with the error:
	// ErrStaticAction, ErrFunctionAction, ErrCustomAuthAction, ErrForbidden,
	// ...); the ActionChange always names the action. Calls are never concurrent, though flows are updated in
	// parallel: OnAction may count without a lock.
	OnAction func(*ActionChange, error)
	// Concurrency is how many flows are updated at once: 0 means 4.
	Concurrency int
	// Progress, when set, is called after each flow.
	Progress func(done, total int, current string)
}

// RaiseTimeouts raises the Data Action timeouts below opts.Min in every
// matching flow, each flow through UpdateFlow. It yields one
// (UpdateResult, error) per flow, in listing order (named flows that do not
// exist first); a flow that fails comes with its error and the run goes on:
// one flow's failure never stops or touches another. A failure to list, or
// options that cannot work, end the iteration with an UpdateResult whose
// FlowID is empty.
func (c *Client) RaiseTimeouts(ctx context.Context, opts *RaiseOptions) iter.Seq2[UpdateResult, error] {
	return func(yield func(UpdateResult, error) bool) {
		switch {
		case opts == nil || opts.Min <= 0:
			yield(UpdateResult{}, fmt.Errorf("%w: RaiseOptions.Min must be a positive duration", ErrInvalidArgument))
			return
		case opts.Min > MaxDataActionTimeout:
			yield(UpdateResult{}, fmt.Errorf("%w: a minimum of %v is above %v, the longest a data action waits: the action would give up first",
				ErrTargetTooLong, opts.Min, MaxDataActionTimeout))
			return
		}
		o := *opts
		if o.DryRun {
			c = c.ReadOnly() // structural: nothing below can write
		}
		if o.DiffLabel == "" {
			o.DiffLabel = "raised"
		}
		flows, missing, err := c.selectFlows(ctx, o.Types, o.Name, o.FlowIDs)
		if err != nil {
			yield(UpdateResult{}, err)
			return
		}
		for _, id := range missing {
			if !yield(UpdateResult{FlowID: id, DryRun: o.DryRun}, missingFlow(id)) {
				return
			}
		}
		actions := newActionCache(c)
		raiser := &actionRaiser{c: c, o: &o, done: map[string]*raisedAction{}}
		results := parallel(ctx, flows, o.Concurrency, o.Progress, func(ctx context.Context, f Flow) (UpdateResult, error) {
			var effects []Effect
			res, err := c.UpdateFlow(ctx, f.ID, c.raiseEdit(ctx, &o, actions, raiser, &effects), &o.UpdateOptions)
			res.FlowName = f.Name
			res.Effects = effects
			return *res, err
		})
		for r, err := range results {
			if !yield(r, err) {
				return
			}
		}
	}
}

// Effect is what a raise did, or in a dry run would do, to what callers
// wait at one Data Action: its effective timeout, the action's own
// timeoutSeconds when the node uses the suggested timeout, otherwise the
// smaller of the node's literal and the action's timeoutSeconds.
type Effect struct {
	// Node is the node as it was.
	Node flow.Node
	// ActionTimeout is the action's own timeoutSeconds; zero when the node
	// has no action, or the action could not be read or does not say.
	ActionTimeout time.Duration
	// Before and After are the node's effective timeout before and after
	// the raise; zero when unknown (the action could not be read, or a
	// tutorial timeout is unset: the platform's default).
	Before, After time.Duration
	// Raised is set when the node was changed and what it waits went up.
	Raised bool
	// CappedBy names the action when what the node waits stays below Min
	// because the action itself gives up first: changing the node cannot
	// help, only raising the action's timeoutSeconds can.
	CappedBy string
	// ByAction is set when the node's action was raised (RaiseOptions.
	// Actions): After counts the action's new timeout.
	ByAction bool
	// ActionErr is why the action that caps the node could not be raised.
	ActionErr error
	// Reason is why the node still waits less than Min after the raise,
	// or cannot be known to wait enough: "" when it waits enough. An
	// expression node is reported with only Node and Reason.
	Reason Reason
}

// raiseReason is why the node of e still waits less than min after a
// raise; act and aerr are its action as read.
func raiseReason(e *Effect, act *DataAction, aerr error, min time.Duration) Reason {
	n := e.Node
	switch r := ownReason(n); {
	case r != "":
		return r
	case e.After >= min:
		return ""
	case e.ActionErr != nil:
		if r := actionReason(n.ActionID, act, e.ActionErr); r != ReasonUnknownAction {
			return r
		}
		return ReasonActionNotRaised // its raise failed
	}
	return shortReason(n, e.CappedBy != "" || (n.UseSuggested && e.ActionTimeout == 0), act, aerr)
}

// effectiveTimeouts is what a node waits now and would wait with a literal
// of target: the rule of the spec, with known telling whether the action's
// own timeout is known.
func effectiveTimeouts(n flow.Node, action time.Duration, known bool, target time.Duration) (before, after time.Duration) {
	after = target
	if known && action < after {
		after = action
	}
	switch {
	case n.UseSuggested && known:
		before = action
	case n.UseSuggested, n.TimeoutKind != flow.TimeoutLiteral:
		before = 0 // unknown, or unset: the platform's default
	case known && action < n.Timeout:
		before = action
	default:
		before = n.Timeout
	}
	return before, after
}

// raiseEdit is the edit RaiseTimeouts makes to each flow. It plans by
// effective timeout: a node is changed only where its new literal raises
// what callers wait, and every node its action keeps below Min is reported
// in *effects, changed or not.
func (c *Client) raiseEdit(ctx context.Context, o *RaiseOptions, actions *actionCache, raiser *actionRaiser, effects *[]Effect) EditFunc {
	return func(doc *flow.Document) ([]flow.Change, error) {
		*effects = (*effects)[:0] // an edit may run twice: on the first read and under the lock
		planned := map[string]int{}
		filter := func(n flow.Node) bool {
			var act *DataAction
			var aerr error
			if n.ActionID != "" {
				act, aerr = actions.get(ctx, n.ActionID)
			}
			action, known := actionTimeoutOf(act, aerr)
			if n.Err == nil && n.TimeoutKind == flow.TimeoutExpression {
				// Never touched; reported, since what it waits is unknown.
				*effects = append(*effects, Effect{Node: n, ActionTimeout: action, Reason: ReasonExpression})
				return false
			}
			e := Effect{Node: n, ActionTimeout: action}
			e.Before, e.After = effectiveTimeouts(n, action, known, o.Min)
			if known && action < o.Min && o.Actions {
				action = raiser.raiseFor(ctx, &e, act, o.Min) // the action first; then the node against it
			}
			before, after := e.Before, e.After
			if known && action < o.Min {
				e.CappedBy = n.ActionID
			}
			wouldEdit := n.Err != nil || (n.TimeoutKind == flow.TimeoutLiteral && n.Timeout < o.Min && !n.UseSuggested) ||
				(n.TimeoutKind == flow.TimeoutUnset && !n.UseSuggested) || (n.UseSuggested && o.OverrideSuggested)
			helps := !known && n.UseSuggested || after > before
			// With its action raised, the node helps only where its own
			// literal is what keeps callers below the new limit.
			if e.ByAction {
				lit := effectiveNodeOnly(n, action)
				helps = wouldEdit && lit < after && !n.UseSuggested
			}
			switch {
			case wouldEdit && (helps || n.Err != nil):
				// Changed (a node that cannot be read fails the call, as flow says).
				e.Raised = after > before && (known || !n.UseSuggested) // unknown is not "raised"
				planned[n.ID] = len(*effects)
			case e.ByAction && effectiveNodeOnly(n, action) > before:
				// Its action was raised; the node itself needs no change.
				e.Raised, e.After = true, effectiveNodeOnly(n, action)
			case e.CappedBy != "" && before < o.Min:
				e.After = before // left as it is
			case !known && n.UseSuggested:
				e.Before, e.After = 0, 0 // what it waits is unknown: a finding
			default:
				return false
			}
			e.Reason = raiseReason(&e, act, aerr, o.Min)
			*effects = append(*effects, e)
			return wouldEdit && (helps || n.Err != nil)
		}
		changes, err := doc.RaiseTimeouts(o.Min, &flow.RaiseOptions{OverrideSuggested: o.OverrideSuggested, IncludeHTTP: o.IncludeHTTP, Filter: filter})
		if err != nil {
			*effects = (*effects)[:0]
			return nil, err
		}
		// A planned node that flow did not change (an expression, say) did
		// not have its effect.
		changed := make(map[string]bool, len(changes))
		for _, ch := range changes {
			changed[ch.Node.ID] = true
		}
		for id, i := range planned {
			if !changed[id] {
				e := &(*effects)[i]
				e.Raised, e.After = false, e.Before
				e.Reason = raiseReason(e, nil, nil, o.Min)
			}
		}
		return changes, nil
	}
}

// effectiveNodeOnly is what n waits once its action waits action: its
// literal, capped by the action (the suggested timeout is the action's).
func effectiveNodeOnly(n flow.Node, action time.Duration) time.Duration {
	if n.UseSuggested || n.TimeoutKind != flow.TimeoutLiteral || n.Timeout > action {
		return action
	}
	return n.Timeout
}

// actionRaiser raises each action at most once a run, for RaiseOptions.
// Actions; the flows that need one wait for it.
type actionRaiser struct {
	c    *Client
	o    *RaiseOptions
	mu   sync.Mutex
	done map[string]*raisedAction
	cbMu sync.Mutex // one OnAction call at a time
}

type raisedAction struct {
	ready chan struct{}
	to    time.Duration
	ours  bool // this run raised it (or, in a dry run, would)
	err   error
}

// raiseFor raises the action of e's node and plans e against it: against
// its new timeout when this run raised it, or against its timeout as it is
// when somebody else raised it since this run read it. It returns the
// action's timeout to plan with.
func (r *actionRaiser) raiseFor(ctx context.Context, e *Effect, act *DataAction, min time.Duration) time.Duration {
	raised, ours, err := r.raise(ctx, e.Node.ActionID, act)
	switch {
	case err != nil:
		e.ActionErr = err
		return e.ActionTimeout
	case ours:
		_, e.After = effectiveTimeouts(e.Node, raised, true, min)
		e.ByAction = true
	default:
		e.Before, e.After = effectiveTimeouts(e.Node, raised, true, min)
	}
	e.ActionTimeout = raised
	return raised
}

// raise sets the action's timeout to Min rounded up (or, in a dry run,
// plans it) and returns the action's timeout then, and whether this run
// raised it: an action somebody else raised to Min or more meanwhile is
// left as it is, and not this run's raise.
func (r *actionRaiser) raise(ctx context.Context, actionID string, read *DataAction) (to time.Duration, ours bool, err error) {
	r.mu.Lock()
	e, ok := r.done[actionID]
	if !ok {
		e = &raisedAction{ready: make(chan struct{})}
		r.done[actionID] = e
	}
	r.mu.Unlock()
	if ok {
		select {
		case <-e.ready:
			return e.to, e.ours, e.err
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
	var ch *ActionChange
	var refused error
	if read != nil {
		refused = read.TimeoutChangeable()
	}
	err = refused
	if refused != nil {
		// The run has read it already: refused without asking again.
		err = fmt.Errorf("timeout of action %s: %w", actionID, refused)
		ch = &ActionChange{ActionID: actionID, Name: read.Name, DryRun: r.o.DryRun}
	} else {
		ch, err = r.c.SetActionTimeout(ctx, actionID, r.o.Min, &ActionOptions{DryRun: r.o.DryRun, AtLeast: true})
	}
	if ch == nil { // refused before any request
		ch = &ActionChange{ActionID: actionID, DryRun: r.o.DryRun}
	}
	if err == nil {
		e.ours = ch.Changed || (ch.DryRun && ch.Diff != "")
		e.to = ch.From // as it is: already Min or more
		if e.ours {
			e.to = ch.To
		}
	}
	e.err = err
	close(e.ready)
	if r.o.OnAction != nil {
		func() {
			r.cbMu.Lock()
			defer r.cbMu.Unlock() // even if OnAction panics
			r.o.OnAction(ch, err)
		}()
	}
	return e.to, e.ours, e.err
}
