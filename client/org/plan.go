package org

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/settle"
)

// PlanFormat names the version of a plan's JSON encoding.
const PlanFormat = "gcflow-timeouts/plan/v1"

// Plan is a reviewed raise: exactly the node and action changes a dry run
// found, each with the version it was made on, so that ApplyPlan applies
// those and nothing else, or nothing at all when the organisation moved
// since. Its JSON encoding (encoding/json, the field tags below) is the
// plan file of `raise -out` and `raise -plan`:
//
//	{"format": "gcflow-timeouts/plan/v1", "created": "2026-12-07T10:00:00Z",
//	 "organization": "<16 hex digits>", "target": "5s", "policy": "",
//	 "flows": [{"id", "name", "type", "version", "sha256",
//	            "changes": [{"nodeId", "nodeName", "fromMs", "toMs", "rule"}], "diff"}],
//	 "actions": [{"id", "name", "version", "fromSeconds", "toSeconds", "flows": [ids]}]}
//
// organization is a hash of the client's region (or base URL) and OAuth
// client id, never either in clear; sha256 is the configuration the flow's
// changes were planned on, version its version id; fromMs is 0 for a node
// that had no literal. A plan made with a policy (RaiseOptions.Policy)
// has no target but a policy (what the caller names it by: its file name
// and sha256, say), and each change's toMs is the target of that node,
// its rule's min, named by rule.
type Plan struct {
	Format       string          `json:"format"`
	Created      time.Time       `json:"created"`
	Organization string          `json:"organization"`
	Target       string          `json:"target"`
	Policy       string          `json:"policy,omitempty"`
	Flows        []PlannedFlow   `json:"flows"`
	Actions      []PlannedAction `json:"actions"`

	users map[string][]string // action id -> flows that rely on its raise
}

// PlannedFlow is one flow's part of a plan.
type PlannedFlow struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Version string          `json:"version"`
	SHA256  string          `json:"sha256"`
	Changes []PlannedChange `json:"changes"`
	Diff    string          `json:"diff"`
}

// PlannedChange is one node's planned timeout.
type PlannedChange struct {
	NodeID   string `json:"nodeId"`
	NodeName string `json:"nodeName"`
	FromMs   int64  `json:"fromMs"`
	ToMs     int64  `json:"toMs"`
	Rule     string `json:"rule,omitempty"`
}

// PlannedAction is one integration action's planned timeout.
type PlannedAction struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Version     int      `json:"version"`
	FromSeconds int      `json:"fromSeconds"`
	ToSeconds   int      `json:"toSeconds"`
	Flows       []string `json:"flows"`
}

// NewPlan starts an empty plan for c's organisation and the target. A
// plan of a raise by policy has no target: NewPolicyPlan.
func NewPlan(c *client.Client, target time.Duration) *Plan {
	return &Plan{Format: PlanFormat, Created: time.Now().UTC().Truncate(time.Second), Organization: organization(c),
		Target: target.String(), Flows: []PlannedFlow{}, Actions: []PlannedAction{}}
}

// NewPolicyPlan starts an empty plan for c's organisation and a raise by
// the policy named: each node's change holds its own target and rule.
func NewPolicyPlan(c *client.Client, policyName string) *Plan {
	p := NewPlan(c, 0)
	p.Target, p.Policy = "", policyName
	return p
}

// organization identifies c's organisation in a plan: its region (or base
// URL) and OAuth client id, hashed, as the configuration cache keeps
// organisations apart.
func organization(c *client.Client) string {
	sum := sha256.Sum256([]byte(c.Region() + "\n" + c.Config().ClientID))
	return hex.EncodeToString(sum[:8])
}

// AddFlow records a dry run's result: the flow's changes, if it has any,
// and the flows that rely on an action the run would raise. A Plan is not
// safe for concurrent use: Raise yields its results one at a time, and
// never calls OnAction concurrently, but the two may run at once, so a
// caller that records both guards them with one mutex.
func (p *Plan) AddFlow(res *Result) {
	for _, e := range res.Effects {
		if e.ByAction && !slices.Contains(p.users[e.Node.ActionID], res.FlowID) {
			if p.users == nil {
				p.users = map[string][]string{}
			}
			p.users[e.Node.ActionID] = append(p.users[e.Node.ActionID], res.FlowID)
			for i := range p.Actions {
				if p.Actions[i].ID == e.Node.ActionID {
					p.Actions[i].Flows = append(p.Actions[i].Flows, res.FlowID)
				}
			}
		}
	}
	if len(res.Changes) == 0 {
		return
	}
	pf := PlannedFlow{ID: res.FlowID, Name: res.FlowName, Type: strings.ToLower(res.FlowType), Version: res.FromVersion,
		SHA256: res.FromSHA256, Diff: res.Diff}
	rule := map[string]string{}
	for _, e := range res.Effects {
		rule[e.Node.ID] = e.Rule
	}
	for _, ch := range res.Changes {
		pf.Changes = append(pf.Changes, PlannedChange{NodeID: ch.Node.ID, NodeName: ch.Node.Name, FromMs: ch.From.Milliseconds(), ToMs: ch.To.Milliseconds(),
			Rule: rule[ch.Node.ID]})
	}
	p.Flows = append(p.Flows, pf)
}

