package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/examples/internal/connect"
)

// demoOrg is a demo organisation the test can look into, and a connect
// function that reaches it.
func demoOrg(t *testing.T) (*clienttest.Server, connect.ConnectFunc) {
	t.Helper()
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	return srv, func(bool) (*client.Client, func(), error) { return srv.Client(t), func() {}, nil }
}

func raise(t *testing.T, dial connect.ConnectFunc, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, dial)
	return code, out.String(), errOut.String()
}

func TestRaiseDryRunWritesNothing(t *testing.T) {
	srv, dial := demoOrg(t)
	code, out, errOut := raise(t, dial)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "dry run, nothing written: 40 flows: would raise")
	assert.Contains(t, out, "--- flows/demo-flow-01 (now)\n+++ flows/demo-flow-01 (raised)")
	assert.Regexp(t, `   demo-flow-\d+-t\d-a\d "Call Data Action": literal \d(\.5)?s -> 5s \(callers wait \d(\.5)?s -> [345]s\)\n`, out, "each change is listed by node, with what callers wait")
	assert.Contains(t, out, "48 Data Action(s) still wait less than 5s because their action gives up first: 46 of them need their action's own timeout raised: -actions\n", "the nodes no node change can help are counted")
	assert.Contains(t, out, "Data Actions that would still wait less than 5s, or may: locked: 1 flow(s), draft-pending: 1 flow(s), expression: 11, static-action: 2, function-action: 2, action-not-raised: 44\n", "what is left, by reason")
	assert.Contains(t, out, "dry run, nothing written: 40 flows: would raise 70 Data Action(s) in 36,", "only changes that raise what callers wait are counted")
	assert.Contains(t, errOut, "skipped: update of flow demo-flow-08 (Collections Outbound 1): client: unpublished draft pending")
	for _, r := range srv.Requests() {
		assert.Equal(t, "GET", r.Method, "a dry run only reads")
	}
}

func TestRaiseApplyBackupLog(t *testing.T) {
	srv, dial := demoOrg(t)
	originals := map[string][]byte{}
	for _, id := range srv.FlowIDs() {
		originals[id] = srv.Published(id)
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "raise.log")
	code, out, errOut := raise(t, dial, "-publish", "-min", "5s", "-backup-dir", filepath.Join(dir, "b"), "-log", logPath)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `40 flows: raised \d+ Data Action\(s\) in 36, 2 unchanged, 2 skipped`, out)

	backups, err := filepath.Glob(filepath.Join(dir, "b", "demo-flow-??.json"))
	require.NoError(t, err)
	manifests, err := filepath.Glob(filepath.Join(dir, "b", "*.manifest.json"))
	require.NoError(t, err)
	assert.Len(t, manifests, 36, "each backup has its manifest")
	assert.Len(t, backups, 36, "one backup per changed flow")
	for _, b := range backups {
		id := strings.TrimSuffix(filepath.Base(b), ".json")
		got, err := os.ReadFile(b)
		require.NoError(t, err)
		assert.Equal(t, originals[id], got, "the backup is the original, byte for byte")
		assert.NotEqual(t, originals[id], srv.Published(id))
		// The manifest records what the raise left, for restore to see
		// whether somebody changed the flow since.
		var m struct{ NewSHA256 string }
		mb, err := os.ReadFile(strings.TrimSuffix(b, ".json") + ".manifest.json")
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(mb, &m))
		sum := sha256.Sum256(srv.Published(id))
		assert.Equal(t, hex.EncodeToString(sum[:]), m.NewSHA256, "%s: the published version's sha256", id)
	}

	f, err := os.Open(logPath)
	require.NoError(t, err)
	defer f.Close()
	results := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line logLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		results[line.Result]++
		if line.Result == "changed" {
			assert.True(t, line.Published)
			assert.NotEmpty(t, line.Changes)
			assert.Equal(t, int64(5000), line.Changes[0].ToMS)
		}
	}
	assert.Equal(t, map[string]int{"changed": 36, "unchanged": 2, "skipped": 2}, results)
}

func TestRaiseFlowsAndEnv(t *testing.T) {
	srv, dial := demoOrg(t)
	t.Setenv("TARGET_FLOW_IDS", "demo-flow-01,demo-flow-02")
	t.Setenv("TARGET_TIMEOUT_MS", "8000")
	code, out, errOut := raise(t, dial, "-apply", "-backup-dir", t.TempDir())
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "2 flows:")
	assert.Contains(t, out, "to 8s, checked in")
	assert.NotEqual(t, string(srv.Published("demo-flow-03")), string(srv.Latest("demo-flow-01")))
	assert.Equal(t, srv.Published("demo-flow-03"), srv.Latest("demo-flow-03"), "other flows untouched")

	t.Setenv("TARGET_TIMEOUT_MS", "soon")
	code, _, errOut = raise(t, dial)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `TARGET_TIMEOUT_MS="soon"`)
	code, _, _ = raise(t, dial, "-min", "-1s")
	assert.Equal(t, 2, code)
	code, _, errOut = raise(t, dial, "-min", "2m")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "the longest any data action waits")
}

