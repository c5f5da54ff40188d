package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

const goodPolicy = `version: 1
rules:
  - name: voice
    types: [inboundcall, InQueueCall]
    min: 5s
    max: 20s
  - name: vendor
    actions: ["Get account*"]
    min: 2s
  - name: background
    flows: ["Nightly *", flow-9]
    min: 10s
exemptions:
  - flow: flow-1
    node: n2
    reason: the vendor fixes this integration in March
    expires: 2027-03-31
  - flow: flow-2
    reason: retired next week
    expires: 2026-01-01
`

func TestParse(t *testing.T) {
	p, err := policy.Parse(strings.NewReader(goodPolicy))
	require.NoError(t, err)
	require.Len(t, p.Rules, 3)
	assert.Equal(t, policy.Rule{Name: "voice", Types: []string{"inboundcall", "inqueuecall"}, Min: 5 * time.Second, Max: 20 * time.Second, Line: 3}, p.Rules[0])
	assert.Equal(t, []string{"Nightly *", "flow-9"}, p.Rules[2].Flows)
	require.Len(t, p.Exemptions, 2)
	assert.Equal(t, policy.Exemption{Flow: "flow-1", Node: "n2", Reason: "the vendor fixes this integration in March",
		Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), Line: 14}, p.Exemptions[0])
}

// TestParsePolicyRefuses: what cannot be a policy names the line of what is
// wrong.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ name, policy, says string }{
		{"an unknown key", "version: 1\nrules:\n  - name: a\n    minimum: 5s\n", `line 4: unknown key "minimum" in a rule`},
		{"min above max", "version: 1\nrules:\n  - name: a\n    min: 30s\n    max: 20s\n", "line 3: rule a: min 30s is above max 20s"},
		{"a bad duration", "version: 1\nrules:\n  - name: a\n    min: five\n", `line 4: "five" is not a duration such as 5s or 1500ms`},
		{"a duration above 60 s", "version: 1\nrules:\n  - name: a\n    max: 90s\n", "line 4: 1m30s is not from 1ms to 1m0s"},
		{"an exemption without a reason", "version: 1\nexemptions:\n  - flow: f\n    expires: 2027-01-01\n", "line 3: an exemption needs a reason"},
		{"an exemption without an expiry", "version: 1\nexemptions:\n  - flow: f\n    reason: r\n", "line 3: an exemption needs an expiry date"},
		{"a bad date", "version: 1\nexemptions:\n  - flow: f\n    reason: r\n    expires: March\n", `line 5: expires "March": not a date`},
		{"a rule without a name", "version: 1\nrules:\n  - min: 5s\n", "line 3: a rule needs a name"},
		{"a name used twice", "version: 1\nrules:\n  - name: a\n  - name: a\n", `line 4: rule name "a" is used twice`},
		{"no version", "rules: []\n", "line 1: no version"},
		{"another version", "version: 2\n", "line 1: version 2: only version 1 is known"},
		{"not YAML", "version: 1\nrules: [\n", "not YAML"},
		{"an unknown top key", "version: 1\nrule: []\n", `line 2: unknown key "rule"`},
		{"a key given twice in a rule", "version: 1\nrules:\n  - name: a\n    min: 5s\n    min: 1s\n", `line 5: "min" is given twice here (first on line 4)`},
		{"rules given twice", "version: 1\nrules:\n  - name: a\nrules:\n  - name: b\n", `line 4: "rules" is given twice here (first on line 2)`},
		{"a misspelt flow type", "version: 1\nrules:\n  - name: a\n    types: [inboundcall, worklfow]\n", `line 4: types: "worklfow" is not a flow type (bot, commonmodule,`},
		{"no rules", "version: 1\nexemptions:\n  - flow: f\n    reason: r\n    expires: 2027-01-01\n", "line 1: no rules: a policy without one judges nothing"},
		{"an empty list of rules", "version: 1\nrules: []\n", "line 1: no rules"},
		{"an empty list of flows", "version: 1\nrules:\n  - name: a\n    flows: []\n", "line 4: flows: an empty list selects nothing; leave the key out to select every one"},
		{"an empty list of types", "version: 1\nrules:\n  - name: a\n    types: []\n", "line 4: types: an empty list selects nothing"},
		{"an empty node of an exemption", "version: 1\nrules:\n  - name: a\nexemptions:\n  - flow: f\n    node: \"\"\n    reason: r\n    expires: 2027-01-01\n", "line 6: node: empty; leave it out to exempt the whole flow"},
		{"a YAML alias", "version: 1\nrules:\n  - name: v\n    min: &m 5s\n  - name: w\n    min: *m\n", "line 6: min: a YAML alias (*name) is not read here; write the value"},
		{"an alias in a list", "version: 1\nrules:\n  - name: v\n    flows: [&f Main]\n  - name: w\n    flows: [*f]\n", "line 6: flows: a YAML alias"},
		{"an empty action", "version: 1\nrules:\n  - name: a\n    actions:\n      - Get*\n      - \"\"\n", "line 6: actions: an empty entry"},
	} {
		_, err := policy.Parse(strings.NewReader(c.policy))
		require.ErrorIs(t, err, policy.ErrInvalid, c.name)
		assert.ErrorContains(t, err, c.says, c.name)
	}
}

