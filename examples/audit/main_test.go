package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func audit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAuditFormatsAgree(t *testing.T) {
	code, text, _ := audit(t, "-demo", "-below", "5s")
	require.Equal(t, 0, code)
	code, js, _ := audit(t, "-demo", "-below", "5s", "-format", "json")
	require.Equal(t, 0, code)
	code, cs, _ := audit(t, "-demo", "-below", "5s", "-format", "csv")
	require.Equal(t, 0, code)

	var rows []Row
	require.NoError(t, json.Unmarshal([]byte(js), &rows))
	records, err := csv.NewReader(strings.NewReader(cs)).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), 50)
	require.Len(t, records, len(rows)+1, "a header and one record per node")
	assert.Equal(t, "flow_id", records[0][0])
	textRows := regexp.MustCompile(`\((demo-flow-\d+-[^)]+)\)`).FindAllStringSubmatch(text, -1)
	require.Len(t, textRows, len(rows))
	assert.Contains(t, text, "118 Data Actions wait less than 5s or cannot be known not to (0 cannot be read); by reason: locked: 2, expression: 11, static-action: 2, function-action: 2, action-not-raised: 44, node: 57\n",
		"the demo's 107 nodes below 5 s, and its 11 expressions, by reason")
	reasons := map[string]int{}
	for i, r := range rows {
		rec := records[i+1]
		assert.Equal(t, r.FlowID, rec[0])
		assert.Equal(t, r.NodeID, rec[4])
		assert.Equal(t, r.NodeID, textRows[i][1], "the table lists the same nodes in the same order")
		assert.Equal(t, r.ActionName, rec[7])
		assert.Equal(t, num(r.EffectiveMS), rec[12])
		assert.Equal(t, r.Reason, rec[14], "the reason is a field in both")
		assert.Contains(t, text, r.FlowName+" ("+r.FlowID+")", "the text names the flow by name and id")
		if r.ActionName != "" {
			assert.Contains(t, text, r.ActionName+" ("+r.ActionID+")", "and the action by name and id")
		}
		reasons[r.Reason]++
		if r.Reason == "expression" {
			assert.Equal(t, []string{"expression"}, r.Flags, "unknown until the flow runs: a finding, not below")
			assert.Nil(t, r.EffectiveMS)
			continue
		}
		assert.Contains(t, r.Flags, "below-target")
		if r.TimeoutKind == "unset" {
			assert.Nil(t, r.EffectiveMS, "an unset timeout waits the platform default, unknown here")
			continue
		}
		require.NotNil(t, r.EffectiveMS, r.NodeID)
		assert.Less(t, *r.EffectiveMS, int64(5000))
		if r.UseSuggested {
			assert.Equal(t, *r.ActionTimeoutMS, *r.EffectiveMS, "a suggested node waits what its action waits")
		}
		if r.Reason == "action-not-raised" {
			assert.Less(t, *r.ActionTimeoutMS, int64(5000), "its action keeps it short, whatever the node says")
		}
	}
	assert.Equal(t, map[string]int{"locked": 2, "expression": 11, "static-action": 2, "function-action": 2, "action-not-raised": 44, "node": 57}, reasons)
}