func TestRaiseCancelled(t *testing.T) {
	srv, dial := demoOrg(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv.Before("POST", "/api/v2/flows/demo-flow-10/versions", func(*clienttest.Org) { cancel() })
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-publish", "-backup-dir", t.TempDir(), "-concurrency", "1"}, &out, &errOut, dial)
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "stopped before the end (flows not started are not counted); no lock of this run left;")
	assert.Contains(t, errOut.String(), "raise: cancelled: update of flow demo-flow-10 (Onboarding Workflow 1) stopped: context canceled\n")
	assert.NotContains(t, errOut.String(), "retry:", "one plain line per flow, no nested retry text")
	for _, id := range srv.FlowIDs() {
		assert.NotEqual(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), id)
	}
}

// TestRaiseActionsCommand: -actions raises the four demo actions whose own
// timeout keeps callers below 5 s, once each, the function action through
// its draft; a dry run writes nothing.
func TestRaiseActionsCommand(t *testing.T) {
	srv, dial := demoOrg(t)
	code, out, errOut := raise(t, dial, "-actions")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 3, strings.Count(out, "would raise its own timeout"), out)
	assert.Contains(t, out, "== action custom_-_0a1b2c3d-0014-4000-8000-000000000014 (Score risk (function)): would raise its function's timeout 3s -> 5s (every flow that uses it waits longer)\n"+
		"--- actions/custom_-_0a1b2c3d-0014-4000-8000-000000000014/function (now)\n")
	assert.Contains(t, out, "dry run, nothing written: 40 flows: would raise 103 Data Action(s) in 36,")
	assert.Zero(t, srv.Counters().ActionPatches+srv.Counters().Saves, "a dry run writes nothing, actions included")

	code, out, errOut = raise(t, dial, "-publish", "-actions", "-backup-dir", t.TempDir())
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `action custom_-_0a1b2c3d-0001-4000-8000-000000000001 \(Get account by phone\): raised its own timeout 3s -> 5s, version 1 -> 2\n`, out)
	assert.Contains(t, out, "action custom_-_0a1b2c3d-0014-4000-8000-000000000014 (Score risk (function)): raised its function's timeout 3s -> 5s through a draft, published as version 2\n")
	assert.Contains(t, out, "raised the own timeout of 4 action(s)")
	assert.Contains(t, out, "2 Data Action(s) still wait less than 5s because their action gives up first: no raise can change their action (see the reasons below)\n",
		"only the nodes of the built-in action stay capped")
	assert.Contains(t, out, "Data Actions that still wait less than 5s, or may: locked: 1 flow(s), draft-pending: 1 flow(s), expression: 11, static-action: 2\n",
		"what is left, by reason: the two skipped flows, the expressions and the action no raise can change")
	assert.NotContains(t, out, "function-action")
	assert.Equal(t, "raise: action not raised: timeout of action static_-_0a1b2c3d-0013-4000-8000-000000000013: dataaction: built-in (static) action: it cannot be changed through the API\n",
		strings.Join(regexp.MustCompile(`(?m)^raise: action not raised: .*\n`).FindAllString(errOut, -1), ""), "the built-in action alone is refused")
	assert.Equal(t, 4, srv.Counters().ActionPatches, "three PATCHes and a publish")
	fn, version, _ := srv.ActionFunction("custom_-_0a1b2c3d-0014-4000-8000-000000000014")
	assert.Contains(t, string(fn), `"timeoutSeconds":5`)
	assert.Equal(t, 2, version)
	assert.False(t, srv.HasActionDraft("custom_-_0a1b2c3d-0014-4000-8000-000000000014"), "no draft left")
}

