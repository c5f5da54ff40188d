package client_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
)

func demo(t testing.TB, opts *clienttest.Options) (*clienttest.Server, *client.Client) {
	t.Helper()
	srv, err := clienttest.NewDemoServer(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv, srv.Client(t)
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

func TestRaiseDemoOrganisation(t *testing.T) {
	srv, c := demo(t, &clienttest.Options{OperationReads: 1, RequestsPerMinute: -1})
	ctx := context.Background()
	originals := map[string][]byte{}
	for _, id := range srv.FlowIDs() {
		originals[id] = srv.Published(id)
	}
	versionsBefore := srv.Counters().Versions
	var progress []int
	changed, failed := 0, map[string]error{}
	for res, err := range c.RaiseTimeouts(ctx, &client.RaiseOptions{Min: 5 * time.Second, Concurrency: 4, UpdateOptions: client.UpdateOptions{Publish: true},
		Progress: func(done, total int, _ string) { progress = append(progress, done); assert.Equal(t, 40, total) }}) {
		if err != nil {
			failed[res.FlowID] = err
			continue
		}
		if res.Changed {
			changed++
		}
	}
	assert.Len(t, progress, 40)
	require.Len(t, failed, 2, "the locked flow and the one with a draft")
	assert.ErrorIs(t, failed["demo-flow-05"], client.ErrLocked)
	assert.ErrorIs(t, failed["demo-flow-08"], client.ErrDraftPending)

	for _, id := range srv.FlowIDs() {
		want, n := locallyRaised(t, originals[id], 5*time.Second)
		if failed[id] != nil {
			assert.Equal(t, string(originals[id]), string(srv.Published(id)), "%s: a failed flow is untouched", id)
			continue
		}
		assert.Equal(t, string(want), string(srv.Published(id)), "%s: raised, and every other byte as it was", id)
		if n == 0 {
			assert.Len(t, srv.Versions(id), 1, "%s: nothing to change, no version", id)
		}
		doc, err := flow.Parse(srv.Published(id))
		require.NoError(t, err)
		for _, node := range doc.DataActions() {
			if node.TimeoutKind == flow.TimeoutLiteral && !node.UseSuggested {
				assert.GreaterOrEqual(t, node.Timeout, 5*time.Second, "%s/%s", id, node.ID)
			}
		}
		assert.NotEqual(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), "%s: not locked by us", id)
	}
	assert.Greater(t, changed, 20)
	assert.Equal(t, changed, srv.Counters().Versions-versionsBefore, "versions created equal flows changed")
	assert.Equal(t, changed, srv.Counters().Publishes)

	// A second run changes nothing and writes nothing.
	requests := srv.Counters().Requests
	postsBefore := posts(srv)
	for res, err := range c.RaiseTimeouts(ctx, &client.RaiseOptions{Min: 5 * time.Second, UpdateOptions: client.UpdateOptions{Publish: true}}) {
		if err == nil {
			assert.False(t, res.Changed, res.FlowID)
			assert.Empty(t, res.Changes, res.FlowID)
		}
	}
	assert.Equal(t, postsBefore, posts(srv), "no writes")
	assert.Equal(t, changed, srv.Counters().Versions-versionsBefore)
	assert.LessOrEqual(t, srv.Counters().Requests-requests, 1+2*40+3*2, "reads only: a listing and two reads a flow (the refused ones retried)")
}

func TestRaiseOverrideSuggested(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	// n2 uses the suggested timeout of custom_-_pay, which waits 3 s.
	for res, err := range c.RaiseTimeouts(context.Background(), &client.RaiseOptions{FlowIDs: []string{id}, Min: 5 * time.Second, OverrideSuggested: true, UpdateOptions: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		assert.Len(t, res.Changes, 2)
	}
	doc, err := flow.Parse(srv.Published(id))
	require.NoError(t, err)
	n2 := doc.DataActions()[1]
	assert.False(t, n2.UseSuggested)
	assert.Equal(t, 5*time.Second, n2.Timeout)

	// An action that waits long enough keeps its suggested timeout.
	srv2, c2, id2 := setup(t, nil, clienttest.FlowSeed{})
	srv2.AddDataAction("custom_-_pay", "Pay", 30)
	for res, err := range c2.RaiseTimeouts(context.Background(), &client.RaiseOptions{FlowIDs: []string{id2}, Min: 5 * time.Second, OverrideSuggested: true}) {
		require.NoError(t, err)
		require.Len(t, res.Changes, 1)
		assert.Equal(t, "n1", res.Changes[0].Node.ID)
	}

	for _, err := range c.RaiseTimeouts(context.Background(), &client.RaiseOptions{}) {
		assert.ErrorIs(t, err, client.ErrConfig)
	}
	for _, err := range c.RaiseTimeouts(context.Background(), &client.RaiseOptions{Min: 90 * time.Second}) {
		assert.ErrorIs(t, err, client.ErrTargetTooLong)
		assert.ErrorContains(t, err, "a minimum of 1m30s is above 1m0s")
	}
}

func TestAuditDemoOrganisation(t *testing.T) {
	srv, c := demo(t, nil)
	before := srv.Counters().Requests
	var audits []client.FlowAudit
	actions := map[string]bool{}
	for a, err := range c.AuditFlows(context.Background(), &client.AuditOptions{Below: 5 * time.Second, Concurrency: 8}) {
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
	bound := 40 + int(math.Ceil(40.0/500)) + len(actions)
	assert.LessOrEqual(t, requests, bound, "N + ceil(N/500) + distinct actions")
	t.Logf("audit of 40 flows: %d requests (bound %d, %d distinct actions)", requests, bound, len(actions))

	flags := map[client.Flag]int{}
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
				assert.Contains(t, n.Flags, client.FlagAboveActionLimit)
			}
		}
	}
	assert.Positive(t, flags[client.FlagBelowTarget])
	assert.Positive(t, flags[client.FlagAboveActionLimit])
	assert.Positive(t, flags[client.FlagAboveMax], "90 s literals")
	assert.Positive(t, flags[client.FlagExpression])

	// The draft's flow: published by default, latest on request.
	for a, err := range c.AuditFlows(context.Background(), &client.AuditOptions{FlowIDs: []string{"demo-flow-08"}, Latest: true}) {
		require.NoError(t, err)
		assert.Equal(t, "2.0", a.Version)
	}
	for a, err := range c.AuditFlows(context.Background(), &client.AuditOptions{FlowIDs: []string{"demo-flow-08"}}) {
		require.NoError(t, err)
		assert.Equal(t, "1.0", a.Version)
	}
	// A flow that cannot be read is reported, and the audit goes on.
	srv.FailNext("GET", "/api/v2/flows/demo-flow-02/versions", 1, 404)
	n, bad := 0, 0
	for a, err := range c.AuditFlows(context.Background(), &client.AuditOptions{Types: []string{"inboundcall"}}) {
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
