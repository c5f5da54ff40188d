package main

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/examples/internal/clitest"
)

// twoRules: voice flows wait 5 to 20 s, workflows at least 10 s.
const twoRules = `version: 1
rules:
  - name: voice
    types: [inboundcall, inqueuecall, outboundcall]
    min: 5s
    max: 20s
  - name: background
    types: [workflow]
    min: 10s
`

// TestPolicyJUnit: on the demo organisation, the JUnit output has exactly
// one testcase per node of the flow types the rules name, and a failure
// exactly on the nodes whose effective timeout is outside their rule or
// cannot be known (checked against the plain audit's rows); -check exits 3.
func TestPolicyJUnit(t *testing.T) {
	code, js, _ := audit(t, "-demo", "-format", "json")
	require.Equal(t, 0, code)
	var all []Row
	require.NoError(t, json.Unmarshal([]byte(js), &all))
	want := map[string]bool{} // flow/node -> fails
	for _, r := range all {
		var fails bool
		switch r.FlowType {
		case "inboundcall", "inqueuecall", "outboundcall":
			fails = r.EffectiveMS == nil || *r.EffectiveMS < 5000 || *r.EffectiveMS > 20000
		case "workflow":
			fails = r.EffectiveMS == nil || *r.EffectiveMS < 10000
		default:
			continue
		}
		want[r.FlowID+"/"+r.NodeID] = fails
	}
	require.NotEmpty(t, want)

	code, out, stderr := audit(t, "-demo", "-policy", clitest.WritePolicy(t, twoRules), "-format", "junit", "-check")
	assert.Equal(t, 3, code, stderr)
	clitest.ValidJUnit(t, []byte(out)) // as Jenkins' schema says
	var doc cli.JUnitSuites
	require.NoError(t, xml.Unmarshal([]byte(out), &doc), "JUnit XML that a parser reads")
	got := map[string]bool{}
	failures := 0
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			flowID := c.ClassName[strings.Index(c.ClassName, ".")+1:]
			nodeID := c.Name[strings.LastIndex(c.Name, "[")+1 : len(c.Name)-1]
			got[flowID+"/"+nodeID] = len(c.Failures) > 0
			if len(c.Failures) > 0 {
				failures++
				assert.Contains(t, []string{"below-min", "above-max", "unreadable"}, c.Failures[0].Type)
				assert.Contains(t, c.Failures[0].Message, "rule ")
			}
		}
	}
	assert.Equal(t, want, got, "a case per judged node; a failure exactly where the node is outside its rule or unreadable")
	assert.Equal(t, len(want), doc.Tests)
	assert.Equal(t, failures, doc.Failures)
	assert.Positive(t, failures)
}

// TestPolicyExemptions: an exemption with a future date turns its node's
// failure into a skip; one with a past date fails the node, saying the
// exemption expired.
func TestPolicyExemptions(t *testing.T) {
	policy := twoRules + `exemptions:
  - flow: demo-flow-07
    node: demo-flow-07-t1-a2
    reason: the vendor fixes this integration in March
    expires: 2999-03-31
  - flow: demo-flow-07
    node: demo-flow-07-t1-a3
    reason: was fixed last year
    expires: 2020-01-01
`
	code, out, stderr := audit(t, "-demo", "-flows", "demo-flow-07", "-policy", clitest.WritePolicy(t, policy), "-format", "junit")
	require.Equal(t, 0, code, stderr)
	clitest.ValidJUnit(t, []byte(out))
	var doc cli.JUnitSuites
	require.NoError(t, xml.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Suites, 1)
	cases := map[string]cli.JUnitCase{}
	for _, c := range doc.Suites[0].Cases {
		cases[c.Name] = c
	}
	skipped := cases["Call Data Action [demo-flow-07-t1-a2]"]
	require.NotNil(t, skipped.Skipped)
	assert.Empty(t, skipped.Failures)
	assert.Equal(t, "exempt: the vendor fixes this integration in March (until 2999-03-31)", skipped.Skipped.Message)
	expired := cases["Call Data Action [demo-flow-07-t1-a3]"]
	assert.Nil(t, expired.Skipped)
	require.NotEmpty(t, expired.Failures)
	assert.Equal(t, "exemption-expired", expired.Failures[0].Type)
	assert.Contains(t, expired.Failures[0].Message, "its exemption (was fixed last year) expired on 2020-01-01")
	assert.Equal(t, 1, doc.Suites[0].Skipped, "the exempt node, counted on its suite")
}

