package org_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
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

func TestParsePolicy(t *testing.T) {
	p, err := org.ParsePolicy(strings.NewReader(goodPolicy))
	require.NoError(t, err)
	require.Len(t, p.Rules, 3)
	assert.Equal(t, org.PolicyRule{Name: "voice", Types: []string{"inboundcall", "inqueuecall"}, Min: 5 * time.Second, Max: 20 * time.Second, Line: 3}, p.Rules[0])
	assert.Equal(t, []string{"Nightly *", "flow-9"}, p.Rules[2].Flows)
	require.Len(t, p.Exemptions, 2)
	assert.Equal(t, org.Exemption{Flow: "flow-1", Node: "n2", Reason: "the vendor fixes this integration in March",
		Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), Line: 14}, p.Exemptions[0])
}

// TestParsePolicyRefuses: what cannot be a policy names the line of what is
// wrong.
func TestParsePolicyRefuses(t *testing.T) {
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
	} {
		_, err := org.ParsePolicy(strings.NewReader(c.policy))
		require.ErrorIs(t, err, org.ErrPolicyInvalid, c.name)
		assert.ErrorContains(t, err, c.says, c.name)
	}
}

// TestJudge: the first matching rule judges; outside min..max and what
// cannot be read are findings; an exemption in force empties them, an
// expired one is a finding of its own.
func TestJudge(t *testing.T) {
	p, err := org.ParsePolicy(strings.NewReader(goodPolicy))
	require.NoError(t, err)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	node := func(id, action string, effective time.Duration, known bool) *org.NodeAudit {
		return &org.NodeAudit{Node: flow.Node{ID: id, ActionName: action}, Effective: effective, EffectiveKnown: known}
	}
	voice := &client.Flow{ID: "flow-1", Name: "Main IVR", Type: "INBOUNDCALL"}
	other := &client.Flow{ID: "flow-2", Name: "Nightly export", Type: "WORKFLOW"}
	bot := &client.Flow{ID: "flow-3", Name: "Chat", Type: "BOT"}
	cases := []struct {
		f        *client.Flow
		n        *org.NodeAudit
		rule     string
		findings []org.Finding
		exempt   bool
	}{
		{voice, node("n1", "x", 3*time.Second, true), "voice", []org.Finding{org.FindingBelowMin}, false},
		{voice, node("n1", "x", 25*time.Second, true), "voice", []org.Finding{org.FindingAboveMax}, false},
		{voice, node("n1", "x", 10*time.Second, true), "voice", nil, false},
		{voice, node("n1", "x", 0, false), "voice", []org.Finding{org.FindingUnreadable}, false},
		{voice, node("n2", "x", 3*time.Second, true), "voice", nil, true},
		{other, node("n1", "Get account by phone", time.Second, true), "vendor", []org.Finding{org.FindingExemptionExpired, org.FindingBelowMin}, false},
		{other, node("n1", "Send SMS", 12*time.Second, true), "background", []org.Finding{org.FindingExemptionExpired}, false},
		{bot, node("n1", "Send SMS", time.Second, true), "", nil, false},
	}
	for i, c := range cases {
		v := p.Judge(c.f, c.n, now)
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
	assert.NotNil(t, p.Judge(voice, node("n2", "x", time.Second, true), last).Exempt)
	assert.Nil(t, p.Judge(voice, node("n2", "x", time.Second, true), last.Add(2*time.Minute)).Exempt)
}
