package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/examples/internal/clitest"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

// demoPolicy is the contact-centre policy: voice 5 to 20 s,
// workflows at least 10 s.
const demoPolicy = `version: 1
rules:
  - name: voice
    types: [inboundcall, inqueuecall, outboundcall]
    min: 5s
    max: 20s
  - name: workflows
    types: [workflow]
    min: 10s
`

// TestRaisePolicyCommand: raise -policy -publish on the demo raises each
// node to its own rule's min; read back through the API afterwards, no
// node is below its rule's min through its own timeout: what is left is
// capped by its action (which gives up before the rule's min, so that no
// node timeout can help), in a locked or draft-pending flow, or an
// expression. Nodes no rule judges (bots, messaging) are untouched.
func TestRaisePolicyCommand(t *testing.T) {
	srv, dial := demoOrg(t)
	path := clitest.WritePolicy(t, demoPolicy)
	p, err := policy.Parse(strings.NewReader(demoPolicy))
	require.NoError(t, err)
	before := map[string][]byte{}
	for _, id := range srv.FlowIDs() {
		before[id] = srv.Published(id)
	}
	code, out, errOut := raise(t, dial, "-policy", path, "-publish", "-backup-dir", t.TempDir())
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "raised 67 Data Action(s) in 33,")
	assert.Contains(t, out, "still wait less than their rule's min because their action gives up first")

	c, _, err := dial(false)
	require.NoError(t, err)
	left := map[string]int{}
	judged, above := 0, 0
	seq, err := org.Audit(context.Background(), c, nil)
	require.NoError(t, err)
	for a, err := range seq {
		require.NoError(t, err)
		skipped := a.Flow.ID == "demo-flow-05" || a.Flow.ID == "demo-flow-08" // locked, draft pending
		for _, n := range a.Nodes {
			v := p.Judge(policy.Flow{ID: a.Flow.ID, Name: a.Flow.Name, Type: a.Flow.Type}, &n.Node, n.Effective, n.EffectiveKnown, time.Now())
			if v.Rule == nil {
				continue
			}
			judged++
			if slices.Contains(v.Findings, policy.FindingAboveMax) {
				above++
			}
			if !n.EffectiveKnown || n.Effective >= v.Rule.Min {
				if n.Node.TimeoutKind == flow.TimeoutExpression {
					left["expression"]++
				}
				continue
			}
			switch {
			case skipped:
				left["skipped flow"]++
			case n.ActionTimeout > 0 && n.ActionTimeout < v.Rule.Min:
				left["capped by its action"]++ // the action gives up first: no node timeout can help
			default:
				t.Errorf("%s %s waits %v, below %s's min %v, through its own timeout %v", a.Flow.ID, n.Node.ID, n.Effective, v.Rule.Name, v.Rule.Min, n.Node.Timeout)
			}
		}
	}
	t.Logf("%d nodes judged; below their rule's min afterwards: %v", judged, left)
	assert.Positive(t, left["capped by its action"])
	assert.Contains(t, out, fmt.Sprintf("%d Data Action(s) wait more than their rule's max: a raise never lowers a timeout", above),
		"the raise reports every node the audit finds above its max, and lowers none")
	assert.Positive(t, above)
	for _, id := range srv.FlowIDs() {
		b, err := flow.Parse(before[id])
		require.NoError(t, err)
		a, err := flow.Parse(srv.Published(id))
		require.NoError(t, err)
		for _, ch := range flow.TimeoutChanges(b, a) {
			assert.Greater(t, ch.To, ch.From, "%s %s: never lowered", id, ch.Node.ID)
		}
	}
}

// TestRaisePolicyBadInput: a broken policy and -policy beside -min are
// usage errors, one line each, before anything is read.
func TestRaisePolicyBadInput(t *testing.T) {
	srv, dial := demoOrg(t)
	for _, tc := range []struct{ text, says string }{
		{"version: 1\nrules:\n  - name: voice\n    minimum: 5s\n", ":4: "},
		{"version: 1\nrules:\n  - name: voice\n    min: 30s\n    max: 20s\n", ":3: "},
		{"version: 1\nrules:\n  - name: voice\n    min: soon\n", ":4: "},
		{"version: 1\nrules:\n  - name: voice\n    min: 5s\nexemptions:\n  - flow: f\n    expires: 2030-01-01\n", ":6: "},
	} {
		path := clitest.WritePolicy(t, tc.text)
		code, out, errOut := raise(t, dial, "-policy", path)
		assert.Equal(t, 2, code, tc.text)
		assert.Empty(t, out)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
		assert.True(t, strings.HasPrefix(errOut, "raise: "+path+":"), errOut)
		assert.Contains(t, errOut, tc.says)
	}
	code, _, errOut := raise(t, dial, "-policy", clitest.WritePolicy(t, demoPolicy), "-min", "8s")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "the policy gives each node its target")
	maxOnly := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: cap\n    max: 20s\n")
	code, _, errOut = raise(t, dial, "-policy", maxOnly, "-publish")
	assert.Equal(t, 2, code, "a policy without a min gives raise nothing to do")
	assert.Equal(t, "raise: -policy "+maxOnly+": no rule has a min, and a raise raises each node to its rule's min: nothing could be raised\n", errOut)
	t.Setenv("TARGET_TIMEOUT_MS", "8000") // the tutorial's variable, left set in a CI job
	code, _, errOut = raise(t, dial, "-policy", clitest.WritePolicy(t, demoPolicy))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "-min (or TARGET_TIMEOUT_MS)")
	assert.Zero(t, srv.Counters().Requests, "nothing read")
}

// TestRaisePolicyPlan: -policy -actions -out writes a plan that names the
// policy (path and sha256) and each change's rule and target; -plan
// -publish applies exactly it.
func TestRaisePolicyPlan(t *testing.T) {
	srv, dial := demoOrg(t)
	path := clitest.WritePolicy(t, demoPolicy)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	code, _, errOut := raise(t, dial, "-policy", path, "-actions", "-out", planFile)
	require.Equal(t, 0, code, errOut)
	data, err := os.ReadFile(planFile)
	require.NoError(t, err)
	plan, err := org.ParsePlan(data)
	require.NoError(t, err)
	assert.Regexp(t, `^`+regexp.QuoteMeta(path)+` sha256:[0-9a-f]{64}$`, plan.Policy)
	assert.Empty(t, plan.Target)
	rules := map[string]int64{}
	for _, f := range plan.Flows {
		for _, ch := range f.Changes {
			if prev, ok := rules[ch.Rule]; ok {
				assert.Equal(t, prev, ch.ToMs, "one target per rule")
			}
			rules[ch.Rule] = ch.ToMs
		}
	}
	assert.Equal(t, map[string]int64{"voice": 5000, "workflows": 10000}, rules)
	code, _, errOut = raise(t, dial, "-plan", planFile, "-policy", path)
	assert.Equal(t, 2, code, "a plan holds its own targets")
	assert.Contains(t, errOut, "-plan "+planFile+" and -policy")
	code, out, errOut := raise(t, dial, "-plan", planFile, "-publish", "-backup-dir", t.TempDir())
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "to their rule's min")
	for _, a := range plan.Actions {
		if config, _, ok := srv.ActionConfig(a.ID); ok && !strings.Contains(a.Name, "function") {
			assert.Contains(t, string(config), fmt.Sprintf(`"timeoutSeconds":%d`, a.ToSeconds), a.ID)
		}
	}
}
