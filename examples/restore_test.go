package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
)

// TestRestoreSubset: restore -flows puts back only the flows named, from a
// folder that holds more; the others keep their raised version.
func TestRestoreSubset(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	original := o.published(t)
	dir := filepath.Join(t.TempDir(), "backups")
	r := o.run(t, nil, "raise", "-publish", "-no-cache", "-backup-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	raised := o.state(t)
	r = o.run(t, nil, "restore", "-dir", dir, "-flows", "demo-flow-02,demo-flow-03", "-publish")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "2 backups: restored 2,")
	after := o.state(t)
	for id, f := range after {
		switch id {
		case "demo-flow-02", "demo-flow-03":
			assert.NotEqual(t, raised[id].Published, f.Published, "%s restored as a new version", id)
		default:
			assert.Equal(t, raised[id], f, "%s untouched", id)
		}
	}
	now := o.published(t)
	for _, id := range []string{"demo-flow-02", "demo-flow-03"} {
		assert.Equal(t, string(original[id].Bytes()), string(now[id].Bytes()), "%s back as it was, byte for byte", id)
	}
}

// actionTimeouts reads every action's own timeoutSeconds through the API.
func (o *org) actionTimeouts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for listed, err := range dataaction.List(context.Background(), o.c, nil) {
		require.NoError(t, err)
		a, err := dataaction.Get(context.Background(), o.c, listed.ID)
		require.NoError(t, err)
		switch {
		case a.IsFunction(): // it waits its function's timeout
			fn, err := dataaction.GetFunction(context.Background(), o.c, a.ID)
			require.NoError(t, err)
			out[a.ID] = fn.TimeoutSeconds
		case a.Config != nil:
			out[a.ID] = a.Config.TimeoutSeconds
		}
	}
	require.NotEmpty(t, out)
	return out
}

// TestUndoActions: raise -actions -publish changes shared actions and flows;
// its backup folder holds every action it changed, and restore puts every
// action and every node back as it was. An action somebody changed after
// the raise is left as they made it, and said so (exit 1).
func TestUndoActions(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	originalFlows, originalActions := o.published(t), o.actionTimeouts(t)
	dir := filepath.Join(t.TempDir(), "backups")
	r := o.run(t, nil, "raise", "-actions", "-publish", "-no-cache", "-backup-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	raised := o.actionTimeouts(t)
	changed := 0
	for id, secs := range raised {
		if secs != originalActions[id] {
			changed++
			assert.FileExists(t, filepath.Join(dir, "actions", id+".json"))
			assert.FileExists(t, filepath.Join(dir, "actions", id+".manifest.json"))
		}
	}
	require.Positive(t, changed, "the run raised actions")
	entries, err := os.ReadDir(filepath.Join(dir, "actions"))
	require.NoError(t, err)
	assert.Len(t, entries, 2*changed, "a backup and a manifest for each action changed, and nothing else")

	dry := o.run(t, nil, "restore", "-dir", dir)
	require.Equal(t, 0, dry.code, dry.stderr)
	assert.Contains(t, dry.stdout, fmt.Sprintf("%d action backups: would restore %d,", changed, changed))
	assert.Equal(t, raised, o.actionTimeouts(t), "a dry run writes nothing")

	r = o.run(t, nil, "restore", "-dir", dir, "-publish", "-allow-draft")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Equal(t, originalActions, o.actionTimeouts(t), "every action back as it was")
	for id, doc := range o.published(t) {
		assert.Empty(t, flow.TimeoutChanges(originalFlows[id], doc), "%s: every node back as it was", id)
	}
}

// TestUndoActionsChangedSince: an action that somebody raised further after
// the run is left as they made it; the restore says so and exits 1.
func TestUndoActionsChangedSince(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	dir := filepath.Join(t.TempDir(), "backups")
	r := o.run(t, nil, "raise", "-actions", "-publish", "-no-cache", "-backup-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	files, err := filepath.Glob(filepath.Join(dir, "actions", "*.manifest.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	id := strings.TrimSuffix(filepath.Base(files[0]), ".manifest.json")
	_, err = dataaction.SetTimeout(context.Background(), o.c, id, 30*time.Second, nil)
	require.NoError(t, err)
	r = o.run(t, nil, "restore", "-dir", dir, "-actions", id, "-publish")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "restore: action "+id)
	assert.Contains(t, r.stderr, "left as it is: somebody changed it after the raise")
	assert.Equal(t, 30, o.actionTimeouts(t)[id], "their change wins")
	assert.Contains(t, r.stdout, "1 action backups: restored 0, 0 already as backed up, 1 left as somebody changed them, 0 failed")
	assert.NotRegexp(t, `(?m)^\d+ backups:`, r.stdout, "-actions alone restores no flow")
}

// TestUndoPolicyRaise: raise -policy -actions -publish raises some actions
// twice (5 s for a voice flow, then 10 s for a workflow); the backup folder
// keeps each action's first original, and restore puts every action and
// every node back as it was.
func TestUndoPolicyRaise(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	originalFlows, originalActions := o.published(t), o.actionTimeouts(t)
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policyFile, []byte("version: 1\nrules:\n  - name: voice\n    types: [inboundcall, inqueuecall, outboundcall]\n    min: 5s\n    max: 20s\n"+
		"  - name: workflows\n    types: [workflow]\n    min: 10s\n"), 0o600))
	dir := filepath.Join(t.TempDir(), "backups")
	r := o.run(t, nil, "raise", "-policy", policyFile, "-actions", "-publish", "-no-cache", "-backup-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `raised its own timeout 5s -> 10s`, r.stdout, "an action raised a second time, higher")
	raised := o.actionTimeouts(t)
	assert.Equal(t, 10, raised["custom_-_0a1b2c3d-0001-4000-8000-000000000001"])

	r = o.run(t, nil, "restore", "-dir", dir, "-publish", "-allow-draft")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Equal(t, originalActions, o.actionTimeouts(t), "every action back as it was, not as it was between its two raises")
	for id, doc := range o.published(t) {
		assert.Empty(t, flow.TimeoutChanges(originalFlows[id], doc), "%s: every node back as it was", id)
	}
}

