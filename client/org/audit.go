package org

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/settle"
	"github.com/gcflow/timeouts/policy"
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
	// FlagBelowTarget: what the node waits is below AuditOptions.Min.
	FlagBelowTarget Flag = "below-target"
)

// FlowAudit is one flow's Data Actions, with what each really waits.
type FlowAudit struct {
	Flow client.Flow
	// Version is the version audited.
	Version string
	Nodes   []NodeAudit
	// FromCache: the configuration came from Selection.Cache, without a
	// request.
	FromCache bool
	// Verdict, under AuditOptions.Policy, judges a flow that cannot be
	// read (yielded with its error): its Data Actions cannot be known, so
	// it is unreadable to the first rule its type and name match, whatever
	// the rule's actions (policy.Policy.JudgeFlow). Nil otherwise.
	Verdict *policy.Verdict
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
	// Reason, when AuditOptions.Min is set, is why the node waits less
	// than it or cannot be checked, and so what would fix it: "" when it
	// waits enough. A locked flow (by anyone) or a pending draft is the
	// reason of every short node it holds, bar invalid and expression
	// nodes.
	Reason Reason
	// Verdict, under AuditOptions.Policy, is how the policy judges the
	// node by what it waits (Verdict.Rule is nil when no rule matches it).
	// Nil without a policy.
	Verdict *policy.Verdict
}

// Audit lists every selected flow with every Data Action, its stored
// timeout, whether it uses the suggested timeout, and the timeout it
// really has, resolved through each data action's config.timeoutSeconds
// (each action read once a run).
//
// It lists the flows first: a failure to list, or a selection that cannot
// work, is its error, and nothing is yielded. The sequence then yields one
// (FlowAudit, error) per flow, in listing order (named flows that do not
// exist first, with client.ErrNotFound): a flow that cannot be read comes
// with its error (a *client.ObjectError), its FlowAudit naming it, and the
// audit goes on.
//
// Requests: one listing request per 500 flows, one configuration read per
// flow not in Selection.Cache, one read per distinct data action.
func Audit(ctx context.Context, c *client.Client, opts *AuditOptions) (iter.Seq2[FlowAudit, error], error) {
	var o AuditOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.Min < 0:
		return nil, fmt.Errorf("%w: AuditOptions.Min %v is negative", client.ErrInvalidArgument, o.Min)
	case o.Min > 0 && o.Policy != nil:
		return nil, fmt.Errorf("%w: AuditOptions.Min and Policy: the policy holds the limits; set one", client.ErrInvalidArgument)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	flows, missing, err := selectFlows(ctx, c, &o.Selection)
	if err != nil {
		return nil, err
	}
	return func(yield func(FlowAudit, error) bool) {
		for _, id := range missing {
			if !yield(judgeFlow(ctx, FlowAudit{Flow: client.Flow{ID: id}}, &o), missingFlow(id)) {
				return
			}
		}
		// First every flow's Data Actions, then their integration actions
		// in batches (a request for 25), then each flow's audit.
		read := parallel(ctx, flows, o.Concurrency, o.Progress, func(ctx context.Context, f client.Flow) (flowRead, error) {
			return readFlow(ctx, c, f, &o)
		})
		var reads []flowRead
		var errs []error
		var ids []string
		for r, err := range read {
			reads, errs = append(reads, r), append(errs, err)
			for _, n := range r.nodes {
				ids = append(ids, n.ActionID)
			}
		}
		actions := newActionCache(c)
		actions.prefetch(ctx, ids)
		for i, r := range reads {
			a := r.audit
			if errs[i] == nil {
				a = judge(ctx, r, actions, &o)
			} else {
				a = judgeFlow(ctx, a, &o)
			}
			if !yield(a, errs[i]) {
				return
			}
		}
	}, nil
}

// flowRead is a flow as the first pass of an audit read it: its audit so
// far and its Data Actions (not the document, which is let go).
type flowRead struct {
	audit FlowAudit
	nodes []flow.Node
}

func readFlow(ctx context.Context, c *client.Client, f client.Flow, o *AuditOptions) (flowRead, error) {
	r := flowRead{audit: FlowAudit{Flow: f}}
	doc, version, fromCache, err := c.ConfigurationOf(ctx, &f, o.Latest, o.Cache)
	r.audit.Version, r.audit.FromCache = version, fromCache
	if err != nil {
		return r, objectError(ctx, "audit", &f, err)
	}
	r.nodes = doc.DataActions()
	return r, nil
}

// judge audits each Data Action of a flow read against its action, and
// by o.Policy when set.
func judge(ctx context.Context, r flowRead, actions *actionCache, o *AuditOptions) FlowAudit {
	a := r.audit
	flowReason := FlowReason(&a.Flow, false)
	for _, n := range r.nodes {
		na := auditNode(ctx, n, actions, o.Min)
		if na.Reason != "" && flowReason != "" && na.Reason != ReasonInvalid && na.Reason != ReasonExpression {
			na.Reason = flowReason
		}
		if o.Policy != nil {
			v := o.Policy.Judge(policyFlow(&a.Flow), &na.Node, na.Effective, na.EffectiveKnown, o.Now)
			na.Verdict = &v
		}
		a.Nodes = append(a.Nodes, na)
	}
	return a
}

// judgeFlow sets, under o.Policy, the verdict of a flow that cannot be
// read: a stopped audit judges nothing.
func judgeFlow(ctx context.Context, a FlowAudit, o *AuditOptions) FlowAudit {
	if o.Policy != nil && ctx.Err() == nil {
		v := o.Policy.JudgeFlow(policyFlow(&a.Flow), o.Now)
		a.Verdict = &v
	}
	return a
}

// policyFlow is what a policy's rules see of flow f.
func policyFlow(f *client.Flow) policy.Flow {
	return policy.Flow{ID: f.ID, Name: f.Name, Type: f.Type}
}

func auditNode(ctx context.Context, n flow.Node, actions *actionCache, below time.Duration) NodeAudit {
	na := NodeAudit{Node: n}
	var act *dataaction.Action
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
		if n.Timeout > flow.MaxDataActionTimeout {
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

// objectError names the flow once in the error of its audit or raise, and
// says "stopped" once when the caller's context ended the work.
func objectError(ctx context.Context, op string, f *client.Flow, err error) error {
	stopped, err := settle.Stopped(ctx, err)
	return &client.ObjectError{Op: op, Kind: "flow", ID: f.ID, Name: f.Name, Stopped: stopped, Err: err}
}
