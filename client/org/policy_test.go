package org_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

const raisePolicy = `version: 1
rules:
  - name: voice
    types: [inboundcall]
    min: 5s
    max: 20s
  - name: workflows
    types: [workflow]
    min: 10s
exemptions:
  - flow: V
    node: v4
    reason: the vendor fixes it in March
    expires: 2099-03-31
`

// policyOrg: a voice flow V, a workflow W and a bot flow B (no rule) over
// actions a3 (3 s), a8 (8 s) and a60 (60 s).
func policyOrg(t *testing.T) (*clienttest.Server, *client.Client) {
	t.Helper()
	node := func(id, secs, action string, suggested bool) string {
		text := "P0D0H0M" + secs + "S0F"
		return fmt.Sprintf(`{"__type":"DataAction","id":%q,"name":%q,"actionId":%q,"useSuggestedTimeout":%v,`+
			`"timeout":{"config":{"lit":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur"}}`, id, id, action, suggested, text, text)
	}
	doc := func(name string, nodes ...string) []byte {
		return []byte(`{"name":"` + name + `","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` + strings.Join(nodes, ",") + `]}]}`)
	}
	srv := clienttest.Start(t, nil, false)
	srv.AddDataAction("a3", "Three", 3)
	srv.AddDataAction("a8", "Eight", 8)
	srv.AddDataAction("a60", "Sixty", 60)
	for _, s := range []clienttest.FlowSeed{
		{ID: "V", Name: "Voice", Type: "inboundcall", Config: doc("Voice", node("v1", "2", "a8", false), node("v2", "60", "a3", true), node("v3", "25", "a60", false), node("v4", "1", "a8", false))},
		{ID: "W", Name: "Work", Type: "workflow", Config: doc("Work", node("w1", "4", "a8", false), node("w2", "60", "a3", true))},
		{ID: "B", Name: "Bot", Type: "bot", Config: doc("Bot", node("b1", "1", "a8", false))},
	} {
		_, err := srv.AddFlow(s)
		require.NoError(t, err)
	}
	return srv, srv.Client(t)
}

// TestRaisePolicy: each node is raised to its own rule's min; a node no
// rule judges, or that is exempt, is not touched; nothing is lowered (v3
// waits 25 s, above voice's max of 20 s, and keeps it); actions are raised
// to the largest min among the nodes that rely on them (a3: 5 s for V's
// v2, 10 s for W's w2).
func TestRaisePolicy(t *testing.T) {
	p, err := policy.Parse(strings.NewReader(raisePolicy))
	require.NoError(t, err)
	for _, concurrency := range []int{1, 3} {
		t.Run(fmt.Sprint("concurrency ", concurrency), func(t *testing.T) {
			srv, c := policyOrg(t)
			originals := map[string][]byte{"V": srv.Published("V"), "W": srv.Published("W"), "B": srv.Published("B")}
			effects := map[string]org.Effect{}
			for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Concurrency: concurrency}, Policy: p,
				Actions: true, Update: client.UpdateOptions{Publish: true}}) {
				require.NoError(t, err)
				for _, e := range res.Effects {
					effects[e.Node.ID] = e
				}
			}
			for id, want := range map[string]int{"a3": 10, "a8": 10, "a60": 60} {
				config, _, _ := srv.ActionConfig(id)
				assert.Equal(t, int64(want), gjson.GetBytes(config, "timeoutSeconds").Int(), id)
			}
			changed := map[string]time.Duration{}
			for id, before := range originals {
				b, err := flow.Parse(before)
				require.NoError(t, err)
				a, err := flow.Parse(srv.Published(id))
				require.NoError(t, err)
				for _, ch := range flow.TimeoutChanges(b, a) {
					changed[ch.Node.ID] = ch.To
				}
			}
			assert.Equal(t, map[string]time.Duration{"v1": 5 * time.Second, "w1": 10 * time.Second}, changed,
				"each node to its own rule's min; v3 (above max), v4 (exempt) and b1 (no rule) untouched")
			assert.Equal(t, "voice", effects["v1"].Rule)
			assert.Equal(t, 5*time.Second, effects["v1"].Target)
			assert.Equal(t, 10*time.Second, effects["w1"].Target)
			assert.True(t, effects["v2"].ByAction && effects["w2"].ByAction)
			assert.Equal(t, 10*time.Second, effects["w2"].After)
			for _, id := range []string{"v4", "b1"} {
				assert.NotContains(t, effects, id, "exempt, or judged by no rule: not reported")
			}
			assert.True(t, effects["v3"].AboveMax, "25 s, above voice's max of 20 s: reported, not lowered")
			assert.Equal(t, 25*time.Second, effects["v3"].Before)
			assert.Equal(t, effects["v3"].Before, effects["v3"].After)
		})
	}
}

// TestRaisePolicyRefuses: Min and Policy together, neither, and a rule
// whose min no data action waits (a Policy built in code) are errors
// before anything is read.
func TestRaisePolicyRefuses(t *testing.T) {
	_, c := policyOrg(t)
	p, err := policy.Parse(strings.NewReader(raisePolicy))
	require.NoError(t, err)
	long := &policy.Policy{Rules: []policy.Rule{{Name: "slow", Min: 2 * time.Minute}}} // built, not parsed: Parse refuses it
	for _, tc := range []struct {
		o  *org.RaiseOptions
		is error
	}{
		{&org.RaiseOptions{Min: 5 * time.Second, Policy: p}, client.ErrInvalidArgument},
		{&org.RaiseOptions{}, client.ErrInvalidArgument},
		{&org.RaiseOptions{Policy: long}, dataaction.ErrTargetTooLong},
	} {
		_, err := org.Raise(context.Background(), c, tc.o)
		assert.ErrorIs(t, err, tc.is)
	}
}

