package client

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/gcflow/timeouts/flow"
)

// MaxDataActionTimeout is the longest any data action waits
// (config.timeoutSeconds is 1 to 60).
const MaxDataActionTimeout = 60 * time.Second

// ErrTargetTooLong reports a minimum timeout above MaxDataActionTimeout:
// no data action waits that long, so raising to it cannot help.
var ErrTargetTooLong = errors.New("client: target above what any data action waits")

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
	// suggested timeout when their action's own timeout is below Min (or
	// unknown).
	OverrideSuggested bool
	// IncludeHTTP also raises the tutorial shape's HTTP nodes.
	IncludeHTTP bool
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
			yield(UpdateResult{}, fmt.Errorf("%w: RaiseOptions.Min must be a positive duration", ErrConfig))
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
		results := parallel(ctx, flows, o.Concurrency, o.Progress, func(ctx context.Context, f Flow) (UpdateResult, error) {
			res, err := c.UpdateFlow(ctx, f.ID, c.raiseEdit(ctx, &o, actions), &o.UpdateOptions)
			res.FlowName = f.Name
			return *res, err
		})
		for r, err := range results {
			if !yield(r, err) {
				return
			}
		}
	}
}

// raiseEdit is the edit RaiseTimeouts makes to each flow.
func (c *Client) raiseEdit(ctx context.Context, o *RaiseOptions, actions *actionCache) EditFunc {
	return func(doc *flow.Document) ([]flow.Change, error) {
		filter := func(n flow.Node) bool {
			if !n.UseSuggested || !o.OverrideSuggested {
				return true
			}
			// Override only where the action itself waits less than Min.
			act, err := actions.get(ctx, n.ActionID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return false
			}
			return err != nil || act.Config == nil || act.Config.TimeoutSeconds == 0 ||
				time.Duration(act.Config.TimeoutSeconds)*time.Second < o.Min
		}
		return doc.RaiseTimeouts(o.Min, &flow.RaiseOptions{OverrideSuggested: o.OverrideSuggested, IncludeHTTP: o.IncludeHTTP, Filter: filter})
	}
}
