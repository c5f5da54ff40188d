package org

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

// Result is one flow's raise: the update, and what it did to what callers
// wait at each Data Action that waited less than its target (Min, or its
// policy rule's min).
type Result struct {
	client.UpdateResult
	// Effects are the nodes raised, and those left alone because their
	// action gives up first, or whose wait cannot be known.
	Effects []Effect
}

// Effect is what a raise did, or in a dry run would do, to what callers
// wait at one Data Action: its effective timeout, the action's own
// timeoutSeconds when the node uses the suggested timeout, otherwise the
// smaller of the node's literal and the action's timeoutSeconds.
type Effect struct {
	// Node is the node as it was.
	Node flow.Node
	// Target is what the node was raised towards: RaiseOptions.Min, or
	// the min of the policy rule named by Rule.
	Target time.Duration
	Rule   string
	// ActionTimeout is the action's own timeoutSeconds; zero when the node
	// has no action, or the action could not be read or does not say.
	ActionTimeout time.Duration
	// Before and After are the node's effective timeout before and after
	// the raise; zero when unknown (the action could not be read, or a
	// tutorial timeout is unset: the platform's default).
	Before, After time.Duration
	// Raised is set when the node was changed and what it waits went up,
	// or its action was raised: only then is it counted as a fix.
	Raised bool
	// CappedBy names the action when what the node waits stays below Min
	// because the action itself gives up first: changing the node cannot
	// help, only raising the action's timeoutSeconds can.
	CappedBy string
	// ByAction is set when the node's action was raised
	// (RaiseOptions.Actions): After counts the action's new timeout.
	ByAction bool
	// ActionErr is why the action that caps the node could not be raised.
	ActionErr error
	// AboveMax is set, with a Policy, for a node that waits more than its
	// rule's max (Before, as far as it is known): a raise never lowers a
	// timeout, so it is reported and left as it is.
	AboveMax bool
	// Reason is why the node still waits less than Min after the raise,
	// or cannot be known to wait enough: "" when it waits enough. An
	// expression node is reported with only Node and Reason.
	Reason Reason
}

// Raise raises the Data Action timeouts below opts.Min in every selected
// flow, each through client.UpdateFlow, planned by effective timeout: a
// node is changed only where its new literal raises what callers wait,
// and every node its action keeps below Min is reported, changed or not.
//
// For each flow it reads the configuration first (through Selection.Cache),
// reads the actions its nodes rely on and, with Actions, raises those that
// keep callers short; only then does it update the flow, with an edit that
// uses what was read and makes no request. The update's own first read
// costs nothing: it is the same version, held for it.
//
// It lists the flows first: options that cannot work or a failure to list
// are its error, and nothing is yielded. The sequence then yields one
// (Result, error) per flow, in listing order (named flows that do not exist
// first, with client.ErrNotFound); a flow that fails comes with its error
// (a *client.ObjectError) and the run goes on: one flow's failure never
// stops or touches another.
func Raise(ctx context.Context, c *client.Client, opts *RaiseOptions) (iter.Seq2[Result, error], error) {
	return raise(ctx, c, opts, nil)
}

// raise is Raise; wrap, in tests, wraps each flow's edit.
func raise(ctx context.Context, c *client.Client, opts *RaiseOptions, wrap func(client.EditFunc) client.EditFunc) (iter.Seq2[Result, error], error) {
	if err := checkTargets(opts); err != nil {
		return nil, err
	}
	o := *opts
	if o.Update.DryRun {
		c = c.ReadOnly() // structural: nothing below can write
	}
	if o.Update.DiffLabel == "" {
		o.Update.DiffLabel = "raised"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	flows, missing, err := selectFlows(ctx, c, &o.Selection)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, missingFlows(missing) // every id resolved before the first write
	}
	r := &raiser{c: c, o: &o, actions: newActionCache(c), raises: newActionRaiser(c, &o), wrap: wrap}
	if o.FlowIDs != nil {
		if r.held, err = readNamed(ctx, c, flows, &o); err != nil {
			return nil, err
		}
	}
	return func(yield func(Result, error) bool) {
		for res, err := range parallel(ctx, flows, o.Concurrency, o.Progress, r.flow) {
			if !yield(res, err) {
				return
			}
		}
	}, nil
}

