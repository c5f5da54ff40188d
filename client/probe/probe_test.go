package probe_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/probe"
)

// deviationRow is the one row each deviation of the fake must turn to
// "differs".
var deviationRow = map[clienttest.Deviation]string{
	clienttest.DeviatePublish202:              "publish-status",
	clienttest.DeviateCheckoutAgain409:        "checkout-by-holder",
	clienttest.DeviateRevertKeepsLock:         "revert-releases-lock",
	clienttest.DeviateCustomTimeoutRewritten:  "custom-timeout-bytes",
	clienttest.DeviateWrongSecret400:          "token-wrong-secret",
	clienttest.DeviateActionPatchKeepsVersion: "action-patch-version",
}

// deviationSays is what the row that differs must say it observed.
var deviationSays = map[clienttest.Deviation]string{
	clienttest.DeviatePublish202:              "202",
	clienttest.DeviateCheckoutAgain409:        "refused: 409 architect.flow.locked.by.user",
	clienttest.DeviateRevertKeepsLock:         "the lock stayed",
	clienttest.DeviateCustomTimeoutRewritten:  `stored as "PT0H0M7.000S", not "P0D0H0M7S0F"`,
	clienttest.DeviateWrongSecret400:          "400 invalid_client",
	clienttest.DeviateActionPatchKeepsVersion: "version 1, then 1",
}

// probeDemo runs Probe against the demo organisation with deviations, and
// checks what must hold whatever the verdicts: the scratch flow is gone,
// no lock is left, and every other flow's versions are as they were.
func probeDemo(t *testing.T, opts *probe.Options, dev ...clienttest.Deviation) (*probe.Report, *clienttest.Server) {
	t.Helper()
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1, Deviations: dev}, true)
	c := srv.Client(t)
	before := map[string][]clienttest.Version{}
	for _, id := range srv.FlowIDs() {
		before[id] = srv.Versions(id)
	}
	rep, err := probe.Run(context.Background(), c, opts)
	require.NoError(t, err)
	assert.True(t, rep.ScratchDeleted)
	assert.True(t, strings.HasPrefix(rep.ScratchFlowName, "gcflow-probe-"), rep.ScratchFlowName)
	for f, err := range c.Flows(context.Background(), nil) {
		require.NoError(t, err)
		assert.NotEqual(t, rep.ScratchFlowID, f.ID, "the scratch flow is not listed")
		assert.False(t, f.LockHolder() != "" && f.ID != "demo-flow-05", "no lock left on %s", f.ID)
	}
	for _, id := range srv.FlowIDs() {
		if id != rep.ScratchFlowID {
			assert.Equal(t, before[id], srv.Versions(id), "flow %s untouched", id)
		}
	}
	return rep, srv
}

// TestProbePlainFake: against the fake as modelled, every row is confirmed;
// without WriteAction no action is written and its PATCH row is absent.
func TestProbePlainFake(t *testing.T) {
	rep, srv := probeDemo(t, &probe.Options{WriteAction: true, FunctionActionID: "custom_-_0a1b2c3d-0014-4000-8000-000000000014"})
	require.Len(t, rep.Rows, 13)
	for _, r := range rep.Rows {
		assert.Equal(t, probe.Confirmed, r.Verdict, "%s: %s %s", r.Behaviour, r.Observed, r.Why)
		assert.Empty(t, r.FixIn, r.Behaviour)
		assert.NotEmpty(t, r.Modelled, r.Behaviour)
	}
	assert.Equal(t, 2, srv.Counters().ActionPatches, "WriteAction: one PATCH, the same config back, and one publish of the function, unchanged")
	assert.False(t, srv.HasActionDraft(rep.FunctionActionID), "no draft left")
	byName := map[string]probe.Row{}
	for _, r := range rep.Rows {
		byName[r.Behaviour] = r
	}
	assert.Equal(t, "save 1.0, check-in 1.0, save 2.0, publish 2.0", byName["version-numbering"].Observed)
	assert.Equal(t, "409 architect.flow.not.locked.by.user, 404 not.found", byName["error-codes"].Observed)
	assert.Equal(t, "401 invalid_client", byName["token-wrong-secret"].Observed)
	assert.Equal(t, "listed with its config (timeoutSeconds 3)", byName["action-list-config"].Observed)
	assert.Regexp(t, `^\d+ flows either way$`, byName["list-parameters"].Observed)
	assert.Equal(t, `category "Function Data Actions"; function.timeoutSeconds 3 at GET .../function`, byName["function-route"].Observed)
	assert.Equal(t, "draft version 1 published as made, the function unchanged", byName["function-draft"].Observed)
	require.NotEmpty(t, byName["publish-status"].Answers)
	assert.Equal(t, http.StatusOK, byName["publish-status"].Answers[0].Status)
	assert.Contains(t, byName["publish-status"].Answers[0].Request, "POST /api/v2/flows/actions/publish")
	assert.NotEmpty(t, byName["publish-status"].Answers[0].CorrelationID, "what Genesys support asks for")

	rep, srv = probeDemo(t, nil)
	assert.Len(t, rep.Rows, 11, "no PATCH or draft row without WriteAction")
	assert.Equal(t, 11, rep.Count(probe.Confirmed))
	assert.Zero(t, srv.Counters().ActionPatches, "no action written")

	rep, srv = probeDemo(t, &probe.Options{WriteAction: true})
	assert.Len(t, rep.Rows, 12, "no draft row when no function action is named")
	assert.Zero(t, srv.Counters().ActionDrafts, "no draft of an action the probe was not told to write")
	assert.Equal(t, 1, srv.Counters().ActionPatches, "the ordinary action's PATCH alone")
}

