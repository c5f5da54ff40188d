package examples_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client/clienttest"
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
	cfg := srv.ClientConfig()
	env := []string{"GENESYS_CLOUD_API_URL=" + cfg.BaseURL, "GENESYS_CLOUD_CLIENT_ID=" + cfg.ClientID, "GENESYS_CLOUD_CLIENT_SECRET=" + cfg.ClientSecret}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	nowhere := write("nowhere.yaml", "version: 1\nrules:\n  - name: nowhere\n    flows: [\"No such flow*\"]\n    min: 5s\n")
	// voice judges the demo's calls; background its workflows, which the
	// audits below do not select; the exemption names a flow that does not
	// exist.
	partly := write("partly.yaml", "version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    min: 1s\n  - name: background\n    types: [workflow]\n    min: 1s\n"+
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

	empty := write("menu.json", noDataActions)
	r = runBin(t, nil, "fileaudit", "-check", empty)
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "fileaudit: -check: no Data Action in the 1 file; a gate that judged nothing has not passed\n", r.stderr)
	r = runBin(t, nil, "fileaudit", empty)
	assert.Equal(t, 0, r.code, r.stderr)
	real, err := filepath.Abs(filepath.Join("..", "..", "shared", "fixtures", "architect", "blacklist.i3workflow.json"))
	require.NoError(t, err)
	r = runBin(t, nil, "fileaudit", "-check", "-policy", nowhere, real, empty)
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "fileaudit: "+nowhere+":3: rule \"nowhere\" matched no Data Action of the 2 files read\n"+
		"fileaudit: -check: no rule of "+nowhere+" matched a Data Action of the 2 files; a gate that judged nothing has not passed\n", r.stderr)
}