// checkTargets says what is wrong with opts' targets: Min or Policy, not
// both, and no target above what any data action waits.
func checkTargets(opts *RaiseOptions) error {
	switch {
	case opts == nil || (opts.Min <= 0 && opts.Policy == nil):
		return fmt.Errorf("%w: RaiseOptions.Min must be a positive duration, or Policy set", client.ErrInvalidArgument)
	case opts.Min != 0 && opts.Policy != nil:
		return fmt.Errorf("%w: RaiseOptions.Min and Policy are both set; a policy gives each node its target", client.ErrInvalidArgument)
	case opts.Min > flow.MaxDataActionTimeout:
		return fmt.Errorf("%w: a minimum of %v is above %v, the longest a data action waits: the action would give up first",
			dataaction.ErrTargetTooLong, opts.Min, flow.MaxDataActionTimeout)
	}
	if opts.Policy != nil {
		for _, r := range opts.Policy.Rules {
			if r.Min > flow.MaxDataActionTimeout {
				return fmt.Errorf("%w: rule %s: a min of %v is above %v, the longest a data action waits", dataaction.ErrTargetTooLong, r.Name, r.Min, flow.MaxDataActionTimeout)
			}
		}
	}
	return nil
}

// raiser is one run of Raise.
type raiser struct {
	c       *client.Client
	o       *RaiseOptions
	actions *actionCache
	raises  *actionRaiser
	wrap    func(client.EditFunc) client.EditFunc // see raise
	// held are the configurations of flows named by id, read before
	// anything was written (readNamed); nil for a selection by filter.
	held map[string]*heldConfig
}

// readNamed reads the configuration of every flow named by id before
// anything is written: one that cannot be read fails the whole raise, as
// an id that does not exist does. What it read serves each flow's plan.
func readNamed(ctx context.Context, c *client.Client, flows []client.Flow, o *RaiseOptions) (map[string]*heldConfig, error) {
	held := make(map[string]*heldConfig, len(flows))
	for _, f := range flows {
		held[f.ID] = &heldConfig{under: o.Cache}
	}
	var first error
	others := 0
	read := func(ctx context.Context, f client.Flow) (struct{}, error) {
		_, _, _, err := c.ConfigurationOf(ctx, &f, true, held[f.ID])
		if err != nil {
			return struct{}{}, objectError(ctx, "update", &f, err)
		}
		return struct{}{}, nil
	}
	for _, err := range parallel(ctx, flows, o.Concurrency, nil, read) {
		switch {
		case err != nil && first == nil:
			first = err
		case err != nil:
			others++
		}
	}
	if first == nil {
		return held, nil
	}
	if others > 0 {
		return nil, fmt.Errorf("%w (and %d other named flow(s) cannot be read either); nothing was written", first, others)
	}
	return nil, fmt.Errorf("%w; nothing was written", first)
}

// flow raises one flow: read, plan (the requests: actions read and
// raised), then update with a pure edit.
func (r *raiser) flow(ctx context.Context, f client.Flow) (Result, error) {
	held := r.held[f.ID]
	if held == nil {
		held = &heldConfig{under: r.o.Cache}
	}
	doc, _, fromCache, err := r.c.ConfigurationOf(ctx, &f, true, held)
	if err != nil {
		res := Result{UpdateResult: client.UpdateResult{FlowID: f.ID, FlowName: f.Name, DryRun: r.o.Update.DryRun}}
		return res, objectError(ctx, "update", &f, err)
	}
	p := r.plan(ctx, &f, doc)
	edit := p.edit()
	if r.wrap != nil {
		edit = r.wrap(edit)
	}
	uo := r.o.Update
	uo.Cache = held // the first read of the update is the one just made
	up, err := r.c.UpdateFlow(ctx, f.ID, edit, &uo)
	res := Result{UpdateResult: *up, Effects: p.effects}
	if up.Changed && len(up.Changes) > 0 {
		// What the version written holds, also when the last pass found it
		// already there (an answer lost, the write confirmed by reading).
		res.Effects = p.written
	}
	res.FlowName = f.Name
	res.FromCache = fromCache && res.FromCache
	return res, err
}