// TestPolicyRefused: broken policy files and -policy beside -below are
// usage errors: exit 2, one line naming the file and the line.
func TestPolicyRefused(t *testing.T) {
	for _, c := range []struct{ name, policy, says string }{
		{"an unknown key", "version: 1\nrules:\n  - name: voice\n    maximum: 20s\n", `:4: unknown key "maximum" in a rule (name, types, flows, actions, min, max)`},
		{"min above max", "version: 1\nrules:\n  - name: voice\n    min: 30s\n    max: 20s\n", ":3: rule voice: min 30s is above max 20s"},
		{"a bad duration", "version: 1\nrules:\n  - name: voice\n    min: 5 seconds\n", `:4: "5 seconds" is not a duration such as 5s or 1500ms`},
		{"an exemption without a reason", "version: 1\nexemptions:\n  - flow: demo-flow-04\n    expires: 2027-03-31\n", ":3: an exemption needs a reason"},
	} {
		path := clitest.WritePolicy(t, c.policy)
		code, out, stderr := audit(t, "-demo", "-policy", path)
		assert.Equal(t, 2, code, c.name)
		assert.Empty(t, out, c.name)
		assert.Equal(t, "audit: "+path+c.says+"\n", stderr, c.name)
	}
	code, _, stderr := audit(t, "-demo", "-policy", clitest.WritePolicy(t, twoRules), "-below", "5s")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "and -min: the policy holds the limits")
	code, _, stderr = audit(t, "-demo", "-format", "junit")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-format junit: judges by a policy; give -policy FILE")
	code, out, stderr := audit(t, "-demo", "-policy", clitest.WritePolicy(t, twoRules), "-by", "action", "-format", "junit")
	assert.Equal(t, 2, code, "a table of actions is no JUnit report, nor does it say the policy's findings")
	assert.Empty(t, out)
	assert.Equal(t, "audit: -by action and -policy: a policy judges each node, and its reports list nodes; give one\n", stderr)
}

// TestPolicySARIF: -format sarif is a SARIF 2.1.0 log the schema accepts,
// with a result per finding at the logical location "<flow id>/<node id>",
// the flow's and node's names as properties; the same findings as JUnit.
func TestPolicySARIF(t *testing.T) {
	path := clitest.WritePolicy(t, twoRules)
	code, out, stderr := audit(t, "-demo", "-policy", path, "-format", "sarif", "-check")
	assert.Equal(t, 3, code, stderr)
	clitest.ValidSARIF(t, []byte(out))
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
					LogicalLocations []struct {
						FullyQualifiedName string
						Kind               string
						Properties         map[string]string
					}
				}
				PartialFingerprints map[string]string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &log))
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "gcflow-timeouts", run.Tool.Driver.Name)
	assert.Len(t, run.Tool.Driver.Rules, 4, "a rule per finding kind")
	_, junit, _ := audit(t, "-demo", "-policy", path, "-format", "junit")
	var doc cli.JUnitSuites
	require.NoError(t, xml.Unmarshal([]byte(junit), &doc))
	failures := 0
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			failures += len(c.Failures)
		}
	}
	assert.Len(t, run.Results, failures, "a result per finding, as JUnit has a failure per finding")
	fingerprints := map[string]bool{}
	for _, r := range run.Results {
		assert.Equal(t, "error", r.Level)
		require.Len(t, r.Locations, 1)
		l := r.Locations[0].LogicalLocations[0]
		assert.Regexp(t, `^demo-flow-\d+/demo-flow-\d+-`, l.FullyQualifiedName)
		assert.Equal(t, "member", l.Kind)
		assert.NotEmpty(t, l.Properties["flowName"])
		// GitHub refuses a whole file with one result without a physical
		// location; the flow's stands in, and names no file of a repository.
		p := r.Locations[0].PhysicalLocation
		require.NotNil(t, p, "a physical location, which code scanning requires")
		flowID, _, _ := strings.Cut(l.FullyQualifiedName, "/")
		assert.Equal(t, "genesys-cloud/flows/"+flowID, p.ArtifactLocation.URI)
		assert.Equal(t, 1, p.Region.StartLine)
		fp := r.PartialFingerprints["primaryLocationLineHash"]
		assert.Regexp(t, `^[0-9a-f]{16}:1$`, fp)
		assert.False(t, fingerprints[fp], "each finding its own fingerprint: %s %s", r.RuleID, l.FullyQualifiedName)
		fingerprints[fp] = true
	}
	_, again, _ := audit(t, "-demo", "-policy", path, "-format", "sarif")
	assert.Equal(t, out, again, "the same findings, the same log: fingerprints are stable from run to run")
}
