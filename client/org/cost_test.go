package org_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/org"
)

// TestRaiseActionsRequestCost: raising A actions costs at most 3A requests
// (read, PATCH, read back; a refused action nothing) beyond
// the one read of each distinct action a run makes anyway, plus one dependency lookup per action for whoever asks;
// flows cost what they cost without -actions: 8 requests for a flow
// changed, 2 for one left alone.
func TestRaiseActionsRequestCost(t *testing.T) {
	type cost struct{ flows, batches, actions, dependencies, changed, unchanged, raised, refused int }
	run := func(actions bool) cost {
		srv, c := demo(t, &clienttest.Options{OperationReads: 1, RequestsPerMinute: -1})
		var k cost
		for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Min: 5 * time.Second, Actions: actions, OnAction: func(ch *dataaction.Change, err error) {
			if err == nil {
				k.raised++
			} else {
				k.refused++
			}
		}, Update: client.UpdateOptions{Publish: true}}) {
			switch {
			case err != nil:
			case res.Changed:
				k.changed++
			default:
				k.unchanged++
			}
		}
		for _, r := range srv.Requests() {
			switch {
			case r.Path == "/api/v2/integrations/actions":
				k.batches++ // the plans' reads, 25 actions a request
			case strings.HasPrefix(r.Path, "/api/v2/integrations/actions/"):
				k.actions++
			case strings.HasPrefix(r.Path, "/api/v2/architect/dependencytracking/"):
				k.dependencies++
			default:
				k.flows++
			}
		}
		return k
	}
	without, with := run(false), run(true)
	t.Logf("without -actions: %+v; with: %+v", without, with)
	require.Equal(t, 4, with.raised, "three actions and the function action")
	require.Equal(t, 1, with.refused, "the built-in action")
	assert.Equal(t, 3*3+7, with.actions-without.actions,
		"read, PATCH and read back each raised action; the function action: read, its function, draft, draft's function, PUT, publish, function back; the refused one, read once already, costs nothing more")
	assert.Zero(t, with.dependencies, "the library asks dependency tracking only when told to")
	assert.Equal(t, 1, without.actions, "every action a plan needs comes in a batch, but the function action's function")
	for _, k := range []cost{without, with} {
		// Flows worked on at once may each ask for an action no flow has
		// read yet: at most one batch a flow, and far fewer than one read
		// an action used to cost.
		assert.GreaterOrEqual(t, k.batches, 1)
		assert.Less(t, k.batches, 14, "fewer requests than the demo's 14 actions read one by one")
	}
	perFlow := func(k cost) int { return k.flows - 2*k.unchanged }
	assert.Equal(t, perFlow(without)-8*without.changed, perFlow(with)-8*with.changed,
		"apart from the listing and the skipped flows, a flow costs 8 requests changed, 2 unchanged, either way")
}

// TestRaiseReadsEachFunctionOnce: flows planned at once share the batches
// in flight (an action another flow's batch is reading is waited for, not
// read again), so the function action's function is read once a run,
// however the eight workers meet. (Before: twice in 2 runs of 10.)
func TestRaiseReadsEachFunctionOnce(t *testing.T) {
	for range 5 {
		srv, c := demo(t, &clienttest.Options{OperationReads: 1, RequestsPerMinute: -1})
		for _, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 8}, Min: 5 * time.Second,
			Update: client.UpdateOptions{DryRun: true}}) {
			_ = err // the locked and draft-pending flows
		}
		functions, batches := 0, 0
		for _, r := range srv.Requests() {
			switch {
			case strings.HasSuffix(r.Path, "/function"):
				functions++
			case r.Path == "/api/v2/integrations/actions":
				batches++
			}
		}
		assert.Equal(t, 1, functions)
		assert.Less(t, batches, 14, "fewer requests than the 14 actions read one by one")
	}
}
