package org

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
)

// TestRaiseEditsArePure: every edit a raise makes, on the first read and
// under the lock, runs while no request is made, also when the raise
// raises actions (which the old edit did from inside its filter).
func TestRaiseEditsArePure(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	c := srv.Client(t)
	var edits, impure atomic.Int32
	wrap := func(edit client.EditFunc) client.EditFunc {
		return func(doc *flow.Document) ([]flow.Change, error) {
			before := srv.Counters().Requests
			changes, err := edit(doc)
			edits.Add(1)
			if srv.Counters().Requests != before {
				impure.Add(1)
			}
			return changes, err
		}
	}
	raisedActions := 0
	seq, err := raise(context.Background(), c, &RaiseOptions{Selection: Selection{Concurrency: 1}, Min: 5 * time.Second, Actions: true,
		OnAction: func(ch *dataaction.Change, err error) {
			if err == nil && ch.Changed {
				raisedActions++
			}
		},
		Update: client.UpdateOptions{Publish: true}}, wrap)
	require.NoError(t, err)
	changed := 0
	for res, err := range seq {
		if err == nil && res.Changed {
			changed++
		}
	}
	assert.Equal(t, 4, raisedActions, "the demo's four raisable actions were raised, its function action among them")
	assert.Greater(t, changed, 30)
	assert.Greater(t, int(edits.Load()), 2*changed-1, "each changed flow was edited twice: first read and under the lock")
	assert.Zero(t, impure.Load(), "no edit made a request")
}
