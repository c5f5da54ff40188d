package examples_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	orgpkg "github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
)

func readPlan(t *testing.T, path string) *orgpkg.Plan {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	p, err := orgpkg.ParsePlan(b)
	require.NoError(t, err)
	return p
}

// TestPlanCommands: raise -out writes a plan (0600) and nothing else; a
// change to one of its flows since makes raise -plan -publish refuse the
// whole plan, naming that flow, with nothing written; a fresh plan applied
// with -publish sets every planned node and action to its planned value
// and changes nothing outside the plan.
func TestPlanCommands(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.json")
	r := o.run(t, nil, "raise", "-actions", "-out", stale, "-no-cache")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "plan written to "+stale)
	info, err := os.Stat(stale)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	require.NotEmpty(t, readPlan(t, stale).Flows)

	r = o.run(t, nil, "raise", "-flows", "demo-flow-02", "-publish", "-no-cache", "-backup-dir", filepath.Join(dir, "b1"))
	require.Equal(t, 0, r.code, r.stderr)
	before, actionsBefore := o.state(t), o.actionTimeouts(t)
	r = o.run(t, nil, "raise", "-plan", stale, "-publish", "-backup-dir", filepath.Join(dir, "b2"))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "raise: demo-flow-02: changed since the plan (1.0 → 2.0)\n")
	assert.Contains(t, r.stderr, "raise: the plan was refused whole, nothing written")
	assert.Equal(t, before, o.state(t), "no flow written")
	assert.Equal(t, actionsBefore, o.actionTimeouts(t), "no action written")
	assert.NoDirExists(t, filepath.Join(dir, "b2"), "no backup")

	fresh := filepath.Join(dir, "fresh.json")
	r = o.run(t, nil, "raise", "-actions", "-out", fresh, "-no-cache")
	require.Equal(t, 0, r.code, r.stderr)
	plan := readPlan(t, fresh)
	original := o.published(t)
	r = o.run(t, nil, "raise", "-plan", fresh, "-publish", "-backup-dir", filepath.Join(dir, "b3"))
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	after := o.published(t)
	planned := map[string]map[string]int64{}
	for _, f := range plan.Flows {
		planned[f.ID] = map[string]int64{}
		for _, ch := range f.Changes {
			planned[f.ID][ch.NodeID] = ch.ToMs
		}
	}
	for id, doc := range after {
		got := map[string]int64{}
		for _, ch := range flow.TimeoutChanges(original[id], doc) {
			got[ch.Node.ID] = ch.To.Milliseconds()
		}
		if planned[id] == nil {
			assert.Empty(t, got, "%s is not in the plan", id)
			continue
		}
		assert.Equal(t, planned[id], got, "%s: exactly the planned nodes, at their planned values", id)
	}
	actionsAfter := o.actionTimeouts(t)
	plannedActions := map[string]int{}
	for _, a := range plan.Actions {
		plannedActions[a.ID] = a.ToSeconds
	}
	require.NotEmpty(t, plannedActions)
	for id, secs := range actionsAfter {
		if to, ok := plannedActions[id]; ok {
			assert.Equal(t, to, secs, "action %s at its planned value", id)
		} else {
			assert.Equal(t, actionsBefore[id], secs, "action %s is not in the plan", id)
		}
	}
}

// writePlanFile writes a plan file with one field changed, for the bad
// input catalogue.
func writePlanFile(t *testing.T, p *orgpkg.Plan, change func(*orgpkg.Plan)) string {
	t.Helper()
	cp := *p
	change(&cp)
	b, err := json.Marshal(&cp)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}
