package org_test

import (
	"context"
	"errors"
	"iter"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/cache"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
)

func demo(t testing.TB, opts *clienttest.Options) (*clienttest.Server, *client.Client) {
	t.Helper()
	srv := clienttest.Start(t, opts, true)
	return srv, srv.Client(t)
}

// mustRaise is org.Raise for a test whose options are good.
func mustRaise(t testing.TB, ctx context.Context, c *client.Client, o *org.RaiseOptions) iter.Seq2[org.Result, error] {
	t.Helper()
	seq, err := org.Raise(ctx, c, o)
	require.NoError(t, err)
	return seq
}

// mustAudit is org.Audit for a test whose options are good.
func mustAudit(t testing.TB, ctx context.Context, c *client.Client, o *org.AuditOptions) iter.Seq2[org.FlowAudit, error] {
	t.Helper()
	seq, err := org.Audit(ctx, c, o)
	require.NoError(t, err)
	return seq
}

// locallyRaised is what raising a flow's original bytes with flow gives:
// what the organisation must hold after the raise, byte for byte.
func locallyRaised(t testing.TB, original []byte, min time.Duration) ([]byte, int) {
	t.Helper()
	doc, err := flow.Parse(original)
	require.NoError(t, err)
	changes, err := doc.RaiseTimeouts(min, nil)
	require.NoError(t, err)
	return doc.Bytes(), len(changes)
}

// plannedRaise is the raise the effective-timeout rule asks for, worked out
// here without the client: a Data Action whose literal is below target is
// raised only when a literal of target makes callers wait longer, its
// action's own timeout capping both; a tutorial timeout that is unset is
// raised. It returns the bytes and the number of nodes raised.
func plannedRaise(t testing.TB, original []byte, target time.Duration, actions map[string]time.Duration) ([]byte, int) {
	t.Helper()
	doc, err := flow.Parse(original)
	require.NoError(t, err)
	var edits []flow.Edit
	for _, n := range doc.DataActions() {
		switch {
		case n.UseSuggested || n.Err != nil:
		case n.TimeoutKind == flow.TimeoutUnset && doc.Shape() == flow.ShapeTutorial:
			edits = append(edits, flow.Edit{NodeID: n.ID, Timeout: target})
		case n.TimeoutKind == flow.TimeoutLiteral && n.Timeout < target:
			before, after := n.Timeout, target
			if act, ok := actions[n.ActionID]; ok {
				before, after = min(before, act), min(after, act)
			}
			if after > before {
				edits = append(edits, flow.Edit{NodeID: n.ID, Timeout: target})
			}
		}
	}
	if len(edits) > 0 {
		_, err = doc.SetTimeouts(edits...)
		require.NoError(t, err)
	}
	return doc.Bytes(), len(edits)
}

// actionTimeouts reads the own timeout of every action the flows name.
func actionTimeouts(t testing.TB, c *client.Client, configs map[string][]byte) map[string]time.Duration {
	t.Helper()
	out := map[string]time.Duration{}
	for _, config := range configs {
		doc, err := flow.Parse(config)
		require.NoError(t, err)
		for _, n := range doc.DataActions() {
			if _, seen := out[n.ActionID]; n.ActionID == "" || seen {
				continue
			}
			a, err := dataaction.Get(context.Background(), c, n.ActionID)
			require.NoError(t, err)
			out[n.ActionID] = time.Duration(a.Config.TimeoutSeconds) * time.Second
			if a.IsFunction() { // a function action waits its function's timeout
				fn, err := dataaction.GetFunction(context.Background(), c, n.ActionID)
				require.NoError(t, err)
				out[n.ActionID] = time.Duration(fn.TimeoutSeconds) * time.Second
			}
		}
	}
	return out
}

