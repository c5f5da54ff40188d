package org_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
)

// TestRaiseByEffectiveTimeout: what callers wait at a node is its action's
// own timeout when it uses the suggested one, else the smaller of its
// literal and its action's timeout. A node is changed only when a literal
// of Min makes callers wait longer; a node its action keeps below Min is
// reported as capped, changed or not.
func TestRaiseByEffectiveTimeout(t *testing.T) {
	type want struct {
		changed, raised bool
		before, after   time.Duration
		cappedBy        string
	}
	cases := []struct {
		id         string
		literal    string // "" for the suggested timeout
		action     string
		actionSecs int // 0: the action does not exist
		want       *want
	}{
		{"below, action long enough", "P0D0H0M2S0F", "a8", 8, &want{true, true, 2 * time.Second, 5 * time.Second, ""}},
		{"below, action shorter than min", "P0D0H0M2S0F", "a3", 3, &want{true, true, 2 * time.Second, 3 * time.Second, "a3"}},
		{"below, at the action's limit already", "P0D0H0M4S0F", "a3", 3, &want{false, false, 3 * time.Second, 3 * time.Second, "a3"}},
		{"above min, capped by the action", "P0D0H0M6S0F", "a3", 3, &want{false, false, 3 * time.Second, 3 * time.Second, "a3"}},
		{"suggested, action below min", "", "a3", 3, &want{false, false, 3 * time.Second, 3 * time.Second, "a3"}},
		{"suggested, action long enough", "", "a8", 8, nil},
		{"below, action unknown", "P0D0H0M2S0F", "gone", 0, &want{true, true, 2 * time.Second, 5 * time.Second, ""}},
		{"fine", "P0D0H0M7S0F", "a8", 8, nil},
	}
	var nodes []string
	for i, c := range cases {
		suggested, text := c.literal == "", c.literal
		if suggested {
			text = "P0D0H1M0S0F"
		}
		nodes = append(nodes, fmt.Sprintf(`{"__type":"DataAction","id":"n%d","name":%q,"actionId":%q,"useSuggestedTimeout":%v,`+
			`"timeout":{"config":{"lit":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur"}}`, i, c.id, c.action, suggested, text, text))
	}
	config := `{"name":"Table","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` + strings.Join(nodes, ",") + `]}]}`
	srv := clienttest.Start(t, nil, false)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Table", Type: "inboundcall", Config: []byte(config)})
	require.NoError(t, err)
	srv.AddDataAction("a3", "Three", 3)
	srv.AddDataAction("a8", "Eight", 8)
	c := srv.Client(t)

	var res org.Result
	for r, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	effects := map[string]org.Effect{}
	for _, e := range res.Effects {
		effects[e.Node.Name] = e
	}
	changed := map[string]bool{}
	for _, ch := range res.Changes {
		changed[ch.Node.Name] = true
	}
	published, err := flow.Parse(srv.Published(id))
	require.NoError(t, err)
	for i, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			e, reported := effects[tc.id]
			node := published.DataActions()[i]
			if tc.want == nil {
				assert.False(t, reported, "nothing to report")
				assert.False(t, changed[tc.id])
				return
			}
			require.True(t, reported)
			w := tc.want
			assert.Equal(t, w.changed, changed[tc.id], "changed")
			assert.Equal(t, w.raised, e.Raised, "counted as raised")
			assert.Equal(t, w.before, e.Before, "callers waited")
			assert.Equal(t, w.after, e.After, "callers wait")
			assert.Equal(t, w.cappedBy, e.CappedBy, "capped by")
			if w.changed {
				assert.Equal(t, 5*time.Second, node.Timeout, "written")
			} else {
				assert.Equal(t, tc.literal == "", node.UseSuggested, "left as it was")
			}
		})
	}
}

