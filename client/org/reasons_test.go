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
)

// reasonsOrg is a flow with one node for each reason a Data Action can wait
// less than 5 s, and two flows that are short for reasons of their own.
func reasonsOrg(t *testing.T) (srv *clienttest.Server, c *client.Client, ids map[string]string) {
	t.Helper()
	node := func(id, text, action string, suggested bool) string {
		return fmt.Sprintf(`{"__type":"DataAction","id":%q,"name":%q,"actionId":%q,"useSuggestedTimeout":%v,`+
			`"timeout":{"config":{"lit":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur"}}`, id, id, action, suggested, text, text)
	}
	doc := func(nodes ...string) []byte {
		return []byte(`{"name":"R","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` + strings.Join(nodes, ",") + `]}]}`)
	}
	const s2, s6 = "P0D0H0M2S0F", "P0D0H0M6S0F"
	srv = clienttest.Start(t, nil, false)
	srv.AddDataAction("a3", "Three", 3)
	srv.AddDataAction("a8", "Eight", 8)
	srv.AddDataAction("static_-_s2", "Built in", 2)
	srv.AddFunctionAction("fn2", "Function", 2)
	srv.AddFunctionAction("fn3", "Function in the works", 3)
	require.NoError(t, srv.StartActionDraft("fn3")) // somebody's unpublished draft
	srv.AddCustomAuthAction("auth", "Login")
	srv.AddDataAction("secret", "Hidden", 2)
	ids = map[string]string{}
	add := func(seed clienttest.FlowSeed) {
		id, err := srv.AddFlow(seed)
		require.NoError(t, err)
		ids[seed.Name] = id
	}
	add(clienttest.FlowSeed{Name: "Reasons", Type: "inboundcall", Config: doc(
		node("ok", s6, "a8", false),
		node("node", s2, "a8", false),
		node("capped", s6, "a3", true),
		node("static", s6, "static_-_s2", true),
		node("function", s6, "fn2", true),
		node("fnpending", s6, "fn3", true),
		node("auth", s6, "auth", true),
		node("gone", s6, "deleted", true),
		node("secret", s6, "secret", true),
		`{"__type":"DataAction","id":"expression","actionId":"a8","timeout":{"config":{"ref":{"name":"Flow.t"}}}}`,
		node("invalid", "P0D0H0M-1S0F", "a8", true),
	)})
	add(clienttest.FlowSeed{Name: "Locked", Type: "inboundcall", Config: doc(node("l", s2, "a8", false)), LockedByUser: "Jane Doe"})
	add(clienttest.FlowSeed{Name: "Draft", Type: "inboundcall", Config: doc(node("d", s2, "a8", false)), Draft: doc(node("d", s2, "a8", false), node("d2", s2, "a8", false))})
	return srv, srv.Client(t), ids
}

// TestReasons: an audit and a raise give each short node the reason that
// keeps it short, the same reasons for the same nodes.
func TestReasons(t *testing.T) {
	srv, c, ids := reasonsOrg(t)
	ctx := context.Background()
	srv.HideAction("secret") // 403 when read alone, and left out of the listing
	got := map[string]org.Reason{}
	for a, err := range mustAudit(t, ctx, c, &org.AuditOptions{Min: 5 * time.Second}) {
		require.NoError(t, err)
		for _, n := range a.Nodes {
			got[n.ID] = n.Reason
		}
	}
	want := map[string]org.Reason{
		"ok":         "",
		"node":       org.ReasonNode,
		"capped":     org.ReasonActionNotRaised,
		"static":     org.ReasonStaticAction,
		"function":   org.ReasonFunctionAction,
		"fnpending":  org.ReasonFunctionAction,
		"auth":       org.ReasonCustomAuthAction,
		"gone":       org.ReasonUnknownAction,
		"secret":     org.ReasonPermissionMissing,
		"expression": org.ReasonExpression,
		"invalid":    org.ReasonInvalid,
		"l":          org.ReasonLocked,
		"d":          org.ReasonDraftPending, // the published version's node
	}
	assert.Equal(t, want, got, "audit")

	// The raise changes what it can and says why the rest stays short;
	// the node it raised has no reason left.
	var res org.Result
	for r, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{ids["Reasons"]}}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	got = map[string]org.Reason{}
	for _, e := range res.Effects {
		got[e.Node.ID] = e.Reason
	}
	delete(want, "ok") // waits enough: no effect
	delete(want, "l")
	delete(want, "d")
	want["node"] = ""
	assert.Equal(t, want, got, "raise")
	assert.Len(t, res.Changes, 1, "only the node's own timeout was changed")

	// With Actions, a3 and the function fn2 (through its draft) are raised;
	// the rest cannot be, each with its reason.
	outcome := map[string]error{}
	for r, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{ids["Reasons"]}}, Min: 5 * time.Second, Actions: true,
		OnAction: func(ch *dataaction.Change, err error) { outcome[ch.ActionID] = err }, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	got = map[string]org.Reason{}
	for _, e := range res.Effects {
		got[e.Node.ID] = e.Reason
	}
	delete(want, "node")
	want["capped"], want["function"], want["fnpending"] = "", "", org.ReasonActionDraftPending
	assert.Equal(t, want, got, "raise with actions")
	require.Len(t, outcome, 4, "a3 and fn2 raised; the static action and fn3 refused; the rest not tried")
	assert.NoError(t, outcome["a3"])
	assert.NoError(t, outcome["fn2"])
	assert.ErrorIs(t, outcome["static_-_s2"], dataaction.ErrStatic)
	assert.ErrorIs(t, outcome["fn3"], dataaction.ErrDraftPending)
	assert.Equal(t, 2, srv.Counters().ActionPatches, "a3 was changed, and fn2's draft published")
	assert.True(t, srv.HasActionDraft("fn3"), "somebody's draft is left")
	fn, _, _ := srv.ActionFunction("fn2")
	assert.Contains(t, string(fn), `"timeoutSeconds":5`)
}