// action is one action a plan relies on, as read and, with Actions, raised.
type action struct {
	a     *dataaction.Action
	err   error
	to    time.Duration // its own timeout; 0 with known false
	known bool
	// raised is set when the plan asked for a raise; res says what came.
	raised bool
	res    raisedAction
}

// plan is what a flow's edit needs, gathered before it: every action its
// nodes rely on. Its edit makes no request.
type plan struct {
	o       *RaiseOptions
	actions map[string]*action
	// targets are each node's target by id (Min, or its policy rule's
	// min; absent: not raised), rules the policy rule that judges it (not
	// exempt).
	targets map[string]time.Duration
	rules   map[string]*policy.Rule
	effects []Effect
	// written are the effects of the last edit that changed something:
	// what the version written holds, when a later pass of the update
	// (after a lost answer) found nothing left to change.
	written []Effect
}

// plan reads the actions of doc's nodes and, with Actions, raises those
// that keep a node below its target: every request of a flow's raise but
// its update.
func (r *raiser) plan(ctx context.Context, f *client.Flow, doc *flow.Document) *plan {
	p := &plan{o: r.o, actions: map[string]*action{}}
	nodes := doc.Nodes()
	p.targets, p.rules = targetsOf(r.o, f, nodes)
	ids := make([]string, 0, len(nodes))
	for _, n := range nodes {
		ids = append(ids, n.ActionID)
	}
	r.actions.prefetch(ctx, ids) // those no flow before this one read: one request for 25
	for _, n := range nodes {
		if n.ActionID == "" || p.actions[n.ActionID] != nil {
			continue
		}
		a, err := r.actions.get(ctx, n.ActionID)
		to, known := actionTimeoutOf(a, err)
		p.actions[n.ActionID] = &action{a: a, err: err, to: to, known: known}
	}
	if !r.o.Actions {
		return p
	}
	need := map[string]time.Duration{} // each action's largest target among the nodes it keeps short
	var order []string
	for _, n := range nodes {
		act, target := p.actions[n.ActionID], p.targets[n.ID]
		if act == nil || !act.known || act.to >= target || (n.Err == nil && n.TimeoutKind == flow.TimeoutExpression) ||
			(act.a != nil && act.a.IsFunction() && act.to >= dataaction.MaxFunctionTimeout) { // no raise can help
			continue
		}
		if _, seen := need[n.ActionID]; !seen {
			order = append(order, n.ActionID)
		}
		need[n.ActionID] = max(need[n.ActionID], target)
	}
	for _, id := range order {
		act := p.actions[id]
		act.raised, act.res = true, r.raises.raise(ctx, id, act.a, need[id])
	}
	return p
}

// targetsOf is each node's target, and the policy rule that judges it:
// Min for every node, or, with a Policy, the min of the rule that judges
// the node (no target for a node no rule judges, whose rule has no min,
// or that an exemption in force covers; no rule for the first and the
// last).
func targetsOf(o *RaiseOptions, f *client.Flow, nodes []flow.Node) (map[string]time.Duration, map[string]*policy.Rule) {
	targets, rules := make(map[string]time.Duration, len(nodes)), map[string]*policy.Rule{}
	for i := range nodes {
		n := &nodes[i]
		if o.Policy == nil {
			targets[n.ID] = o.Min
			continue
		}
		v := o.Policy.Judge(policy.Flow{ID: f.ID, Name: f.Name, Type: f.Type}, n, 0, false, o.Now)
		if v.Rule == nil || v.Exempt != nil {
			continue
		}
		rules[n.ID] = v.Rule
		if v.Rule.Min > 0 {
			targets[n.ID] = v.Rule.Min
		}
	}
	return targets, rules
}

