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

	// With Actions, a3 is raised; the rest cannot be, each with its reason.
	var refused []error
	for r, err := range mustRaise(t, ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{ids["Reasons"]}}, Min: 5 * time.Second, Actions: true, OnAction: func(_ *dataaction.Change, err error) { refused = append(refused, err) }, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	got = map[string]org.Reason{}
	for _, e := range res.Effects {
		got[e.Node.ID] = e.Reason
	}
	delete(want, "node")
	want["capped"] = ""
	assert.Equal(t, want, got, "raise with actions")
	require.Len(t, refused, 3, "a3 raised; the static and function actions refused; the rest not tried")
	assert.NoError(t, refused[0])
	assert.ErrorIs(t, refused[1], dataaction.ErrStatic)
	assert.ErrorIs(t, refused[2], dataaction.ErrFunction)
	assert.Equal(t, 1, srv.Counters().ActionPatches, "only a3 was changed")
}