// actionTable is a flow whose nodes rely on a3 (3 s) and a8 (8 s).
func actionTable(t *testing.T, static bool) (*clienttest.Server, *client.Client, string) {
	t.Helper()
	a3 := "a3"
	if static {
		a3 = "static_-_a3"
	}
	node := func(i int, literal, action string) string {
		suggested, text := literal == "", literal
		if suggested {
			text = "P0D0H1M0S0F"
		}
		return fmt.Sprintf(`{"__type":"DataAction","id":"n%d","name":"n%d","actionId":%q,"useSuggestedTimeout":%v,`+
			`"timeout":{"config":{"lit":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur"}}`, i, i, action, suggested, text, text)
	}
	nodes := []string{node(0, "P0D0H0M2S0F", a3), node(1, "P0D0H0M4S0F", a3), node(2, "P0D0H0M6S0F", a3), node(3, "", a3), node(4, "P0D0H0M2S0F", "a8")}
	config := `{"name":"Actions","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` + strings.Join(nodes, ",") + `]}]}`
	srv := clienttest.Start(t, nil, false)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Actions", Type: "inboundcall", Config: []byte(config)})
	require.NoError(t, err)
	srv.AddDataAction(a3, "Three", 3)
	srv.AddDataAction("a8", "Eight", 8)
	return srv, srv.Client(t), id
}

func TestRaiseActions(t *testing.T) {
	srv, c, id := actionTable(t, false)
	before, _, _ := srv.ActionConfig("a3")
	var raised []*dataaction.Change
	var res org.Result
	for r, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 5 * time.Second, Actions: true, OnAction: func(ch *dataaction.Change, err error) { assert.NoError(t, err); raised = append(raised, ch) }, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	require.Len(t, raised, 1, "a3 once, however many nodes rely on it; a8 waits long enough")
	assert.Equal(t, "a3", raised[0].ActionID)
	assert.Equal(t, 3*time.Second, raised[0].From)
	assert.Equal(t, 5*time.Second, raised[0].To)
	after, version, _ := srv.ActionConfig("a3")
	assert.Equal(t, strings.Replace(string(before), `"timeoutSeconds":3}`, `"timeoutSeconds":5}`, 1), string(after), "the action changes at timeoutSeconds only")
	assert.Equal(t, 2, version)
	assert.Equal(t, 1, srv.Counters().ActionPatches)

	want := map[string]struct {
		changed, byAction bool
		before, after     time.Duration
	}{
		"n0": {true, true, 2 * time.Second, 5 * time.Second},  // literal 2 s: the node too
		"n1": {true, true, 3 * time.Second, 5 * time.Second},  // literal 4 s, capped at 3 s: the node too
		"n2": {false, true, 3 * time.Second, 5 * time.Second}, // literal 6 s: the action alone
		"n3": {false, true, 3 * time.Second, 5 * time.Second}, // suggested: the action alone
		"n4": {true, false, 2 * time.Second, 5 * time.Second}, // a8 is long enough: the node alone
	}
	changed := map[string]bool{}
	for _, ch := range res.Changes {
		changed[ch.Node.ID] = true
	}
	require.Len(t, res.Effects, len(want))
	for _, e := range res.Effects {
		w := want[e.Node.ID]
		assert.Equal(t, w.changed, changed[e.Node.ID], "%s changed", e.Node.ID)
		assert.Equal(t, w.byAction, e.ByAction, "%s by its action", e.Node.ID)
		assert.Equal(t, w.before, e.Before, "%s before", e.Node.ID)
		assert.Equal(t, w.after, e.After, "%s after", e.Node.ID)
		assert.True(t, e.Raised, "%s: callers wait longer", e.Node.ID)
		assert.Empty(t, e.CappedBy, "%s: nothing still capped", e.Node.ID)
	}

	// A second run writes nothing, to flows or actions.
	posts := srv.Counters().Writes
	for r, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 5 * time.Second, Actions: true, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		assert.False(t, r.Changed)
		assert.Empty(t, r.Effects, "nothing waits less than 5 s")
	}
	assert.Equal(t, posts, srv.Counters().Writes)
}

