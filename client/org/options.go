package org

import (
	"context"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
)

// Selection chooses the flows of an audit or a raise, and how they are
// worked through. The zero value selects every flow, four at a time,
// without a cache.
type Selection struct {
	// FlowIDs names the flows; when nil, Types and Name filter every flow.
	// An empty id, or a list that is not nil but empty, is
	// client.ErrInvalidArgument: an empty selection never means every
	// flow. A named flow that does not exist is, for Raise, an error
	// (client.ErrNotFound, naming every such id) before anything is
	// written; for Audit, an item with client.ErrNotFound beside the
	// others. A selection that matches no flow at all is
	// ErrEmptySelection, for both.
	FlowIDs []string
	// Types keeps flows of these types (inboundcall, workflow, ...; any
	// letter case).
	Types []string
	// Name keeps flows whose name matches (Genesys matches substrings and
	// accepts * wildcards).
	Name string
	// Concurrency is how many flows are worked on at once: 0 means 4.
	Concurrency int
	// Progress, when set, is called after each flow with the count done,
	// the total and the flow's name, from one goroutine at a time.
	Progress func(done, total int, current string)
	// Cache, when set, holds configurations by version (see
	// client.ConfigCache): a version read once is not read again, so a
	// repeat audit of an unchanged organisation reads only the listing and
	// the actions, and a repeat raise with nothing to change reads no
	// configuration.
	Cache client.ConfigCache
}

// AuditOptions say what Audit reads and what it looks for. A nil value
// audits every flow's published version, four flows at a time, with no
// target.
type AuditOptions struct {
	Selection
	// Min is the target: every node that waits less than it, or cannot be
	// known not to, gets a Reason (FlagBelowTarget among its Flags when
	// what it waits is known). Zero: no target.
	Min time.Duration
	// Latest audits the latest saved configurations instead of the
	// published ones (flows never published are audited at their latest
	// either way).
	Latest bool
	// Policy, when set, judges every node (NodeAudit.Verdict) by what it
	// waits, and every flow that cannot be read (FlowAudit.Verdict: its
	// Data Actions cannot be known, so it is unreadable to the first rule
	// its type and name match). Not with Min.
	Policy *Policy
	// Now is the day exemptions are judged on; zero means the time Audit
	// is called.
	Now time.Time
}

// RaiseOptions say what Raise raises and how it writes each flow. Min or
// Policy is required, not both.
type RaiseOptions struct {
	Selection
	// Min is the shortest acceptable timeout: every Data Action that waits
	// less is raised to it, where that makes callers wait longer. At most
	// flow.MaxDataActionTimeout.
	Min time.Duration
	// Policy, instead of Min, gives each node its own target: the min of
	// the policy rule that judges it (policy.Policy.Judge, on the day
	// Now). A node that no rule judges, whose rule has no min, or that an
	// exemption in force covers, is not raised and not reported. A raise
	// never lowers a timeout: a node above its rule's max is left as it is
	// (an audit with the policy reports it). With Actions, an action is
	// raised to the largest target among the nodes that rely on it, and
	// raised again, higher, when a later flow needs more.
	Policy *Policy
	// Now is the day exemptions are judged on; zero means the time Raise
	// is called.
	Now time.Time
	// OverrideSuggested gives a custom timeout of Min to nodes that use the
	// suggested timeout, where that raises what they wait: only when their
	// action's own timeout is unknown, since a node never waits longer
	// than its action.
	OverrideSuggested bool
	// IncludeHTTP also raises the tutorial shape's HTTP nodes.
	IncludeHTTP bool
	// Actions raises the integration actions themselves: every action that
	// a matched node relies on and whose own timeoutSeconds is below Min
	// is set to Min rounded up to whole seconds (dataaction.SetTimeout),
	// once a run, before the first flow that relies on it is changed and
	// before, not inside, that flow's edit; the nodes are then planned
	// against the raised action. Changing an action changes every flow
	// that uses it, in the selection or not. A dry run only plans it.
	// Needs integrations:action:edit.
	Actions bool
	// OnAction, when set, is called once for each action that Actions
	// raised, would raise in a dry run, or could not raise (with the
	// error: dataaction.ErrStatic, dataaction.ErrDraftPending,
	// dataaction.ErrCustomAuth, client.ErrForbidden, ...); the Change
	// always names the action. Calls are never concurrent, though flows are
	// worked on in parallel.
	OnAction func(*dataaction.Change, error)
	// ActionBackup, when set, receives each action that Actions is about
	// to change, as read just before its PATCH (a function action: its
	// function settings, before its draft), and the timeout the change
	// sets (dataaction.SetOptions.Backup);
	// an error from it stops that action's raise, with nothing written.
	// Not called in a dry run.
	ActionBackup func(ctx context.Context, actionID string, read []byte, to time.Duration) error
	// Update says how each flow is written: Publish, AllowDraft,
	// ForceUnlock, ReleaseStaleLocks, DryRun (the whole raise then runs on
	// a ReadOnly view of the client), Backup, DiffLabel ("raised" when
	// empty). Its Cache is not used: Selection.Cache serves every read.
	Update client.UpdateOptions
}