// TestFunctionLimit: a function waits at most 15 s, so a node that needs
// 20 s through a function action is capped by it: "function-limit" once
// the function is at 15 s (as found, or as raised), "function-action"
// while a raise could still help.
func TestFunctionLimit(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddFunctionAction("fn15", "At the limit", 15)
	srv.AddFunctionAction("fn4", "Short", 4)
	doc := []byte(`{"name":"L","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` +
		`{"__type":"DataAction","id":"at","actionId":"fn15","useSuggestedTimeout":true},` +
		`{"__type":"DataAction","id":"short","actionId":"fn4","useSuggestedTimeout":true}]}]}`)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "L", Type: "workflow", Config: doc})
	require.NoError(t, err)
	c := srv.Client(t)
	ctx := context.Background()
	got := map[string]org.Reason{}
	for a, err := range mustAudit(t, ctx, c, &org.AuditOptions{Min: 20 * time.Second}) {
		require.NoError(t, err)
		for _, n := range a.Nodes {
			got[n.ID] = n.Reason
		}
	}
	assert.Equal(t, map[string]org.Reason{"at": org.ReasonFunctionLimit, "short": org.ReasonFunctionAction}, got)

	var capped []bool
	var res org.Result
	for r, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id}}, Min: 20 * time.Second, Actions: true,
		OnAction: func(ch *dataaction.Change, err error) { require.NoError(t, err); capped = append(capped, ch.Capped) }, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	assert.Equal(t, []bool{true}, capped, "fn4 raised to 15 s and no further; fn15 needs nothing")
	got = map[string]org.Reason{}
	for _, e := range res.Effects {
		got[e.Node.ID] = e.Reason
		assert.Equal(t, 15*time.Second, e.After, e.Node.ID)
	}
	assert.Equal(t, map[string]org.Reason{"at": org.ReasonFunctionLimit, "short": org.ReasonFunctionLimit}, got)
	fn, _, _ := srv.ActionFunction("fn4")
	assert.Contains(t, string(fn), `"timeoutSeconds":15`)
}

// TestFunctionUnreadable: a function action whose function cannot be read
// (403) leaves what its nodes wait unknown: a finding with the reason,
// never a guess from its config.
func TestFunctionUnreadable(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddFunctionAction("fn", "Hidden function", 12)
	_, err := srv.AddFlow(clienttest.FlowSeed{Name: "F", Type: "inboundcall", Config: []byte(`{"name":"F","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` +
		`{"__type":"DataAction","id":"n","actionId":"fn","useSuggestedTimeout":true}]}]}`)})
	require.NoError(t, err)
	srv.FailNext("GET", "/api/v2/integrations/actions/fn/function", 1, 403)
	for a, err := range mustAudit(t, context.Background(), srv.Client(t), &org.AuditOptions{Min: 5 * time.Second}) {
		require.NoError(t, err)
		require.Len(t, a.Nodes, 1)
		assert.False(t, a.Nodes[0].EffectiveKnown, "unknown, though the function waits 12 s")
		assert.Equal(t, org.ReasonPermissionMissing, a.Nodes[0].Reason)
	}
}