// TestRestoreKeepsLaterChanges: raise -publish, then somebody renames a
// node of one flow through the API; restore -publish puts the other flow
// back, leaves that one with the change (exit 1, one line that says why),
// and restore -force then puts it back too. State read back through the
// organisation's HTTP API.
func TestRestoreKeepsLaterChanges(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	before := o.published(t)
	dir := filepath.Join(t.TempDir(), "backups")
	r := o.run(t, nil, "raise", "-publish", "-flows", "demo-flow-01,demo-flow-02", "-no-cache", "-backup-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	_, err := o.c.UpdateFlow(context.Background(), "demo-flow-02", func(d *flow.Document) ([]flow.Change, error) {
		renamed, err := flow.Parse(bytes.Replace(d.Bytes(), []byte(`"Call Data Action"`), []byte(`"Call Data Action (renamed)"`), 1))
		if err != nil {
			return nil, err
		}
		return d.Overwrite(renamed), nil
	}, &client.UpdateOptions{Publish: true})
	require.NoError(t, err)
	changed := o.published(t)["demo-flow-02"].Bytes()

	r = o.run(t, nil, "restore", "-dir", dir, "-publish")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "restore: update of flow demo-flow-02 (Billing Inbound 1): the edit failed: the flow was changed after the raise wrote it")
	after := o.published(t)
	assert.Equal(t, string(before["demo-flow-01"].Bytes()), string(after["demo-flow-01"].Bytes()), "restored")
	assert.Equal(t, string(changed), string(after["demo-flow-02"].Bytes()), "the later change stands")
	assert.Empty(t, ourLocks(o.state(t)), "no lock left")

	r = o.run(t, nil, "restore", "-dir", dir, "-publish", "-force", "-flows", "demo-flow-02")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Equal(t, string(before["demo-flow-02"].Bytes()), string(o.published(t)["demo-flow-02"].Bytes()), "-force restores it anyway")
}