// AddAction records an action a dry run would raise (RaiseOptions.OnAction
// with DryRun); an action it would not change is not recorded.
func (p *Plan) AddAction(ch *dataaction.Change, err error) {
	if err != nil || ch == nil || !ch.DryRun || ch.Diff == "" {
		return
	}
	flows := append([]string{}, p.users[ch.ActionID]...)
	pa := PlannedAction{ID: ch.ActionID, Name: ch.Name, Version: ch.Version,
		FromSeconds: int(ch.From / time.Second), ToSeconds: int(ch.To / time.Second), Flows: flows}
	for i := range p.Actions {
		if p.Actions[i].ID == pa.ID { // planned again for a longer target (a policy's rules differ)
			if pa.ToSeconds > p.Actions[i].ToSeconds {
				p.Actions[i].ToSeconds = pa.ToSeconds
			}
			return
		}
	}
	p.Actions = append(p.Actions, pa)
}

// Sort puts the flows and actions in id order, for a plan file that reads
// the same whatever order the run finished in.
func (p *Plan) Sort() {
	slices.SortFunc(p.Flows, func(a, b PlannedFlow) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(p.Actions, func(a, b PlannedAction) int { return strings.Compare(a.ID, b.ID) })
	for i := range p.Actions {
		slices.Sort(p.Actions[i].Flows)
	}
}

// ParsePlan reads a plan's JSON encoding. Unknown fields, another format,
// a target that is not a duration, and a flow or action without an id or
// changes are ErrPlanInvalid: a plan is applied exactly, or not at all.
func ParsePlan(data []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: not a plan: %v", ErrPlanInvalid, err)
	}
	switch {
	case p.Format != PlanFormat:
		return nil, fmt.Errorf("%w: format %q, not %q", ErrPlanInvalid, p.Format, PlanFormat)
	case p.Organization == "":
		return nil, fmt.Errorf("%w: it names no organization", ErrPlanInvalid)
	}
	if _, err := time.ParseDuration(p.Target); err != nil && (p.Target != "" || p.Policy == "") {
		return nil, fmt.Errorf("%w: target %q is not a duration, and no policy is named", ErrPlanInvalid, p.Target)
	}
	for i, f := range p.Flows {
		if f.ID == "" || f.Version == "" || f.SHA256 == "" || len(f.Changes) == 0 {
			return nil, fmt.Errorf("%w: flow %d of %d needs an id, a version, a sha256 and changes", ErrPlanInvalid, i+1, len(p.Flows))
		}
		for _, ch := range f.Changes {
			if ch.NodeID == "" || ch.ToMs <= 0 || time.Duration(ch.ToMs)*time.Millisecond > flow.MaxDataActionTimeout {
				return nil, fmt.Errorf("%w: flow %s: a change needs a node id and a timeout of 1 ms to %v", ErrPlanInvalid, f.ID, flow.MaxDataActionTimeout)
			}
		}
	}
	for i, a := range p.Actions {
		if a.ID == "" || a.ToSeconds <= 0 || a.ToSeconds > int(flow.MaxDataActionTimeout/time.Second) {
			return nil, fmt.Errorf("%w: action %d of %d needs an id and a timeout of 1 to %d s", ErrPlanInvalid, i+1, len(p.Actions), int(flow.MaxDataActionTimeout/time.Second))
		}
	}
	return &p, nil
}

// ApplyOptions say how ApplyPlan writes.
type ApplyOptions struct {
	// Update says how each flow is written (Publish, DryRun, Backup, ...),
	// as for Raise. AllowDraft is honoured; a draft that is exactly the
	// plan's change on the planned version (checked in by an earlier apply)
	// is published with Publish, as by Raise.
	Update client.UpdateOptions
	// Concurrency is how many flows are checked, then written, at once: 0
	// means 4.
	Concurrency int
	// Progress, OnAction and ActionBackup are as in RaiseOptions.
	Progress     func(done, total int, current string)
	OnAction     func(*dataaction.Change, error)
	ActionBackup func(ctx context.Context, actionID string, read []byte, to time.Duration) error
}

// PlanMovedError lists what moved since a plan was made: each item a line
// ("demo-flow-02: changed since the plan (1.0 → 2.0)"). It matches
// ErrPlanMoved.
type PlanMovedError struct {
	Items []string
}