func TestRaiseDemoOrganisation(t *testing.T) {
	srv, c := demo(t, &clienttest.Options{OperationReads: 1, RequestsPerMinute: -1})
	ctx := context.Background()
	originals := map[string][]byte{}
	for _, id := range srv.FlowIDs() {
		originals[id] = srv.Published(id)
	}
	actions := actionTimeouts(t, c, originals)
	versionsBefore := srv.Counters().Versions
	var progress []int
	changed, raised, capped, failed := 0, 0, 0, map[string]error{}
	for res, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 4, Progress: func(done, total int, _ string) { progress = append(progress, done); assert.Equal(t, 40, total) }}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		if err != nil {
			failed[res.FlowID] = err
			continue
		}
		if res.Changed {
			changed++
		}
		for _, e := range res.Effects {
			if e.Raised {
				raised++
				assert.Greater(t, e.After, e.Before, "%s/%s: raised means callers wait longer", res.FlowID, e.Node.ID)
			}
			if e.CappedBy != "" {
				capped++
				assert.Less(t, e.After, 5*time.Second, "%s/%s: capped means still below", res.FlowID, e.Node.ID)
				assert.Equal(t, actions[e.CappedBy], e.ActionTimeout)
			}
		}
		assert.Len(t, res.Changes, countRaised(res.Effects), "%s: every change raises what callers wait", res.FlowID)
	}
	t.Logf("demo: %d flows changed, %d Data Actions raised, %d capped by their action", changed, raised, capped)
	assert.Len(t, progress, 40)
	require.Len(t, failed, 2, "the locked flow and the one with a draft")
	assert.ErrorIs(t, failed["demo-flow-05"], client.ErrLocked)
	assert.ErrorIs(t, failed["demo-flow-08"], client.ErrDraftPending)

	planned := 0
	for _, id := range srv.FlowIDs() {
		want, n := plannedRaise(t, originals[id], 5*time.Second, actions)
		if failed[id] != nil {
			assert.Equal(t, string(originals[id]), string(srv.Published(id)), "%s: a failed flow is untouched", id)
			continue
		}
		planned += n
		assert.Equal(t, string(want), string(srv.Published(id)), "%s: raised where it helps, and every other byte as it was", id)
		if n == 0 {
			assert.Len(t, srv.Versions(id), 1, "%s: nothing to change, no version", id)
		}
		doc, err := flow.Parse(srv.Published(id))
		require.NoError(t, err)
		for _, node := range doc.DataActions() {
			act, ok := actions[node.ActionID]
			if node.TimeoutKind == flow.TimeoutLiteral && !node.UseSuggested && (!ok || act > node.Timeout) {
				assert.GreaterOrEqual(t, node.Timeout, 5*time.Second, "%s/%s: below, and not capped by its action", id, node.ID)
			}
		}
		assert.NotEqual(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), "%s: not locked by us", id)
	}
	assert.Equal(t, planned, raised, "the raised count is the nodes whose effective timeout went up")
	assert.Greater(t, changed, 20)
	assert.Equal(t, changed, srv.Counters().Versions-versionsBefore, "versions created equal flows changed")
	assert.Equal(t, changed, srv.Counters().Publishes)

	// A second run changes nothing and writes nothing.
	requests := srv.Counters().Requests
	postsBefore := srv.Counters().Writes
	for res, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		if err == nil {
			assert.False(t, res.Changed, res.FlowID)
			assert.Empty(t, res.Changes, res.FlowID)
		}
	}
	assert.Equal(t, postsBefore, srv.Counters().Writes, "no writes")
	assert.Equal(t, changed, srv.Counters().Versions-versionsBefore)
	assert.LessOrEqual(t, srv.Counters().Requests-requests, 1+2*40+3*2+len(actions),
		"reads only: a listing, two reads a flow (the refused ones retried), and each data action once")
}

// countRaised counts the effects whose node was raised.
func countRaised(effects []org.Effect) int {
	n := 0
	for _, e := range effects {
		if e.Raised {
			n++
		}
	}
	return n
}

func TestRaiseOverrideSuggested(t *testing.T) {
	srv, c, id := setup(t)
	// n2 uses the suggested timeout of custom_-_pay, which waits 3 s: a
	// custom 5 s cannot help, since the action gives up after 3 s. It is
	// left alone and reported as capped.
	for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 5 * time.Second, OverrideSuggested: true, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		require.Len(t, res.Changes, 1)
		assert.Equal(t, "n1", res.Changes[0].Node.ID)
		require.Len(t, res.Effects, 2)
		assert.Equal(t, org.Effect{Node: res.Effects[1].Node, Target: 5 * time.Second, ActionTimeout: 3 * time.Second, Before: 3 * time.Second, After: 3 * time.Second, CappedBy: "custom_-_pay", Reason: org.ReasonActionNotRaised}, res.Effects[1])
		assert.True(t, res.Effects[0].Raised)
		assert.Equal(t, 3*time.Second, res.Effects[0].Before)
		assert.Equal(t, 5*time.Second, res.Effects[0].After, "custom_-_crm waits 8 s: 5 s is what callers now wait")
	}
	doc, err := flow.Parse(srv.Published(id))
	require.NoError(t, err)
	n2 := doc.DataActions()[1]
	assert.True(t, n2.UseSuggested, "left alone")

	// An action that cannot be read: overriding may help, so it is done,
	// but not counted as raised (nobody knows what callers waited).
	srv3, c3, id3 := setup(t)
	require.NoError(t, srv3.RemoveDataAction("custom_-_pay"))
	for res, err := range mustRaise(t, context.Background(), c3, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id3}}, Min: 5 * time.Second, OverrideSuggested: true, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		assert.Len(t, res.Changes, 2)
		assert.Equal(t, 1, countRaised(res.Effects))
	}
	doc, err = flow.Parse(srv3.Published(id3))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, doc.DataActions()[1].Timeout)

	// An action that waits long enough keeps its suggested timeout.
	srv2, c2, id2 := setup(t)
	srv2.AddDataAction("custom_-_pay", "Pay", 30)
	for res, err := range mustRaise(t, context.Background(), c2, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id2}}, Min: 5 * time.Second, OverrideSuggested: true}) {
		require.NoError(t, err)
		require.Len(t, res.Changes, 1)
		assert.Equal(t, "n1", res.Changes[0].Node.ID)
	}

	seq, err := org.Raise(context.Background(), c, &org.RaiseOptions{})
	assert.Nil(t, seq, "a fatal error is an error, not an item")
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	_, err = org.Raise(context.Background(), c, nil)
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	_, err = org.Raise(context.Background(), c, &org.RaiseOptions{Min: 90 * time.Second})
	assert.ErrorIs(t, err, dataaction.ErrTargetTooLong)
	assert.ErrorContains(t, err, "a minimum of 1m30s is above 1m0s")
}

