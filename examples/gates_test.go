package examples_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/examples/internal/clitest"
)

// noDataActions is a flow document with a task and no Data Action.
const noDataActions = `{"name":"Menu only","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[{"__type":"PlayAudio","id":"p"}]}]}`

// TestGatesThatJudgeNothing: a gate that judged nothing has not passed.
// audit -check and fileaudit -check exit 3, with one line that says why,
// on flows or files without a Data Action and on a policy none of whose
// rules matches one; without -check the same runs exit 0. A rule or an
// exemption that matched nothing is named with its file and line, and
// changes no exit by itself.
func TestGatesThatJudgeNothing(t *testing.T) {
	processTest(t)
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	id, err := srv.AddFlow(clienttest.FlowSeed{ID: "menu-only", Name: "Menu only", Type: "inboundcall", Config: []byte(noDataActions)})
	require.NoError(t, err)
	env := serverEnv(srv)
	nowhere := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: nowhere\n    flows: [\"No such flow*\"]\n    min: 5s\n")
	// voice judges the demo's calls; background its workflows, which the
	// audits below do not select; the exemption names a flow that does not
	// exist.
	partly := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    min: 1s\n  - name: background\n    types: [workflow]\n    min: 1s\n"+
		"exemptions:\n  - flow: gone-flow\n    reason: retired\n    expires: 2099-01-01\n")

	r := runBin(t, env, "audit", "-no-cache", "-check", "-flows", id)
	assert.Equal(t, 3, r.code, "a flow without a Data Action: nothing was judged")
	assert.Equal(t, "audit: -check: no Data Action in the 1 flow selected; a gate that judged nothing has not passed\n", r.stderr)
	r = runBin(t, env, "audit", "-no-cache", "-flows", id)
	assert.Equal(t, 0, r.code, "without -check it is a report: %s", r.stderr)

	r = runBin(t, env, "audit", "-no-cache", "-check", "-policy", nowhere)
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "audit: "+nowhere+":3: rule \"nowhere\" matched no Data Action of the 41 flows audited\n"+
		"audit: -check: no rule of "+nowhere+" matched a Data Action of the 41 flows selected; a gate that judged nothing has not passed\n", r.stderr)
	r = runBin(t, env, "audit", "-no-cache", "-policy", nowhere)
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "0 Data Actions judged by the policy")

	r = runBin(t, env, "audit", "-no-cache", "-check", "-policy", partly, "-type", "inboundcall")
	assert.Equal(t, 3, r.code, "voice judges the calls, and some of them cannot be read: findings")
	assert.Equal(t, "audit: "+partly+":6: rule \"background\" matched no Data Action of the 17 flows audited\n"+
		"audit: "+partly+":10: the exemption of flow gone-flow matched no Data Action a rule judges in the 17 flows audited\n", r.stderr)
	r = runBin(t, env, "audit", "-no-cache", "-check", "-policy", partly, "-type", "inboundcall", "-name", "Billing Inbound 1")
	assert.Equal(t, 0, r.code, "a rule that matched nothing changes no exit: %s", r.stdout)
	assert.Contains(t, r.stderr, `rule "background" matched no Data Action of the 1 flow audited`)

	empty := filepath.Join(t.TempDir(), "menu.json")
	require.NoError(t, os.WriteFile(empty, []byte(noDataActions), 0o600))
	r = runBin(t, nil, "fileaudit", "-check", empty)
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "fileaudit: -check: no Data Action in the 1 file; a gate that judged nothing has not passed\n", r.stderr)
	r = runBin(t, nil, "fileaudit", empty)
	assert.Equal(t, 0, r.code, r.stderr)
	real, err := filepath.Abs(filepath.Join("..", "flow", "testdata", "architect-mixed.json"))
	require.NoError(t, err)
	r = runBin(t, nil, "fileaudit", "-check", "-policy", nowhere, real, empty)
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "fileaudit: "+nowhere+":3: rule \"nowhere\" matched no Data Action of the 2 files read\n"+
		"fileaudit: -check: no rule of "+nowhere+" matched a Data Action of the 2 files; a gate that judged nothing has not passed\n", r.stderr)
}