// TestJudge: the first matching rule judges; outside min..max and what
// cannot be read are findings; an exemption in force empties them, an
// expired one is a finding of its own.
func TestJudge(t *testing.T) {
	p, err := policy.Parse(strings.NewReader(goodPolicy))
	require.NoError(t, err)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	type node struct {
		n     flow.Node
		waits time.Duration
		known bool
	}
	mk := func(id, action string, waits time.Duration, known bool) node {
		return node{flow.Node{ID: id, ActionName: action}, waits, known}
	}
	voice := policy.Flow{ID: "flow-1", Name: "Main IVR", Type: "INBOUNDCALL"}
	other := policy.Flow{ID: "flow-2", Name: "Nightly export", Type: "WORKFLOW"}
	bot := policy.Flow{ID: "flow-3", Name: "Chat", Type: "BOT"}
	cases := []struct {
		f        policy.Flow
		n        node
		rule     string
		findings []policy.Finding
		exempt   bool
	}{
		{voice, mk("n1", "x", 3*time.Second, true), "voice", []policy.Finding{policy.FindingBelowMin}, false},
		{voice, mk("n1", "x", 25*time.Second, true), "voice", []policy.Finding{policy.FindingAboveMax}, false},
		{voice, mk("n1", "x", 10*time.Second, true), "voice", nil, false},
		{voice, mk("n1", "x", 0, false), "voice", []policy.Finding{policy.FindingUnreadable}, false},
		{voice, mk("n2", "x", 3*time.Second, true), "voice", nil, true},
		{other, mk("n1", "Get account by phone", time.Second, true), "vendor", []policy.Finding{policy.FindingExemptionExpired, policy.FindingBelowMin}, false},
		{other, mk("n1", "Send SMS", 12*time.Second, true), "background", []policy.Finding{policy.FindingExemptionExpired}, false},
		{bot, mk("n1", "Send SMS", time.Second, true), "", nil, false},
	}
	for i, c := range cases {
		v := p.Judge(c.f, &c.n.n, c.n.waits, c.n.known, now)
		name := ""
		if v.Rule != nil {
			name = v.Rule.Name
		}
		assert.Equal(t, c.rule, name, "case %d", i)
		assert.Equal(t, c.findings, v.Findings, "case %d", i)
		assert.Equal(t, c.exempt, v.Exempt != nil, "case %d", i)
	}
	// The day an exemption expires it still holds; the day after it does not.
	last := time.Date(2027, 3, 31, 23, 59, 0, 0, time.UTC)
	n2 := flow.Node{ID: "n2"}
	assert.NotNil(t, p.Judge(voice, &n2, time.Second, true, last).Exempt)
	assert.Nil(t, p.Judge(voice, &n2, time.Second, true, last.Add(2*time.Minute)).Exempt)
}

// TestGlobAcrossSlashes: a flow or action name is not a path: * matches
// across "/", and a "/" in a pattern still matches only "/".
func TestGlobAcrossSlashes(t *testing.T) {
	p, err := policy.Parse(strings.NewReader("version: 1\nrules:\n  - name: ivr\n    flows: [\"Main IVR*\", \"A/?/C\"]\n    min: 5s\n"))
	require.NoError(t, err)
	for name, want := range map[string]bool{
		"Main IVR":           true,
		"Main IVR / Billing": true,
		"Main IVR/After/Hrs": true,
		"A/b/C":              true,
		"A/bb/C":             false,
		"AxbxC":              false,
		"Other / Main IVR":   false,
	} {
		v := p.Judge(policy.Flow{ID: "f", Name: name, Type: "inboundcall"}, &flow.Node{ID: "n"}, time.Second, true, time.Now())
		assert.Equal(t, want, v.Rule != nil, name)
	}
}

// TestJudgeFlow: a flow that cannot be read is judged by the first rule
// whose types and flows match it, whatever the rule's actions (any of its
// Data Actions may be one the rule judges): unreadable, unless the whole
// flow is exempt; a node's exemption does not cover it.
func TestJudgeFlow(t *testing.T) {
	p, err := policy.Parse(strings.NewReader(goodPolicy))
	require.NoError(t, err)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		f        policy.Flow
		rule     string
		findings []policy.Finding
	}{
		{policy.Flow{ID: "flow-1", Name: "Main IVR", Type: "inboundcall"}, "voice", []policy.Finding{policy.FindingUnreadable}}, // n2's exemption is a node's
		{policy.Flow{ID: "flow-7", Name: "Chat", Type: "bot"}, "vendor", []policy.Finding{policy.FindingUnreadable}},            // vendor's actions may be in it
		{policy.Flow{ID: "flow-2", Name: "Nightly export", Type: "workflow"}, "vendor", []policy.Finding{policy.FindingExemptionExpired, policy.FindingUnreadable}},
	} {
		v := p.JudgeFlow(c.f, now)
		require.NotNil(t, v.Rule, c.f.ID)
		assert.Equal(t, c.rule, v.Rule.Name, c.f.ID)
		assert.Equal(t, c.findings, v.Findings, c.f.ID)
		assert.Nil(t, v.Exempt, c.f.ID)
	}
	whole, err := policy.Parse(strings.NewReader("version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\nexemptions:\n  - flow: f\n    reason: rebuilt\n    expires: 2027-01-01\n"))
	require.NoError(t, err)
	v := whole.JudgeFlow(policy.Flow{ID: "f", Type: "inboundcall"}, now)
	require.NotNil(t, v.Exempt, "the whole flow is exempt")
	assert.Empty(t, v.Findings)
	assert.Nil(t, whole.JudgeFlow(policy.Flow{ID: "g", Type: "workflow"}, now).Rule, "no rule can match a workflow")
}