func TestAuditDemoOrganisation(t *testing.T) {
	srv, c := demo(t, nil)
	before := srv.Counters().Requests
	var audits []org.FlowAudit
	actions := map[string]bool{}
	for a, err := range mustAudit(t, context.Background(), c, &org.AuditOptions{Selection: org.Selection{Concurrency: 8}, Min: 5 * time.Second}) {
		require.NoError(t, err)
		audits = append(audits, a)
		for _, n := range a.Nodes {
			if n.ActionID != "" {
				actions[n.ActionID] = true
			}
		}
	}
	require.Len(t, audits, 40)
	for i, id := range srv.FlowIDs() {
		assert.Equal(t, id, audits[i].Flow.ID, "listing order")
	}
	requests := srv.Counters().Requests - before
	functions := 0
	for id := range actions {
		if _, _, ok := srv.ActionFunction(id); ok {
			functions++
		}
	}
	require.Equal(t, 1, functions, "the demo uses one function action")
	bound := 40 + int(math.Ceil(40.0/500)) + int(math.Ceil(float64(len(actions))/25)) + functions
	assert.LessOrEqual(t, requests, bound, "N + ceil(N/500) + ceil(A/25) + F: the actions read in batches of 25, and each function action's function")
	actionReads := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/v2/integrations/actions") {
			actionReads++
		}
	}
	assert.Equal(t, int(math.Ceil(float64(len(actions))/25))+functions, actionReads, "the %d actions in one batch, and the function", len(actions))
	t.Logf("audit of 40 flows: %d requests (bound %d, %d distinct actions, %d action requests)", requests, bound, len(actions), actionReads)

	flags := map[org.Flag]int{}
	for _, a := range audits {
		for _, n := range a.Nodes {
			for _, f := range n.Flags {
				flags[f]++
			}
			switch {
			case n.UseSuggested && n.ActionTimeout > 0:
				assert.Equal(t, n.ActionTimeout, n.Effective, "a suggested node waits what its action waits")
				assert.True(t, n.EffectiveKnown)
			case n.TimeoutKind == flow.TimeoutLiteral && n.ActionTimeout > 0 && n.Timeout > n.ActionTimeout:
				assert.Equal(t, n.ActionTimeout, n.Effective, "the action gives up first")
				assert.Contains(t, n.Flags, org.FlagAboveActionLimit)
			}
		}
	}
	assert.Positive(t, flags[org.FlagBelowTarget])
	assert.Positive(t, flags[org.FlagAboveActionLimit])
	assert.Positive(t, flags[org.FlagAboveMax], "90 s literals")
	assert.Positive(t, flags[org.FlagExpression])

	// The draft's flow: published by default, latest on request.
	for a, err := range mustAudit(t, context.Background(), c, &org.AuditOptions{Selection: org.Selection{FlowIDs: []string{"demo-flow-08"}}, Latest: true}) {
		require.NoError(t, err)
		assert.Equal(t, "2.0", a.Version)
	}
	for a, err := range mustAudit(t, context.Background(), c, &org.AuditOptions{Selection: org.Selection{FlowIDs: []string{"demo-flow-08"}}}) {
		require.NoError(t, err)
		assert.Equal(t, "1.0", a.Version)
	}
	// A flow that cannot be read is reported, and the audit goes on.
	srv.FailNext("GET", "/api/v2/flows/demo-flow-02/versions", 1, 404)
	n, bad := 0, 0
	for a, err := range mustAudit(t, context.Background(), c, &org.AuditOptions{Selection: org.Selection{Types: []string{"inboundcall"}}}) {
		n++
		if err != nil {
			bad++
			assert.True(t, errors.Is(err, client.ErrNotFound))
			assert.Equal(t, "demo-flow-02", a.Flow.ID, "the error names its flow")
		}
	}
	assert.Equal(t, 1, bad)
	assert.Greater(t, n, 10)
}