func (e *PlanMovedError) Error() string {
	return fmt.Sprintf("%v: %s", ErrPlanMoved, strings.Join(e.Items, "; "))
}

// Unwrap reports ErrPlanMoved.
func (e *PlanMovedError) Unwrap() error { return ErrPlanMoved }

// ApplyPlan applies exactly p's changes: its actions first, then its flows,
// each node set to its planned timeout and nothing else. Before anything is
// written it checks p against the organisation: a plan made for another
// organisation is ErrPlanOrganization, and a flow or action that moved
// since the plan (another version, another configuration, another action
// version) refuses the whole plan with a *PlanMovedError that names every
// one; nothing is written. A flow whose draft is exactly the plan's change
// (an earlier apply checked it in) has not moved. Locked flows are yielded
// with their error, as by Raise. A dry run (Update.DryRun) checks the same
// and yields what applying would do now.
func ApplyPlan(ctx context.Context, c *client.Client, p *Plan, opts *ApplyOptions) (iter.Seq2[Result, error], error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	if p == nil || p.Format != PlanFormat {
		return nil, fmt.Errorf("%w: ApplyPlan needs a plan of format %s (ParsePlan reads one)", client.ErrInvalidArgument, PlanFormat)
	}
	if p.Organization != organization(c) {
		return nil, fmt.Errorf("%w: it was made for organization %s; this client's is %s", ErrPlanOrganization, p.Organization, organization(c))
	}
	if o.Update.DryRun {
		c = c.ReadOnly() // structural: nothing below can write
	}
	if o.Update.DiffLabel == "" {
		o.Update.DiffLabel = "planned"
	}
	flows, staged, err := checkPlan(ctx, c, p, o.Concurrency)
	if stopped, serr := settle.Stopped(ctx, err); stopped {
		return nil, fmt.Errorf("checking the plan against the organisation stopped: %w; nothing was written", serr)
	}
	if err != nil {
		return nil, err
	}
	return func(yield func(Result, error) bool) {
		applyActions(ctx, c, p, &o)
		planned := map[string]*PlannedFlow{}
		for i := range p.Flows {
			planned[p.Flows[i].ID] = &p.Flows[i]
		}
		work := func(ctx context.Context, f client.Flow) (Result, error) {
			return applyFlow(ctx, c, planned[f.ID], staged[f.ID], &o)
		}
		for res, err := range parallel(ctx, flows, o.Concurrency, o.Progress, work) {
			if !yield(res, err) {
				return
			}
		}
	}, nil
}

// checkPlan reads every flow and action of p, n flows at once (0 means
// 4), and returns the flows in the plan's order, or a *PlanMovedError
// naming all that moved, in the plan's order. The first error reading a
// flow stops the check.
func checkPlan(ctx context.Context, c *client.Client, p *Plan, n int) ([]client.Flow, map[string]string, error) {
	planned := make(map[string]*PlannedFlow, len(p.Flows))
	items := make([]client.Flow, len(p.Flows))
	for i := range p.Flows {
		planned[p.Flows[i].ID] = &p.Flows[i]
		items[i] = client.Flow{ID: p.Flows[i].ID, Name: p.Flows[i].Name}
	}
	var moved []string
	var flows []client.Flow
	staged := map[string]string{}
	check := func(ctx context.Context, f client.Flow) (flowCheck, error) {
		return flowMoved(ctx, c, planned[f.ID])
	}
	i := 0
	for r, err := range parallel(ctx, items, n, nil, check) {
		if err != nil {
			return nil, nil, err // parallel stops the others
		}
		if r.why != "" {
			moved = append(moved, items[i].ID+": "+r.why)
		} else {
			flows = append(flows, *r.flow)
			staged[r.flow.ID] = r.staged
		}
		i++
	}
	if i < len(items) { // stopped: parallel reports what was done, no more
		return nil, nil, cmp.Or(context.Cause(ctx), context.Canceled)
	}
	for _, pa := range p.Actions {
		a, err := dataaction.Get(ctx, c, pa.ID)
		if err == nil {
			err = readFunction(ctx, c, a) // a function action's timeout is its function's
		}
		switch {
		case errors.Is(err, client.ErrNotFound):
			moved = append(moved, pa.ID+": the action does not exist any more")
		case err != nil:
			return nil, nil, err
		case a.Version != pa.Version:
			if now, known := actionTimeoutOf(a, nil); !known || now != time.Duration(pa.ToSeconds)*time.Second {
				moved = append(moved, fmt.Sprintf("%s: changed since the plan (version %d → %d)", pa.ID, pa.Version, a.Version))
			}
		}
	}
	if len(moved) > 0 {
		return nil, nil, &PlanMovedError{Items: moved}
	}
	return flows, staged, nil
}

