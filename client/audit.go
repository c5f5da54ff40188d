package client

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/flow"
)

// MaxDataActionTimeout is the longest any data action waits
// (config.timeoutSeconds is 1 to 60).
const MaxDataActionTimeout = 60 * time.Second

// ErrTargetTooLong reports a minimum timeout above MaxDataActionTimeout:
// no data action waits that long, so raising to it cannot help.
var ErrTargetTooLong = errors.New("client: target above what any data action waits")

// Flag names something an audit found wrong with a node.
type Flag string

// The flags of an audit.
const (
	// FlagAboveActionLimit: the node's timeout is above its action's own
	// timeoutSeconds, so it cannot help: the action gives up first.
	FlagAboveActionLimit Flag = "above-action-limit"
	// FlagAboveMax: the node's timeout is above 60 s, longer than any data
	// action can wait.
	FlagAboveMax Flag = "above-60s"
	// FlagExpression: the timeout is an expression; nobody can check it
	// before the flow runs.
	FlagExpression Flag = "expression"
	// FlagUnknownAction: the action could not be read, so a suggested
	// timeout cannot be resolved.
	FlagUnknownAction Flag = "unknown-action"
	// FlagInvalid: the node's timeout cannot be read (Node.Err).
	FlagInvalid Flag = "invalid"
	// FlagBelowTarget: what the node waits is below AuditOptions.Below.
	FlagBelowTarget Flag = "below-target"
)

// AuditOptions choose the flows of an audit. A nil value audits every
// flow's published version, four flows at a time.
type AuditOptions struct {
	// Types, Name and IDs filter the flows as in ListFlowsOptions.
	// A named flow that does not exist is yielded with ErrNotFound in its
	// Err; an empty id or an empty, non-nil list is ErrConfig.
	Types []string
	Name  string
	IDs   []string
	// Latest audits the latest saved configurations instead of the
	// published ones (flows never published are audited at their latest
	// either way).
	Latest bool
	// Below flags the nodes that wait less than this (zero: no target).
	Below time.Duration
	// Concurrency is how many flows are read at once: 0 means 4.
	Concurrency int
	// Progress, when set, is called after each flow with the count done,
	// the total and the flow's name.
	Progress func(done, total int, current string)
}

// FlowAudit is one flow's Data Actions, with what each really waits.
type FlowAudit struct {
	Flow Flow
	// Version is the version audited.
	Version string
	Nodes   []NodeAudit
	// Err is why the flow could not be audited; Nodes is then empty.
	Err error
}

// NodeAudit is one Data Action and what it waits.
type NodeAudit struct {
	flow.Node
	// ActionTimeout is the action's own config.timeoutSeconds, zero when
	// unknown.
	ActionTimeout time.Duration
	// Effective is what the node waits: the action's timeout when it uses
	// the suggested one, else its literal, cut to the action's own limit.
	// Zero when unknown (EffectiveKnown false).
	Effective      time.Duration
	EffectiveKnown bool
	Flags          []Flag
}