// TestProbeFunctionRouteDiffers: a named action that is no function action
// answers 404 at .../function: the row says the limit is not there; an
// action with somebody's draft is left, its draft row not checked.
func TestProbeFunctionRouteDiffers(t *testing.T) {
	rep, _ := probeDemo(t, &probe.Options{FunctionActionID: "custom_-_0a1b2c3d-0002-4000-8000-000000000002"})
	row := rowOf(t, rep, "function-route")
	assert.Equal(t, probe.Differs, row.Verdict)
	assert.Equal(t, "GET .../function answered 404: the function's limit is not there", row.Observed)
	assert.Equal(t, "client/dataaction/modelled.go: functionCategoryMark", row.FixIn)

	srv := clienttest.Start(t, nil, true)
	const fn = "custom_-_0a1b2c3d-0014-4000-8000-000000000014"
	require.NoError(t, srv.StartActionDraft(fn))
	rep, err := probe.Run(context.Background(), srv.Client(t), &probe.Options{WriteAction: true, FunctionActionID: fn})
	require.NoError(t, err)
	row = rowOf(t, rep, "function-draft")
	assert.Equal(t, probe.NotChecked, row.Verdict)
	assert.Equal(t, "the action has a draft already, somebody's work: left as it is", row.Why)
	assert.True(t, srv.HasActionDraft(fn), "somebody's draft is left")
}

func rowOf(t *testing.T, rep *probe.Report, behaviour string) probe.Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Behaviour == behaviour {
			return r
		}
	}
	t.Fatalf("no row %s", behaviour)
	return probe.Row{}
}

// TestProbeDeviations: each deviation turns its own row, and no other, to
// "differs", naming the place to change.
func TestProbeDeviations(t *testing.T) {
	for _, dev := range clienttest.Deviations() {
		t.Run(string(dev), func(t *testing.T) {
			rep, _ := probeDemo(t, &probe.Options{WriteAction: true}, dev)
			want := deviationRow[dev]
			require.NotEmpty(t, want)
			for _, r := range rep.Rows {
				if r.Behaviour == want {
					assert.Equal(t, probe.Differs, r.Verdict, "%s: %s", r.Behaviour, r.Observed)
					assert.NotEmpty(t, r.FixIn)
					assert.Contains(t, r.Observed, deviationSays[dev])
					if dev == clienttest.DeviateCustomTimeoutRewritten {
						assert.Contains(t, r.Diff, `-                "text": "P0D0H0M7S0F",`)
						assert.Contains(t, r.Diff, `+                "text": "PT0H0M7.000S",`)
						assert.Contains(t, r.FixIn, "flow/edit.go")
					}
					continue
				}
				assert.Equal(t, probe.Confirmed, r.Verdict, "%s: %s %s", r.Behaviour, r.Observed, r.Why)
			}
		})
	}
}

// TestProbeCannotCheck: what the probe cannot settle (a save refused for
// want of permission) is "could not check", with why, never "differs";
// the steps after it are not reached; the scratch flow is still deleted.
func TestProbeCannotCheck(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	c := srv.Client(t)
	scratch := ""
	srv.Before("POST", "/api/v2/flows/actions/checkin?flow=flow-000001", func(o *clienttest.Org) {
		o.FailNext("POST", "/api/v2/flows/flow-000001/versions", 1, 403) // the next save: the custom timeout's
	})
	rep, err := probe.Run(context.Background(), c, &probe.Options{OnScratch: func(id, _ string) { scratch = id }})
	require.NoError(t, err)
	require.Equal(t, "flow-000001", scratch)
	assert.True(t, rep.ScratchDeleted)
	got := map[string]probe.Row{}
	for _, r := range rep.Rows {
		got[r.Behaviour] = r
	}
	custom := got["custom-timeout-bytes"]
	assert.Equal(t, probe.NotChecked, custom.Verdict)
	assert.Contains(t, custom.Why, "the save failed: ")
	assert.Contains(t, custom.Why, "403")
	assert.Empty(t, custom.FixIn)
	assert.Equal(t, probe.NotChecked, got["publish-status"].Verdict)
	assert.Equal(t, "not reached", got["revert-releases-lock"].Why)
	assert.Equal(t, probe.Confirmed, got["checkout-by-holder"].Verdict, "settled before the failure")
	assert.Equal(t, probe.Confirmed, got["token-wrong-secret"].Verdict, "the checks that need no scratch flow still run")
	assert.Zero(t, rep.Count(probe.Differs))
}