// flowCheck is what checking a planned flow found: the flow, why it moved
// ("" when it has not), and the sha256 of the plan's change made on the
// configuration planned on (what an earlier apply checked in).
type flowCheck struct {
	flow   *client.Flow
	why    string
	staged string
}

// flowMoved reads pf's flow and says why it moved since the plan, or ""
// when it has not: its latest configuration is the planned version's, or
// a draft that is exactly the plan's change on it.
func flowMoved(ctx context.Context, c *client.Client, pf *PlannedFlow) (flowCheck, error) {
	f, err := c.Flow(ctx, pf.ID)
	if errors.Is(err, client.ErrNotFound) {
		return flowCheck{why: "the flow does not exist any more"}, nil
	}
	if err != nil {
		return flowCheck{}, err
	}
	latest := "none"
	if v := f.LatestVersion(); v != nil {
		latest = v.ID
	}
	moved := flowCheck{why: fmt.Sprintf("changed since the plan (%s → %s)", pf.Version, latest)}
	planned, err := c.Configuration(ctx, pf.ID, pf.Version)
	if errors.Is(err, client.ErrNotFound) {
		return moved, nil
	}
	if err != nil {
		return flowCheck{}, err
	}
	if sha256Hex(planned.Bytes()) != pf.SHA256 {
		return flowCheck{why: fmt.Sprintf("version %s is not the configuration planned on (another sha256)", pf.Version)}, nil
	}
	var staged []byte
	if _, err := planEdit(pf)(planned); err == nil {
		staged = planned.Bytes()
	}
	ok := flowCheck{flow: f}
	if staged != nil {
		ok.staged = sha256Hex(staged)
	}
	if latest == pf.Version {
		return ok, nil
	}
	if f.PublishedVersion != nil && f.PublishedVersion.ID == pf.Version && f.HasDraft() && staged != nil {
		draft, err := c.LatestConfiguration(ctx, pf.ID)
		if err != nil {
			return flowCheck{}, err
		}
		if bytes.Equal(staged, draft.Bytes()) {
			return ok, nil // staged by an earlier apply of this plan
		}
	}
	return moved, nil
}

// sha256Hex is the sha256 of b, in hex.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// guardedEdit is pf's edit, made only on the configuration the plan was
// made on, or on the plan's own change of it (staged: checked in by an
// earlier apply): a flow that moved after the check (somebody published
// between the check and this flow's turn) is refused, nothing written.
func guardedEdit(pf *PlannedFlow, staged string) client.EditFunc {
	edit := planEdit(pf)
	return func(doc *flow.Document) ([]flow.Change, error) {
		if sum := sha256Hex(doc.Bytes()); sum != pf.SHA256 && sum != staged {
			return nil, fmt.Errorf("%w: the flow was changed after the plan was checked", ErrPlanMoved)
		}
		return edit(doc)
	}
}

// planEdit sets exactly pf's nodes to their planned timeouts.
func planEdit(pf *PlannedFlow) client.EditFunc {
	edits := make([]flow.Edit, len(pf.Changes))
	for i, ch := range pf.Changes {
		edits[i] = flow.Edit{NodeID: ch.NodeID, Timeout: time.Duration(ch.ToMs) * time.Millisecond}
	}
	return func(doc *flow.Document) ([]flow.Change, error) { return doc.SetTimeouts(edits...) }
}

// applyActions raises p's actions, each only while it still has the
// timeout planned from (a change since is somebody's, and wins).
func applyActions(ctx context.Context, c *client.Client, p *Plan, o *ApplyOptions) {
	for _, pa := range p.Actions {
		so := raiseOptions(pa.ID, o.Update.DryRun, time.Duration(pa.FromSeconds)*time.Second, o.ActionBackup)
		ch, err := dataaction.SetTimeout(ctx, c, pa.ID, time.Duration(pa.ToSeconds)*time.Second, so)
		if ch == nil {
			ch = &dataaction.Change{ActionID: pa.ID, Name: pa.Name, DryRun: o.Update.DryRun}
		}
		if o.OnAction != nil {
			o.OnAction(ch, err)
		}
	}
}

// applyFlow writes pf's changes to its flow. The effects are the planned
// changes, each counted as raised once written.
func applyFlow(ctx context.Context, c *client.Client, pf *PlannedFlow, staged string, o *ApplyOptions) (Result, error) {
	up, err := c.UpdateFlow(ctx, pf.ID, guardedEdit(pf, staged), &o.Update)
	res := Result{UpdateResult: *up}
	if up.Changed || (up.DryRun && len(up.Changes) > 0) {
		for _, ch := range up.Changes {
			res.Effects = append(res.Effects, Effect{Node: ch.Node, Before: ch.From, After: ch.To, Raised: true})
		}
	}
	return res, err
}