// TestAuditByAction: one row per action, whose counts add up to the
// per-node audit's.
func TestAuditByAction(t *testing.T) {
	code, js, _ := audit(t, "-demo", "-below", "5s", "-by", "action", "-format", "json")
	require.Equal(t, 0, code)
	var rows []ActionRow
	require.NoError(t, json.Unmarshal([]byte(js), &rows))
	code, all, _ := audit(t, "-demo", "-format", "json")
	require.Equal(t, 0, code)
	var nodes []Row
	require.NoError(t, json.Unmarshal([]byte(all), &nodes))
	total, below := 0, 0
	byID := map[string]ActionRow{}
	for _, r := range rows {
		total += r.Nodes
		below += r.Below
		byID[r.ActionID] = r
	}
	assert.Equal(t, len(nodes), total, "every node counted once")
	assert.Equal(t, 118, below, "the per-node audit's findings")
	fn := byID["custom_-_0a1b2c3d-0014-4000-8000-000000000014"]
	require.NotNil(t, fn.ActionTimeoutMS, "a function action's timeout is its function's")
	assert.Equal(t, int64(3000), *fn.ActionTimeoutMS)
	assert.Equal(t, map[string]int{"function-action": 2}, fn.Reasons)
	assert.Equal(t, map[string]int{"static-action": 2}, byID["static_-_0a1b2c3d-0013-4000-8000-000000000013"].Reasons)
	pay := byID["custom_-_0a1b2c3d-0001-4000-8000-000000000001"]
	assert.Equal(t, "Get account by phone", pay.ActionName)
	require.NotNil(t, pay.ActionTimeoutMS)
	assert.Equal(t, int64(3000), *pay.ActionTimeoutMS)
	assert.Equal(t, pay.Nodes, pay.Below, "a 3 s action keeps every node below 5 s")
	assert.Equal(t, map[string]int{"locked": 1, "action-not-raised": 21}, pay.Reasons)
	assert.Equal(t, 22, pay.Nodes)
	assert.Equal(t, 20, pay.Flows)

	code, text, _ := audit(t, "-demo", "-below", "5s", "-by", "action")
	require.Equal(t, 0, code)
	assert.Regexp(t, `(?m)^custom_-_0a1b2c3d-0001-4000-8000-000000000001 +Get account by phone +3s +22 +10 +20 +22 +locked: 1, action-not-raised: 21$`, text)
	code, cs, _ := audit(t, "-demo", "-below", "5s", "-by", "action", "-format", "csv")
	require.Equal(t, 0, code)
	records, err := csv.NewReader(strings.NewReader(cs)).ReadAll()
	require.NoError(t, err)
	assert.Len(t, records, len(rows)+1)
	code, _, _ = audit(t, "-demo", "-below", "5s", "-by", "action", "-check")
	assert.Equal(t, 3, code, "the gate counts nodes, whatever the view")
}

func TestAuditAll(t *testing.T) {
	code, js, _ := audit(t, "-demo", "-format", "json", "-type", "workflow")
	require.Equal(t, 0, code)
	var rows []Row
	require.NoError(t, json.Unmarshal([]byte(js), &rows))
	types := map[string]bool{}
	kinds := map[string]bool{}
	for _, r := range rows {
		types[r.FlowType] = true
		kinds[r.TimeoutKind] = true
	}
	assert.Equal(t, map[string]bool{"workflow": true}, types)
	assert.True(t, kinds["expression"] || kinds["literal"])
}

func TestAuditCheckAndUsage(t *testing.T) {
	code, out, _ := audit(t, "-demo", "-check")
	assert.Equal(t, 3, code, "findings below the default 5 s")
	assert.Contains(t, out, "wait less than 5s")
	code, _, _ = audit(t, "-demo", "-check", "-below", "1ms", "-name", "Billing")
	assert.Equal(t, 0, code, "nothing waits less than 1 ms")
	code, out, _ = audit(t, "-demo", "-check", "-below", "1ms", "-name", "Main IVR")
	assert.Equal(t, 3, code, "an expression cannot be known to wait 1 ms: the gate fails closed")
	assert.Contains(t, out, "by reason: expression: 2\n")
	for _, args := range [][]string{{"-format", "xml"}, {"extra"}, {"-below", "soon"}, {"-concurrency", "0"}, {"-by", "flow"}} {
		code, _, _ := audit(t, append([]string{"-demo"}, args...)...)
		assert.Equal(t, 2, code, args)
	}
	code, _, _ = audit(t, "-h")
	assert.Equal(t, 0, code)
}

func TestAuditWithoutCredentials(t *testing.T) {
	t.Setenv("GENESYS_CLOUD_REGION", "")
	t.Setenv("GENESYS_CLOUD_CLIENT_ID", "")
	t.Setenv("GENESYS_CLOUD_CLIENT_SECRET", "")
	t.Setenv("GENESYS_CLOUD_API_URL", "")
	code, _, errOut := audit(t)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no client id")
	assert.Contains(t, errOut, "or try -demo")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line")
}

// TestAuditFlows: -flows audits the flows named and no other; an empty
// list is a usage error, an id that does not exist a failure that names it.
func TestAuditFlows(t *testing.T) {
	code, js, _ := audit(t, "-demo", "-min", "5s", "-format", "json", "-flows", "demo-flow-07,demo-flow-13")
	require.Equal(t, 0, code)
	var rows []Row
	require.NoError(t, json.Unmarshal([]byte(js), &rows))
	flows := map[string]bool{}
	for _, r := range rows {
		flows[r.FlowID] = true
	}
	assert.Equal(t, map[string]bool{"demo-flow-07": true, "demo-flow-13": true}, flows)
	code, _, stderr := audit(t, "-demo", "-flows", " , ")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `audit: -flows " , ": no flow id in the list`)
	code, _, stderr = audit(t, "-demo", "-flows", "demo-flow-07,nope")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "flow nope does not exist")
}