// TestRaiseActionsDemo: after a raise with Actions, an audit of the demo
// finds nothing below 5 s but in the flows the raise skipped (locked, draft
// pending); expressions are not "below" (they cannot be known). A second
// run writes nothing, to flows or actions.
func TestRaiseActionsDemo(t *testing.T) {
	srv, c := demo(t, &clienttest.Options{OperationReads: 1, RequestsPerMinute: -1})
	ctx := context.Background()
	below := func() (n int, where map[string]int) {
		where = map[string]int{}
		for a, err := range mustAudit(t, ctx, c, &org.AuditOptions{Min: 5 * time.Second}) {
			require.NoError(t, err)
			for _, node := range a.Nodes {
				if slices.Contains(node.Flags, org.FlagBelowTarget) {
					n++
					if node.Reason != org.ReasonStaticAction {
						where[a.Flow.ID]++ // what a raise could have helped
					}
				}
			}
		}
		return n, where
	}
	before, _ := below()
	skipped, raisedActions := map[string]bool{}, 0
	var refused []error
	for res, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Min: 5 * time.Second, Actions: true, OnAction: func(_ *dataaction.Change, err error) {
		if err != nil {
			refused = append(refused, err)
			return
		}
		raisedActions++
	}, Update: client.UpdateOptions{Publish: true}}) {
		if err != nil {
			skipped[res.FlowID] = true
		}
	}
	after, where := below()
	t.Logf("demo: %d Data Actions waited less than 5 s before, %d after (%v); %d actions raised", before, after, where, raisedActions)
	assert.Equal(t, map[string]bool{"demo-flow-05": true, "demo-flow-08": true}, skipped)
	for id := range where {
		assert.True(t, skipped[id], "%s still has nodes below 5 s but was not skipped", id)
	}
	assert.Equal(t, raisedActions, srv.Counters().ActionPatches)
	assert.Equal(t, 4, raisedActions, "three actions, and the function action through its draft")
	require.Len(t, refused, 1, "the built-in action")
	assert.ErrorIs(t, refused[0], dataaction.ErrStatic)
	left := map[org.Reason]int{}
	for a, err := range mustAudit(t, ctx, c, &org.AuditOptions{Min: 5 * time.Second}) {
		require.NoError(t, err)
		for _, node := range a.Nodes {
			if node.Reason != "" {
				left[node.Reason]++
			}
		}
	}
	assert.Equal(t, map[org.Reason]int{org.ReasonLocked: 1, org.ReasonExpression: 11, org.ReasonStaticAction: 2}, left,
		"after raising actions and flows, only what the run could not touch is left")

	writesBefore, patches := srv.Counters().Writes, srv.Counters().ActionPatches
	for _, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Min: 5 * time.Second, Actions: true, Update: client.UpdateOptions{Publish: true}}) {
		_ = err // the two skipped flows fail again
	}
	assert.Equal(t, writesBefore, srv.Counters().Writes, "a second run writes nothing")
	assert.Equal(t, patches, srv.Counters().ActionPatches, "nor changes an action")
}

// mustDir is cache.NewDirCache for the tests.
func mustDir(dir string) *cache.Dir {
	d, err := cache.NewDirCache(dir, nil)
	if err != nil {
		panic(err)
	}
	return d
}

// setup serves a flow of two Data Actions (../testdata/crm-and-pay.json):
// n1 waits 3 s of custom_-_crm (8 s), n2 uses the suggested timeout of
// custom_-_pay (3 s).
func setup(t *testing.T) (*clienttest.Server, *client.Client, string) {
	t.Helper()
	config, err := os.ReadFile("../testdata/crm-and-pay.json")
	require.NoError(t, err)
	srv := clienttest.Start(t, nil, false)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Main", Type: "inboundcall", Config: config})
	require.NoError(t, err)
	srv.AddDataAction("custom_-_crm", "CRM", 8)
	srv.AddDataAction("custom_-_pay", "Pay", 3)
	return srv, srv.Client(t), id
}