// TestRaiseCountsNodesRaisedThroughTheirAction: a flow whose only short
// node uses its action's suggested timeout needs no change once the action
// is raised; its node is counted, and said to be, as raised through the
// action.
func TestRaiseCountsNodesRaisedThroughTheirAction(t *testing.T) {
	srv, dial := demoOrg(t)
	config := `{"name":"Only suggested","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` +
		`{"__type":"DataAction","id":"s1","name":"Lookup","actionId":"custom_-_0a1b2c3d-0001-4000-8000-000000000001","useSuggestedTimeout":true,` +
		`"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H1M0S0F","type":"dur"}},"text":"P0D0H1M0S0F","type":"dur"}}]}]}`
	id, err := srv.AddFlow(clienttest.FlowSeed{ID: "only-suggested", Name: "Only suggested", Type: "inboundcall", Config: []byte(config)})
	require.NoError(t, err)
	code, out, errOut := raise(t, dial, "-actions", "-flows", id)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Only suggested (only-suggested): 1 Data Action(s) would wait 5s or more through their raised action; the flow needs no change\n")
	assert.Contains(t, out, "dry run, nothing written: 1 flows: would raise 0 Data Action(s) in 0 (and 1 through their action alone, in flows that needed no change)")
	assert.Zero(t, srv.Counters().ActionPatches, "a dry run")
	code, out, errOut = raise(t, dial, "-publish", "-actions", "-flows", id, "-backup-dir", t.TempDir())
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Only suggested (only-suggested): 1 Data Action(s) wait 5s or more through their raised action; the flow needs no change\n")
	assert.Contains(t, out, "1 flows: raised 0 Data Action(s) in 0 (and 1 through their action alone, in flows that needed no change), 1 unchanged,")
	assert.Equal(t, string(config), string(srv.Published(id)), "the flow itself is as it was")
	assert.Equal(t, 1, srv.Counters().ActionPatches)
}

// TestRaiseActionsLog: -log has a line for each action raised or refused,
// beside the flows' lines.
func TestRaiseActionsLog(t *testing.T) {
	_, dial := demoOrg(t)
	log := filepath.Join(t.TempDir(), "raise.log")
	code, _, errOut := raise(t, dial, "-publish", "-actions", "-backup-dir", t.TempDir(), "-log", log)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	results := map[string]string{}
	flows := 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var line struct {
			ActionID, FlowID, Result, Error string
			FromSeconds, ToSeconds          int64
			NewVersion                      any
		}
		require.NoError(t, json.Unmarshal([]byte(l), &line), l)
		if line.ActionID != "" {
			results[line.ActionID] = line.Result
			if line.Result == "action-raised" {
				assert.Equal(t, int64(5), line.ToSeconds)
				assert.Less(t, line.FromSeconds, int64(5))
			} else {
				assert.NotEmpty(t, line.Error)
			}
			continue
		}
		flows++
	}
	assert.Equal(t, 40, flows)
	assert.Equal(t, map[string]string{
		"custom_-_0a1b2c3d-0001-4000-8000-000000000001": "action-raised",
		"custom_-_0a1b2c3d-0002-4000-8000-000000000002": "action-raised",
		"custom_-_0a1b2c3d-0011-4000-8000-000000000011": "action-raised",
		"static_-_0a1b2c3d-0013-4000-8000-000000000013": "action-refused",
		"custom_-_0a1b2c3d-0014-4000-8000-000000000014": "action-raised",
	}, results)
}

// TestRaiseActionsNamesFlowsOutsideTheSelection: changing an action changes
// every flow that uses it, so the run names those outside its selection,
// and says when the dependency index may be partial.
func TestRaiseActionsNamesFlowsOutsideTheSelection(t *testing.T) {
	srv, dial := demoOrg(t)
	code, out, errOut := raise(t, dial, "-actions", "-name", "Fraud")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "action custom_-_0a1b2c3d-0001-4000-8000-000000000001 is used by 2 flow(s) of this run: Fraud Inbound 1, Fraud Inbound 2\n  and by 18 other flow(s) (outside the selection, or not changed by this run), which wait longer too: Billing Inbound 2 (demo-flow-22),")
	assert.NotContains(t, out, "may miss flows")

	srv.SetDependencyBuild("BUILDINPROGRESS")
	code, out, errOut = raise(t, dial, "-actions", "-name", "Fraud")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "(the dependency index says BUILDINPROGRESS: the list may miss flows)")

	// Without the permission, the run lists its own flows and says why.
	srv.FailNext("GET", "/api/v2/architect/dependencytracking/build", 3, 403)
	code, out, errOut = raise(t, dial, "-actions", "-name", "Fraud")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "action custom_-_0a1b2c3d-0001-4000-8000-000000000001 is used by 2 flow(s) of this run: Fraud Inbound 1, Fraud Inbound 2 (dependency tracking: ")
	assert.Contains(t, out, "403 Forbidden (missing.permissions)")
	assert.Zero(t, srv.Counters().ActionPatches, "dry runs")
}
