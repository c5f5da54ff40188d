package client

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/gcflow/timeouts/flow"
)

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
	// FlowIDs, Types and Name choose the flows as in RaiseOptions.
	FlowIDs []string
	Types   []string
	Name    string
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
	// Cache, when set, holds configurations by version (see ConfigCache):
	// a version read once is not read again, so a repeat audit of an
	// unchanged organisation reads only the listing and the actions.
	Cache ConfigCache
}

// FlowAudit is one flow's Data Actions, with what each really waits.
type FlowAudit struct {
	Flow Flow
	// Version is the version audited.
	Version string
	Nodes   []NodeAudit
	// FromCache: the configuration came from AuditOptions.Cache, without
	// a request.
	FromCache bool
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
	// Reason, when AuditOptions.Below is set, is why the node waits less
	// than it or cannot be checked, and so what would fix it: "" when it
	// waits enough. A locked flow (by anyone) or a pending draft is the
	// reason of every short node it holds, bar invalid and expression
	// nodes.
	Reason Reason
}

// AuditFlows lists every matching flow with every Data Action, its stored
// timeout, whether it uses the suggested timeout, and the timeout it
// really has, resolved through each data action's config.timeoutSeconds
// (each action read once per run). It yields one (FlowAudit, error) per
// flow, in listing order (named flows that do not exist first): a flow
// that cannot be read comes with its error, its FlowAudit naming it, and the
// audit goes on. A failure to list ends the iteration with a FlowAudit whose
// Flow.ID is empty.
//
// Requests: one listing request per 500 flows, one configuration read per
// flow not in AuditOptions.Cache, one read per distinct data action.
func (c *Client) AuditFlows(ctx context.Context, opts *AuditOptions) iter.Seq2[FlowAudit, error] {
	var o AuditOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(FlowAudit, error) bool) {
		flows, missing, err := c.selectFlows(ctx, o.Types, o.Name, o.FlowIDs)
		if err != nil {
			yield(FlowAudit{}, err)
			return
		}
		for _, id := range missing {
			if !yield(FlowAudit{Flow: Flow{ID: id}}, missingFlow(id)) {
				return
			}
		}
		actions := newActionCache(c)
		results := parallel(ctx, flows, o.Concurrency, o.Progress, func(ctx context.Context, f Flow) (FlowAudit, error) {
			return c.auditFlow(ctx, f, &o, actions)
		})
		for a, err := range results {
			if !yield(a, err) {
				return
			}
		}
	}
}

func (c *Client) auditFlow(ctx context.Context, f Flow, o *AuditOptions, actions *actionCache) (FlowAudit, error) {
	a := FlowAudit{Flow: f}
	latest := o.Latest || f.PublishedVersion == nil
	v := f.PublishedVersion
	if latest {
		v = latestVersion(&f)
	}
	if v != nil {
		a.Version = v.ID
	}
	doc, fromCache, err := c.configurationOf(ctx, o.Cache, &f, v, latest)
	a.FromCache = fromCache
	if err != nil {
		return a, fmt.Errorf("audit of flow %s (%s): %w", f.ID, f.Name, err)
	}
	flowReason := FlowReason(&f, false)
	for _, n := range doc.DataActions() {
		na := auditNode(ctx, n, actions, o.Below)
		if na.Reason != "" && flowReason != "" && na.Reason != ReasonInvalid && na.Reason != ReasonExpression {
			na.Reason = flowReason
		}
		a.Nodes = append(a.Nodes, na)
	}
	return a, nil
}

func auditNode(ctx context.Context, n flow.Node, actions *actionCache, below time.Duration) NodeAudit {
	na := NodeAudit{Node: n}
	var act *DataAction
	var aerr error
	if n.ActionID != "" {
		act, aerr = actions.get(ctx, n.ActionID)
		if t, ok := actionTimeoutOf(act, aerr); ok {
			na.ActionTimeout = t
		} else if aerr != nil || n.UseSuggested {
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
	if below > 0 {
		na.Reason = nodeReason(n, act, aerr, na.Effective, na.EffectiveKnown, below)
		if na.Reason == ReasonNode && !slices.Contains(na.Flags, FlagBelowTarget) {
			na.Reason = "" // unknown, but not for want of a readable action: see Flags
		}
	}
	return na
}
