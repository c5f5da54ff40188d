package org

import (
	"errors"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
)

// Reason says why a Data Action waits less than a target, or cannot be
// checked, and so what would fix it. Audits (NodeAudit.Reason) and raises
// (Effect.Reason) give one per node they find short.
type Reason string

// The reasons, from the node outwards.
const (
	// ReasonInvalid: the node's timeout cannot be read (Node.Err).
	ReasonInvalid Reason = "invalid"
	// ReasonExpression: the timeout is an expression, only known when the
	// flow runs.
	ReasonExpression Reason = "expression"
	// ReasonLocked: the flow is locked by somebody else, or by another run.
	ReasonLocked Reason = "locked"
	// ReasonDraftPending: the flow has a saved or checked-in version newer
	// than the published one, which a raise does not build on by default.
	ReasonDraftPending Reason = "draft-pending"
	// ReasonStaticAction: a built-in action keeps it short; it cannot be
	// changed.
	ReasonStaticAction Reason = "static-action"
	// ReasonFunctionAction: a function action keeps it short, and this
	// run did not raise its function's timeoutSeconds (1 to 15 s;
	// RaiseOptions.Actions raises it through a draft).
	ReasonFunctionAction Reason = "function-action"
	// ReasonFunctionLimit: a function action keeps it short at the most a
	// function waits (dataaction.MaxFunctionTimeout, 15 s): no raise can
	// help.
	ReasonFunctionLimit Reason = "function-limit"
	// ReasonActionDraftPending: the action that keeps it short has an
	// unpublished draft, somebody's work in progress, so its function was
	// left as it is.
	ReasonActionDraftPending Reason = "action-draft-pending"
	// ReasonCustomAuthAction: a custom authentication action, which has no
	// timeout of its own to raise.
	ReasonCustomAuthAction Reason = "custom-auth-action"
	// ReasonPermissionMissing: the action could not be read or changed for
	// want of a permission (403).
	ReasonPermissionMissing Reason = "permission-missing"
	// ReasonUnknownAction: the action could not be read (deleted, or a
	// failure), so what the node waits is unknown.
	ReasonUnknownAction Reason = "unknown-action"
	// ReasonActionNotRaised: the action's own timeoutSeconds keeps it
	// short, and the action was not raised (RaiseOptions.Actions).
	ReasonActionNotRaised Reason = "action-not-raised"
	// ReasonNode: the node's own timeout keeps it short; a raise changes
	// it.
	ReasonNode Reason = "node"
)

// Reasons lists every reason in the order summaries print them.
func Reasons() []Reason {
	return []Reason{ReasonLocked, ReasonDraftPending, ReasonExpression, ReasonInvalid,
		ReasonStaticAction, ReasonFunctionLimit, ReasonFunctionAction, ReasonActionDraftPending, ReasonCustomAuthAction,
		ReasonActionNotRaised, ReasonPermissionMissing, ReasonUnknownAction, ReasonNode}
}

// FlowReason is the reason every short node of f shares, whatever its
// node: the flow is locked by another holder (held names this run's own
// lock, which is no reason), or has a draft pending. "" when neither.
func FlowReason(f *client.Flow, held bool) Reason {
	switch {
	case f.LockHolder() != "" && !held:
		return ReasonLocked
	case f.HasDraft():
		return ReasonDraftPending
	}
	return ""
}

// nodeReason is why n waits effective (known or not) rather than target:
// "" when it waits enough. a and aerr are its action as read.
func nodeReason(n flow.Node, a *dataaction.Action, aerr error, effective time.Duration, known bool, target time.Duration) Reason {
	if r := ownReason(n); r != "" {
		return r
	}
	if known && effective >= target {
		return ""
	}
	action, actionKnown := actionTimeoutOf(a, aerr)
	return shortReason(n, (actionKnown && action < target) || (!actionKnown && n.UseSuggested), a, aerr, action)
}

// ownReason is the reason a node gives by itself, whatever it waits: its
// timeout cannot be read, or is an expression.
func ownReason(n flow.Node) Reason {
	switch {
	case n.Err != nil:
		return ReasonInvalid
	case n.TimeoutKind == flow.TimeoutExpression:
		return ReasonExpression
	}
	return ""
}

// shortReason is why a node that waits too little does: its action, when
// capped (the action keeps it short, or it uses the suggested timeout of an
// action that cannot be read), else its own timeout. limit is what the
// action waits, as read or as raised.
func shortReason(n flow.Node, capped bool, a *dataaction.Action, aerr error, limit time.Duration) Reason {
	switch r := actionReason(n.ActionID, a, aerr); {
	case !capped:
		return ReasonNode
	case r != "":
		return r
	case a.IsFunction() && limit >= dataaction.MaxFunctionTimeout:
		return ReasonFunctionLimit
	case a.IsFunction():
		return ReasonFunctionAction
	}
	return ReasonActionNotRaised
}

// actionTimeoutOf is an action's own timeout, and whether it is known: a
// function action's is its function's timeoutSeconds, unknown until read.
func actionTimeoutOf(a *dataaction.Action, err error) (time.Duration, bool) {
	switch {
	case err != nil || a == nil:
		return 0, false
	case a.IsFunction() && (a.Function == nil || a.Function.TimeoutSeconds <= 0):
		return 0, false
	case a.IsFunction():
		return time.Duration(a.Function.TimeoutSeconds) * time.Second, true
	case a.Config == nil || a.Config.TimeoutSeconds <= 0:
		return 0, false
	}
	return time.Duration(a.Config.TimeoutSeconds) * time.Second, true
}

// actionReason is why an action that keeps a node short cannot simply be
// raised, from what was read of it (or the error raising it): "" when
// raising its timeoutSeconds would help.
func actionReason(id string, a *dataaction.Action, err error) Reason {
	if err == nil && a != nil {
		err = a.TimeoutChangeable() // what was read says why it cannot be raised, if it cannot
	}
	switch {
	case strings.HasPrefix(id, "static"), errors.Is(err, dataaction.ErrStatic):
		return ReasonStaticAction
	case errors.Is(err, dataaction.ErrDraftPending):
		return ReasonActionDraftPending
	case errors.Is(err, dataaction.ErrCustomAuth):
		return ReasonCustomAuthAction
	case errors.Is(err, client.ErrForbidden):
		return ReasonPermissionMissing
	case err != nil, a == nil:
		return ReasonUnknownAction
	}
	return ""
}