// AuditFlows lists every matching flow with every Data Action, its stored
// timeout, whether it uses the suggested timeout, and the timeout it
// really has, resolved through each data action's config.timeoutSeconds
// (each action read once per run). Flows come in listing order; a flow that
// cannot be read is yielded with its Err and the audit goes on. A listing
// failure ends the iteration with the error.
//
// Requests: one listing request per 500 flows, one configuration read per
// flow, one read per distinct data action.
func (c *Client) AuditFlows(ctx context.Context, opts *AuditOptions) iter.Seq2[FlowAudit, error] {
	var o AuditOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(FlowAudit, error) bool) {
		flows, missing, err := c.selectFlows(ctx, o.Types, o.Name, o.IDs)
		if err != nil {
			yield(FlowAudit{}, err)
			return
		}
		for _, id := range missing {
			if !yield(FlowAudit{Flow: Flow{ID: id}, Err: missingFlow(id)}, nil) {
				return
			}
		}
		actions := newActionCache(c)
		results := parallel(ctx, flows, o.Concurrency, o.Progress, func(ctx context.Context, f Flow) FlowAudit {
			return c.auditFlow(ctx, f, &o, actions)
		})
		for a := range results {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// selectFlows lists the flows that ids (when not nil), or else types and
// name, select, and the named ids that do not exist.
func (c *Client) selectFlows(ctx context.Context, types []string, name string, ids []string) (flows []Flow, missing []string, err error) {
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil, fmt.Errorf("%w: the list of flow ids is empty (nil selects every flow; an empty list selects none)", ErrConfig)
		}
		seen := map[string]bool{}
		uniq := ids[:0:0]
		for i, id := range ids {
			if strings.TrimSpace(id) == "" {
				return nil, nil, fmt.Errorf("%w: flow id %d of %d is empty", ErrConfig, i+1, len(ids))
			}
			if !seen[id] {
				seen[id] = true
				uniq = append(uniq, id)
			}
		}
		ids = uniq
	}
	if flows, err = c.listAll(ctx, types, name, ids); err != nil {
		return nil, nil, err
	}
	found := map[string]bool{}
	for _, f := range flows {
		found[f.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return flows, missing, nil
}

func missingFlow(id string) error {
	return fmt.Errorf("%w: flow %s does not exist, or this OAuth client cannot see it", ErrNotFound, id)
}

// listAll reads a whole listing, 500 flows a page.
func (c *Client) listAll(ctx context.Context, types []string, name string, ids []string) ([]Flow, error) {
	var out []Flow
	for f, err := range c.Flows(ctx, &ListFlowsOptions{Types: types, Name: name, IDs: ids, PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func (c *Client) auditFlow(ctx context.Context, f Flow, o *AuditOptions, actions *actionCache) FlowAudit {
	a := FlowAudit{Flow: f}
	var doc *flow.Document
	var err error
	if o.Latest || f.PublishedVersion == nil {
		a.Version = latestVersionID(&f)
		doc, err = c.LatestConfiguration(ctx, f.ID)
	} else {
		a.Version = f.PublishedVersion.ID
		doc, err = c.Configuration(ctx, f.ID, f.PublishedVersion.ID)
	}
	if err != nil {
		a.Err = fmt.Errorf("audit of flow %s (%s): %w", f.ID, f.Name, err)
		return a
	}
	for _, n := range doc.DataActions() {
		a.Nodes = append(a.Nodes, auditNode(ctx, n, actions, o.Below))
	}
	return a
}

func auditNode(ctx context.Context, n flow.Node, actions *actionCache, below time.Duration) NodeAudit {
	na := NodeAudit{Node: n}
	if n.ActionID != "" {
		if act, err := actions.get(ctx, n.ActionID); err == nil && act.Config != nil && act.Config.TimeoutSeconds > 0 {
			na.ActionTimeout = time.Duration(act.Config.TimeoutSeconds) * time.Second
		} else if err != nil || n.UseSuggested {
			na.Flags = append(na.Flags, FlagUnknownAction)
		}
	}
	switch {
	case n.Err != nil:
		na.Flags = append(na.Flags, FlagInvalid)
	case n.TimeoutKind == flow.TimeoutExpression:
		na.Flags = append(na.Flags, FlagExpression)
	case n.UseSuggested:
		na.Effective, na.EffectiveKnown = na.ActionTimeout, na.ActionTimeout > 0
	case n.TimeoutKind == flow.TimeoutLiteral:
		na.Effective, na.EffectiveKnown = n.Timeout, true
		if na.ActionTimeout > 0 && n.Timeout > na.ActionTimeout {
			na.Flags = append(na.Flags, FlagAboveActionLimit)
			na.Effective = na.ActionTimeout
		}
		if n.Timeout > MaxDataActionTimeout {
			na.Flags = append(na.Flags, FlagAboveMax)
		}
	}
	if below > 0 && n.Err == nil && n.TimeoutKind != flow.TimeoutExpression &&
		((na.EffectiveKnown && na.Effective < below) || (!n.UseSuggested && n.TimeoutKind == flow.TimeoutUnset)) {
		na.Flags = append(na.Flags, FlagBelowTarget)
	}
	return na
}

// actionCache reads each data action once, however many flows name it.
type actionCache struct {
	c  *Client
	mu sync.Mutex
	m  map[string]*actionEntry
}

type actionEntry struct {
	once sync.Once
	a    *DataAction
	err  error
}

func newActionCache(c *Client) *actionCache {
	return &actionCache{c: c, m: map[string]*actionEntry{}}
}

func (ac *actionCache) get(ctx context.Context, id string) (*DataAction, error) {
	ac.mu.Lock()
	e, ok := ac.m[id]
	if !ok {
		e = &actionEntry{}
		ac.m[id] = e
	}
	ac.mu.Unlock()
	e.once.Do(func() { e.a, e.err = ac.c.DataAction(ctx, id) })
	return e.a, e.err
}

// parallel runs work on each flow with up to n at once and yields the
// results in the flows' order as they become available.
func parallel[R any](ctx context.Context, items []Flow, n int, progress func(done, total int, current string), work func(context.Context, Flow) R) iter.Seq[R] {
	if n <= 0 {
		n = 4
	}
	return func(yield func(R) bool) {
		ctx, cancel := context.WithCancel(ctx)
		out := make([]chan R, len(items))
		for i := range out {
			out[i] = make(chan R, 1)
		}
		next := make(chan int)
		var wg sync.WaitGroup
		var mu sync.Mutex
		done := 0
		for range min(n, len(items)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					r := work(ctx, items[i])
					out[i] <- r
					if progress != nil {
						mu.Lock()
						done++
						progress(done, len(items), items[i].Name)
						mu.Unlock()
					}
				}
			}()
		}
		go func() {
			defer close(next)
			for i := range items {
				select {
				case next <- i:
				case <-ctx.Done():
					return
				}
			}
		}()
		// On an early stop: cancel first, so no worker takes a new item,
		// then wait for those at work.
		defer func() { cancel(); wg.Wait() }()
		for i := range items {
			select {
			case r := <-out[i]:
				if !yield(r) {
					return
				}
				continue
			case <-ctx.Done():
			}
			// Cancelled: the workers finish what they hold (their work sees
			// the cancelled context). Items are handed out in order, so the
			// results there are, from i on, are all of them: report each,
			// so that nothing done goes unreported.
			cancel()
			wg.Wait()
			for ; i < len(items); i++ {
				select {
				case r := <-out[i]:
					if !yield(r) {
						return
					}
				default:
					return
				}
			}
			return
		}
	}
}

// RaiseOptions say what RaiseTimeouts raises and how it writes.
type RaiseOptions struct {
	// FlowIDs names the flows; when nil, Types and Name filter all flows.
	// A named flow that does not exist is yielded with ErrNotFound; an
	// empty id, or a list that is not nil but empty, is ErrConfig: an empty
	// selection never means every flow.
	FlowIDs []string
	Types   []string
	Name    string
	// Min is the shortest acceptable timeout: every Data Action below it is
	// raised to it. Required.
	Min time.Duration
	// OverrideSuggested gives a custom timeout of Min to nodes that use the
	// suggested timeout when their action's own timeout is below Min (or
	// unknown).
	OverrideSuggested bool
	// IncludeHTTP also raises the tutorial shape's HTTP nodes.
	IncludeHTTP bool
	// Publish, AllowDraft, ForceUnlock, ReleaseStaleLocks, DryRun and
	// Backup are as in UpdateOptions. A dry run runs on a ReadOnly view of
	// the client.
	Publish, AllowDraft, ForceUnlock, ReleaseStaleLocks, DryRun bool
	Backup                                                      func(ctx context.Context, original *Original) error
	// Concurrency is how many flows are updated at once: 0 means 4.
	Concurrency int
	// Progress, when set, is called after each flow.
	Progress func(done, total int, current string)
}

// RaiseTimeouts raises the Data Action timeouts below opts.Min in every
// matching flow, each flow through UpdateFlow. Results come in listing
// order, one per flow; a flow that fails is yielded with its error (also in
// UpdateResult.Err) and the run goes on: one flow's failure never stops or
// touches another. A listing failure ends the iteration.
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
		flows, missing, err := c.selectFlows(ctx, o.Types, o.Name, o.FlowIDs)
		if err != nil {
			yield(UpdateResult{}, err)
			return
		}
		for _, id := range missing {
			err := missingFlow(id)
			if !yield(UpdateResult{FlowID: id, DryRun: o.DryRun, Err: err}, err) {
				return
			}
		}
		actions := newActionCache(c)
		uo := &UpdateOptions{Publish: o.Publish, AllowDraft: o.AllowDraft, ForceUnlock: o.ForceUnlock, ReleaseStaleLocks: o.ReleaseStaleLocks,
			DryRun: o.DryRun, DiffLabel: "raised", Backup: o.Backup}
		results := parallel(ctx, flows, o.Concurrency, o.Progress, func(ctx context.Context, f Flow) UpdateResult {
			res, err := c.UpdateFlow(ctx, f.ID, c.raiseEdit(ctx, &o, actions), uo)
			if res == nil {
				res = &UpdateResult{FlowID: f.ID}
			}
			res.FlowName = f.Name
			res.Err = err
			return *res
		})
		for r := range results {
			if !yield(r, r.Err) {
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