// edit is the flow's edit: it plans each node by effective timeout from
// what the plan read, records the effects, and changes only the nodes
// whose new literal raises what callers wait. It may run twice (on the
// first read and under the lock); each run starts the effects anew.
func (p *plan) edit() client.EditFunc {
	var mu sync.Mutex
	return func(doc *flow.Document) ([]flow.Change, error) {
		mu.Lock()
		defer mu.Unlock()
		p.effects = p.effects[:0]
		planned := map[string]int{}
		filter := func(n flow.Node) bool {
			e, change, keep := p.node(n)
			if !keep {
				return false
			}
			if change {
				planned[n.ID] = len(p.effects)
			}
			p.effects = append(p.effects, e)
			return change
		}
		var changes []flow.Change
		for _, target := range p.distinctTargets() {
			only := func(n flow.Node) bool { return p.targets[n.ID] == target && filter(n) }
			ch, err := doc.RaiseTimeouts(target, &flow.RaiseOptions{OverrideSuggested: p.o.OverrideSuggested, IncludeHTTP: p.o.IncludeHTTP, Filter: only})
			if err != nil {
				p.effects = p.effects[:0]
				return nil, err
			}
			changes = append(changes, ch...)
		}
		// A planned node that flow did not change (an expression, say) did
		// not have its effect.
		changed := make(map[string]bool, len(changes))
		for _, ch := range changes {
			changed[ch.Node.ID] = true
		}
		for id, i := range planned {
			if !changed[id] {
				e := &p.effects[i]
				e.Raised, e.After = false, e.Before
				e.Reason = raiseReason(e, nil, nil, e.Target)
			}
		}
		p.aboveMax(doc)
		p.inDocumentOrder(doc) // after planned's indices are used
		if len(changes) > 0 {
			p.written = append(p.written[:0], p.effects...)
		}
		return changes, nil
	}
}

// ruleName is the name of the policy rule that judges a node; "" without
// a policy.
func (p *plan) ruleName(nodeID string) string {
	if r := p.rules[nodeID]; r != nil {
		return r.Name
	}
	return ""
}

// aboveMax adds an effect for each node of doc that waits more than its
// policy rule's max, as far as what it waits is known: a raise never
// lowers one, and says so (Effect.AboveMax).
func (p *plan) aboveMax(doc *flow.Document) {
	for _, n := range doc.Nodes() {
		r := p.rules[n.ID]
		if r == nil || r.Max <= 0 || n.Err != nil || n.TimeoutKind == flow.TimeoutExpression {
			continue
		}
		act := p.actions[n.ActionID]
		if act == nil || !act.known {
			continue // what it waits is not known to be more
		}
		to := act.to
		if act.raised && act.res.err == nil {
			to = act.res.to
		}
		if waits := effectiveNodeOnly(n, to); waits > r.Max {
			p.effects = append(p.effects, Effect{Node: n, Target: p.targets[n.ID], Rule: r.Name, ActionTimeout: to, Before: waits, After: waits, AboveMax: true})
		}
	}
}