func TestRaiseActionsRefusedAndDryRun(t *testing.T) {
	srv, c, id := actionTable(t, true)
	var errs []error
	for r, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 5 * time.Second, Actions: true, OnAction: func(_ *dataaction.Change, err error) { errs = append(errs, err) }, Update: client.UpdateOptions{DryRun: true}}) {
		require.NoError(t, err)
		capped := 0
		for _, e := range r.Effects {
			if e.CappedBy == "static_-_a3" {
				capped++
				assert.ErrorIs(t, e.ActionErr, dataaction.ErrStatic)
			}
		}
		assert.Equal(t, 4, capped, "every node of the static action stays capped, with the reason")
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], dataaction.ErrStatic)
	assert.Zero(t, srv.Counters().Writes, "a dry run writes nothing, actions included")

	// A dry run plans the action's raise and writes nothing.
	srv2, c2, id2 := actionTable(t, false)
	var planned []*dataaction.Change
	for _, err := range mustRaise(t, context.Background(), c2, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id2}}, Min: 5 * time.Second, Actions: true, OnAction: func(ch *dataaction.Change, err error) { assert.NoError(t, err); planned = append(planned, ch) }, Update: client.UpdateOptions{DryRun: true}}) {
		require.NoError(t, err)
	}
	require.Len(t, planned, 1)
	assert.True(t, planned[0].DryRun)
	assert.Contains(t, planned[0].Diff, "+  \"timeoutSeconds\": 5")
	assert.Zero(t, srv2.Counters().Writes)
}

// TestRaiseActionsNeverLowers: another user raises a3 to 10 s between this
// run's read of it and its raise. The run leaves a3 at 10 s, does not count
// it as its raise, and plans the nodes against 10 s.
func TestRaiseActionsNeverLowers(t *testing.T) {
	srv, c, id := actionTable(t, false)
	cfg, _, _ := srv.ActionConfig("a3")
	theirs := []byte(strings.Replace(string(cfg), `"timeoutSeconds":3`, `"timeoutSeconds":10`, 1))
	require.NotEqual(t, string(cfg), string(theirs))
	srv.Before("GET", "/api/v2/integrations/actions", func(o *clienttest.Org) { // the run's read, in a batch
		o.Before("GET", "/api/v2/integrations/actions/a3", func(o *clienttest.Org) { // the raise's read
			require.NoError(t, o.EditAction("a3", theirs))
		})
	})
	var changes []*dataaction.Change
	var res org.Result
	for r, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 5 * time.Second, Actions: true, OnAction: func(ch *dataaction.Change, err error) { assert.NoError(t, err); changes = append(changes, ch) }, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	after, _, _ := srv.ActionConfig("a3")
	assert.Equal(t, string(theirs), string(after), "their 10 s kept, not cut back to 5 s")
	assert.Zero(t, srv.Counters().ActionPatches)
	require.Len(t, changes, 1)
	assert.False(t, changes[0].Changed)
	assert.Equal(t, 10*time.Second, changes[0].From)
	got := map[string][2]time.Duration{}
	for _, e := range res.Effects {
		assert.False(t, e.ByAction, "%s: a3 is not this run's raise", e.Node.ID)
		got[e.Node.ID] = [2]time.Duration{e.Before, e.After}
	}
	assert.Equal(t, map[string][2]time.Duration{
		"n0": {2 * time.Second, 5 * time.Second}, // literal 2 s: the node raised
		"n1": {4 * time.Second, 5 * time.Second}, // literal 4 s, no longer capped at 3 s
		"n4": {2 * time.Second, 5 * time.Second}, // a8
	}, got, "n2 (6 s) and n3 (suggested: 10 s) wait long enough")
}

func TestSetActionTimeoutAtLeast(t *testing.T) {
	srv, c, _ := actionTable(t, false)
	ch, err := dataaction.SetTimeout(context.Background(), c, "a8", 5*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.False(t, ch.Changed, "8 s is at least 5 s")
	assert.Equal(t, 8*time.Second, ch.From)
	assert.Zero(t, srv.Counters().ActionPatches)
	ch, err = dataaction.SetTimeout(context.Background(), c, "a8", 5*time.Second, nil)
	require.NoError(t, err)
	assert.True(t, ch.Changed, "without AtLeast, the timeout is set as asked")
	assert.Equal(t, 1, srv.Counters().ActionPatches)
}