// TestPolicyPlan: a dry run by policy makes a plan whose changes hold each
// node's own target and rule, and whose actions hold the largest target
// (a3 planned for 5 s and then 10 s is planned once, at 10 s); it survives
// its JSON encoding, and applying it makes what the raise would have.
func TestPolicyPlan(t *testing.T) {
	p, err := policy.Parse(strings.NewReader(raisePolicy))
	require.NoError(t, err)
	srv, c := policyOrg(t)
	plan := org.NewPolicyPlan(c, "policy.yaml sha256:0123")
	var mu sync.Mutex
	results := mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 1}, Policy: p, Actions: true,
		OnAction: func(ch *dataaction.Change, err error) { mu.Lock(); defer mu.Unlock(); plan.AddAction(ch, err) },
		Update:   client.UpdateOptions{DryRun: true}})
	for res, err := range results {
		require.NoError(t, err)
		mu.Lock()
		plan.AddFlow(&res)
		mu.Unlock()
	}
	plan.Sort()
	assert.Zero(t, srv.Counters().Writes, "a dry run writes nothing")
	b, err := json.Marshal(plan)
	require.NoError(t, err)
	parsed, err := org.ParsePlan(b)
	require.NoError(t, err)
	assert.Equal(t, "", parsed.Target)
	assert.Equal(t, "policy.yaml sha256:0123", parsed.Policy)
	changes := map[string]org.PlannedChange{}
	for _, f := range parsed.Flows {
		for _, ch := range f.Changes {
			changes[ch.NodeID] = ch
		}
	}
	assert.Equal(t, map[string]org.PlannedChange{
		"v1": {NodeID: "v1", NodeName: "v1", FromMs: 2000, ToMs: 5000, Rule: "voice"},
		"w1": {NodeID: "w1", NodeName: "w1", FromMs: 4000, ToMs: 10000, Rule: "workflows"},
	}, changes)
	actions := map[string][2]int{}
	for _, a := range parsed.Actions {
		actions[a.ID] = [2]int{a.FromSeconds, a.ToSeconds}
	}
	assert.Equal(t, map[string][2]int{"a3": {3, 10}, "a8": {8, 10}}, actions)

	seq, err := org.ApplyPlan(context.Background(), c, parsed, &org.ApplyOptions{Update: client.UpdateOptions{Publish: true}})
	require.NoError(t, err)
	for _, err := range seq {
		require.NoError(t, err)
	}
	for id, want := range map[string]int64{"a3": 10, "a8": 10} {
		config, _, _ := srv.ActionConfig(id)
		assert.Equal(t, want, gjson.GetBytes(config, "timeoutSeconds").Int(), id)
	}
}

// TestAuditPolicy: with AuditOptions.Policy, org.Audit judges each node by
// what it waits (NodeAudit.Verdict) and a flow that cannot be read by the
// rules its type and name match (FlowAudit.Verdict: unreadable); Min and
// Policy together are refused; org.ParsePolicy is policy.Parse.
func TestAuditPolicy(t *testing.T) {
	srv, c := policyOrg(t)
	p, err := org.ParsePolicy(strings.NewReader(raisePolicy))
	require.NoError(t, err)
	_, err = org.Audit(context.Background(), c, &org.AuditOptions{Min: 5 * time.Second, Policy: p})
	require.ErrorIs(t, err, client.ErrInvalidArgument)
	_, err = org.ParsePolicy(strings.NewReader("version: 1\nrules: []\n"))
	require.ErrorIs(t, err, policy.ErrInvalid)

	srv.FailNext("GET", "/api/v2/flows/W/", 1, 403)
	seq, err := org.Audit(context.Background(), c, &org.AuditOptions{Policy: p, Now: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	got := map[string]string{}
	for a, err := range seq {
		if err != nil {
			require.NotNil(t, a.Verdict, "%s: a flow that cannot be read is judged", a.Flow.ID)
			require.NotNil(t, a.Verdict.Rule)
			got[a.Flow.ID] = a.Verdict.Rule.Name + " " + fmt.Sprint(a.Verdict.Findings)
			continue
		}
		assert.Nil(t, a.Verdict, "%s: read", a.Flow.ID)
		for _, n := range a.Nodes {
			require.NotNil(t, n.Verdict, "%s/%s", a.Flow.ID, n.ID)
			v := "no rule"
			if n.Verdict.Rule != nil {
				v = n.Verdict.Rule.Name + " " + fmt.Sprint(n.Verdict.Findings)
			}
			if n.Verdict.Exempt != nil {
				v += " exempt"
			}
			got[a.Flow.ID+"/"+n.ID] = v
		}
	}
	assert.Equal(t, map[string]string{
		"V/v1": "voice [below-min]",      // 2 s
		"V/v2": "voice [below-min]",      // suggested: the action's 3 s
		"V/v3": "voice [above-max]",      // 25 s
		"V/v4": "voice [] exempt",        // 1 s, exempt
		"W":    "workflows [unreadable]", // its reads answered 403
		"B/b1": "no rule",
	}, got)
}