// distinctTargets are the plan's targets, each once, shortest first: one
// RaiseTimeouts a target.
func (p *plan) distinctTargets() []time.Duration {
	var out []time.Duration
	for _, t := range p.targets {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// inDocumentOrder puts the effects in the order of doc's nodes, however
// many targets planned them.
func (p *plan) inDocumentOrder(doc *flow.Document) {
	at := map[string]int{}
	for i, n := range doc.Nodes() {
		if _, seen := at[n.ID]; !seen {
			at[n.ID] = i
		}
	}
	slices.SortStableFunc(p.effects, func(a, b Effect) int { return at[a.Node.ID] - at[b.Node.ID] })
}

// node plans one node: its effect, whether to change it, and whether it is
// reported at all (a node without a target is not).
func (p *plan) node(n flow.Node) (e Effect, change, keep bool) {
	min, targeted := p.targets[n.ID]
	if !targeted {
		return Effect{}, false, false
	}
	act := p.actions[n.ActionID]
	if act == nil && n.ActionID != "" {
		act = &action{err: errNotPlanned}
	}
	if act == nil {
		act = &action{}
	}
	action, known := act.to, act.known
	if n.Err == nil && n.TimeoutKind == flow.TimeoutExpression {
		// Never touched; reported, since what it waits is unknown.
		return Effect{Node: n, Target: min, Rule: p.ruleName(n.ID), ActionTimeout: action, Reason: ReasonExpression}, false, true
	}
	e = Effect{Node: n, Target: min, Rule: p.ruleName(n.ID), ActionTimeout: action}
	e.Before, e.After = effectiveTimeouts(n, action, known, min)
	if act.raised {
		action = applyRaise(&e, act.res, min) // the action first; then the node against it
	}
	before, after := e.Before, e.After
	if known && action < min {
		e.CappedBy = n.ActionID
	}
	wouldEdit := n.Err != nil || (n.TimeoutKind == flow.TimeoutLiteral && n.Timeout < min && !n.UseSuggested) ||
		(n.TimeoutKind == flow.TimeoutUnset && !n.UseSuggested) || (n.UseSuggested && p.o.OverrideSuggested)
	helps := !known && n.UseSuggested || after > before
	// With its action raised, the node helps only where its own literal is
	// what keeps callers below the new limit.
	if e.ByAction {
		helps = wouldEdit && effectiveNodeOnly(n, action) < after && !n.UseSuggested
	}
	switch {
	case wouldEdit && (helps || n.Err != nil):
		// Changed (a node that cannot be read fails the edit, as flow says).
		e.Raised = after > before && (known || !n.UseSuggested) // unknown is not "raised"
		change = true
	case e.ByAction && effectiveNodeOnly(n, action) > before:
		// Its action was raised; the node itself needs no change.
		e.Raised, e.After = true, effectiveNodeOnly(n, action)
	case e.CappedBy != "" && before < min:
		e.After = before // left as it is
	case !known && n.UseSuggested:
		e.Before, e.After = 0, 0 // what it waits is unknown: a finding
	default:
		return Effect{}, false, false
	}
	e.Reason = raiseReason(&e, act.a, act.err, min)
	return e, change, true
}

// applyRaise plans e against its action as raised: against its new
// timeout when this run raised it, or against its timeout as it is when
// somebody else raised it since this run read it. It returns the action's
// timeout to plan with.
func applyRaise(e *Effect, r raisedAction, min time.Duration) time.Duration {
	switch {
	case r.err != nil:
		e.ActionErr = r.err
		return e.ActionTimeout
	case r.ours:
		_, e.After = effectiveTimeouts(e.Node, r.to, true, min)
		e.ByAction = true
	default:
		e.Before, e.After = effectiveTimeouts(e.Node, r.to, true, min)
	}
	e.ActionTimeout = r.to
	return r.to
}

// raiseReason is why the node of e still waits less than min after a
// raise; act and aerr are its action as read.
func raiseReason(e *Effect, act *dataaction.Action, aerr error, min time.Duration) Reason {
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
	return shortReason(n, e.CappedBy != "" || (n.UseSuggested && e.ActionTimeout == 0), act, aerr, e.ActionTimeout)
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

// effectiveNodeOnly is what n waits once its action waits action: its
// literal, capped by the action (the suggested timeout is the action's).
func effectiveNodeOnly(n flow.Node, action time.Duration) time.Duration {
	if n.UseSuggested || n.TimeoutKind != flow.TimeoutLiteral || n.Timeout > action {
		return action
	}
	return n.Timeout
}

// heldConfig is a client.ConfigCache over the caller's (or none) that also
// holds the last configuration read through it, so that a flow's update
// reads the version its plan was made from without a request.
type heldConfig struct {
	under client.ConfigCache
	mu    sync.Mutex
	key   string
	val   []byte
}

func (h *heldConfig) Get(ctx context.Context, key string) ([]byte, bool, error) {
	h.mu.Lock()
	if key == h.key && h.val != nil {
		v := h.val
		h.mu.Unlock()
		return v, true, nil
	}
	h.mu.Unlock()
	if h.under == nil {
		return nil, false, nil
	}
	v, ok, err := h.under.Get(ctx, key)
	if err == nil && ok {
		h.hold(key, v)
	}
	return v, ok, err
}

func (h *heldConfig) Put(ctx context.Context, key string, config []byte) error {
	h.hold(key, config)
	if h.under == nil {
		return nil
	}
	return h.under.Put(ctx, key, config)
}

func (h *heldConfig) hold(key string, config []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.key, h.val = key, append([]byte(nil), config...)
}