// TestUnreadableFlowUnderPolicy: under -policy, a flow that cannot be read
// is a finding of the rule that may judge it, in every report: a JUnit
// failure on its configuration, a SARIF result at the flow (an upload
// without it would close its earlier alerts as fixed). An exemption of the
// whole flow makes it a skip; a flow no rule can judge is no row. The run
// still exits 1: something could not be read.
func TestUnreadableFlowUnderPolicy(t *testing.T) {
	processTest(t)
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	env := serverEnv(srv)
	pol := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    actions: [\"Get account*\"]\n    min: 1s\n")
	exempt := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    min: 1s\n"+
		"exemptions:\n  - flow: demo-flow-02\n    reason: being rebuilt\n    expires: 2099-01-01\n")
	unreadable := func() { srv.FailNext("GET", "/api/v2/flows/demo-flow-02/", 1, 403) }

	unreadable()
	r := runBin(t, env, "audit", "-no-cache", "-policy", pol, "-format", "junit", "-check", "-type", "inboundcall")
	assert.Equal(t, 1, r.code, "something could not be read")
	var doc struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name     string `xml:"name,attr"`
				Failures []struct {
					Type    string `xml:"type,attr"`
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(r.stdout), &doc), r.stdout)
	var found bool
	for _, s := range doc.Suites {
		if s.Name != "Billing Inbound 1 (demo-flow-02)" {
			continue
		}
		found = true
		require.Len(t, s.Cases, 1, "the flow's nodes are unknown: one case for the flow")
		assert.Equal(t, "configuration [demo-flow-02]", s.Cases[0].Name)
		require.Len(t, s.Cases[0].Failures, 1)
		assert.Equal(t, "unreadable", s.Cases[0].Failures[0].Type)
		assert.Contains(t, s.Cases[0].Failures[0].Message, "the flow cannot be read (")
		assert.Contains(t, s.Cases[0].Failures[0].Message, "so none of its Data Actions can be shown to keep rule voice (at least 1s)")
	}
	assert.True(t, found, "the unreadable flow has a suite: %s", r.stdout)

	unreadable()
	r = runBin(t, env, "audit", "-no-cache", "-policy", pol, "-format", "sarif", "-type", "inboundcall")
	assert.Equal(t, 1, r.code)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Message   struct{ Text string }
				Locations []struct {
					LogicalLocations []struct{ FullyQualifiedName, Kind string }
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &log))
	var at []string
	for _, res := range log.Runs[0].Results {
		if strings.HasPrefix(res.Message.Text, "Billing Inbound 1 (demo-flow-02)") {
			l := res.Locations[0].LogicalLocations[0]
			at = append(at, res.RuleID+" "+l.FullyQualifiedName+" "+l.Kind)
		}
	}
	assert.Equal(t, []string{"unreadable demo-flow-02 module"}, at)

	unreadable()
	r = runBin(t, env, "audit", "-no-cache", "-policy", exempt, "-format", "junit", "-type", "inboundcall")
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `<testcase classname="inboundcall.demo-flow-02" name="configuration \[demo-flow-02\]">\s*<skipped message="exempt: being rebuilt \(until 2099-01-01\)"></skipped>\s*</testcase>`, r.stdout)

	unreadable()
	r = runBin(t, env, "audit", "-no-cache", "-policy", pol, "-format", "json", "-type", "workflow,inboundcall", "-name", "Billing")
	assert.Equal(t, 1, r.code)
	var rows []struct{ FlowID, FlowType, NodeID, Rule string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	var flowRows []string
	for _, row := range rows {
		assert.Equal(t, "inboundcall", row.FlowType, "no rule judges a workflow")
		if row.NodeID == "" {
			flowRows = append(flowRows, row.FlowID+" "+row.Rule)
		}
	}
	assert.Equal(t, []string{"demo-flow-02 voice"}, flowRows, "the unreadable flow is one row, judged by the rule its type and name match")
}

// TestCancelledAuditWritesNoCIReport: an audit stopped by Ctrl-C writes no
// JUnit or SARIF report (a CI uploads it whatever the exit, and a part of
// one would show the flows not audited as passing); text still gets the
// rows so far. Both exit 1.
func TestCancelledAuditWritesNoCIReport(t *testing.T) {
	processTest(t)
	pol := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: all\n    min: 1s\n")
	for _, format := range []string{"junit", "sarif", "text"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			requests := filepath.Join(t.TempDir(), "requests.log")
			o := startOrg(t, 100*time.Millisecond, "-requests", requests)
			p := o.start(t, nil, "audit", "-no-cache", "-concurrency", "1", "-policy", pol, "-format", format)
			waitFile(t, requests, "/api/v2/flows/demo-flow-03/")
			require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
			r := p.wait(t)
			assert.Equal(t, 1, r.code, r.stderr)
			if format == "text" {
				assert.Contains(t, r.stderr, "audit: cancelled; the rows so far follow")
				assert.Contains(t, r.stdout, "demo-flow-01", "the rows so far")
				return
			}
			assert.Empty(t, r.stdout, "no report")
			assert.Contains(t, r.stderr, "audit: cancelled; no "+format+" report written: a part of one would show the flows not audited as passing\n")
		})
	}
}

// serverEnv is the environment that points a command at srv.
func serverEnv(srv *clienttest.Server) []string {
	cfg := srv.ClientConfig()
	return []string{"GENESYS_CLOUD_API_URL=" + cfg.BaseURL, "GENESYS_CLOUD_CLIENT_ID=" + cfg.ClientID, "GENESYS_CLOUD_CLIENT_SECRET=" + cfg.ClientSecret}
}
