package examples_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/probe"
)

// probeOutcome runs probe -sandbox -write-action -format json against o and
// checks, through the organisation's API, that the scratch flow is gone
// and nothing else changed.
func probeOutcome(t *testing.T, o *org, dev clienttest.Deviation) (result, probe.Report) {
	t.Helper()
	before := o.state(t)
	// the action the probe picks (the first listed) and another
	demoActions := []string{"custom_-_0a1b2c3d-0001-4000-8000-000000000001", "custom_-_0a1b2c3d-0002-4000-8000-000000000002"}
	actions := actionVersions(t, o, demoActions...)
	r := o.run(t, nil, "probe", "-sandbox", "-write-action", "-function-action", demoFunction, "-format", "json")
	var rep probe.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	after := o.state(t) // 40 flows: the scratch flow is not listed
	assert.Equal(t, before, after, "no flow but the scratch one changed, and no lock is left")
	assert.True(t, rep.ScratchDeleted)
	_, err := o.c.Flow(context.Background(), rep.ScratchFlowID)
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 410, ae.Status, "the scratch flow is deleted")
	got := actionVersions(t, o, demoActions...)
	for id, v := range actions {
		want := v
		if id == rep.ActionID && dev != clienttest.DeviateActionPatchKeepsVersion {
			want = v + 1 // -write-action: the same config back, one PATCH
		}
		assert.Equal(t, want, got[id], "action %s", id)
	}
	// -write-action published the function action's draft, its function
	// unchanged, and left no draft.
	const fn = demoFunction
	assert.Equal(t, fn, rep.FunctionActionID)
	f, err := dataaction.GetFunction(context.Background(), o.c, fn)
	require.NoError(t, err)
	assert.Equal(t, 3, f.TimeoutSeconds)
	err = o.c.Do(context.Background(), &client.Request{Method: http.MethodGet, Path: "/api/v2/integrations/actions/" + fn + "/draft"}, nil)
	assert.ErrorIs(t, err, client.ErrNotFound, "no draft left")
	return r, rep
}

// demoFunction is the demo's function action.
const demoFunction = "custom_-_0a1b2c3d-0014-4000-8000-000000000014"

// actionVersions reads the versions of the actions ids through the API.
func actionVersions(t *testing.T, o *org, ids ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, id := range ids {
		a, err := dataaction.Get(context.Background(), o.c, id)
		require.NoError(t, err)
		out[id] = a.Version
	}
	return out
}

// TestProbeCommand: against plain fakeorg every row is confirmed (exit 0);
// against fakeorg -deviate NAME exactly that row differs (exit 3) and names
// the place to change; without -sandbox nothing is done (exit 2).
func TestProbeCommand(t *testing.T) {
	processTest(t)
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		o := startOrg(t, 0)
		r := o.run(t, nil, "probe")
		assert.Equal(t, 2, r.code)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
		assert.Contains(t, r.stderr, "probe: -sandbox is required: the probe creates one scratch workflow (gcflow-probe-<timestamp>)")
		before := o.state(t)
		bad := o.run(t, nil, "probe", "-sandbox", "-action", "custom_-_no-such-action")
		assert.Equal(t, 1, bad.code)
		assert.Equal(t, 1, strings.Count(bad.stderr, "\n"), bad.stderr)
		assert.Contains(t, bad.stderr, "probe: data action custom_-_no-such-action: client: GET /api/v2/integrations/actions/custom_-_no-such-action: 404")
		assert.Contains(t, bad.stderr, "not found")
		assert.Empty(t, bad.stdout)
		bad = o.run(t, nil, "probe", "-sandbox", "-format", "yaml")
		assert.Equal(t, 2, bad.code)
		assert.Equal(t, "probe: -format yaml: not text or json\n", bad.stderr)
		assert.Equal(t, before, o.state(t), "a bad -action creates no scratch flow")
		r, rep := probeOutcome(t, o, "")
		assert.Equal(t, 0, r.code, r.stderr)
		require.Len(t, rep.Rows, 13)
		for _, row := range rep.Rows {
			assert.Equal(t, probe.Confirmed, row.Verdict, "%s: %s %s", row.Behaviour, row.Observed, row.Why)
		}
		text := o.run(t, nil, "probe", "-sandbox")
		assert.Equal(t, 0, text.code, text.stderr)
		assert.Contains(t, text.stdout, "11 confirmed, 0 differ, 0 could not be checked")
		assert.Regexp(t, `(?m)^publish-status +confirmed +200 `, text.stdout)
	})
	for _, dev := range clienttest.Deviations() {
		t.Run(string(dev), func(t *testing.T) {
			t.Parallel()
			o := startOrg(t, 0, "-deviate", string(dev))
			r, rep := probeOutcome(t, o, dev)
			assert.Equal(t, 3, r.code, r.stderr)
			var differ []string
			for _, row := range rep.Rows {
				if row.Verdict != probe.Confirmed {
					differ = append(differ, row.Behaviour+" "+string(row.Verdict))
				}
			}
			require.Len(t, differ, 1, "exactly one row differs")
			text := o.run(t, nil, "probe", "-sandbox", "-write-action", "-function-action", demoFunction)
			assert.Equal(t, 3, text.code)
			assert.Contains(t, text.stdout, "12 confirmed, 1 differ, 0 could not be checked")
			assert.Regexp(t, `(?m)^\S+ differs: change \S+`, text.stdout)
		})
	}
}

var regexpScratch = regexp.MustCompile(`created the scratch flow (\S+) `)

// TestProbeSIGTERM: SIGTERM while the probe works still deletes the scratch
// flow, and the run says it stopped.
func TestProbeSIGTERM(t *testing.T) {
	processTest(t)
	requests := filepath.Join(t.TempDir(), "requests.log")
	o := startOrg(t, 150*time.Millisecond, "-requests", requests)
	before := o.state(t)
	p := o.start(t, nil, "probe", "-sandbox")
	p.waitStderr(t, "created the scratch flow")
	// A few requests into the checks: once the organisation has answered
	// the probe's first check-out (its request log says so).
	waitFile(t, requests, "POST /api/v2/flows/actions/checkout 200")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	r := p.wait(t)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.False(t, r.signaled, "it exits by itself")
	assert.Contains(t, r.stderr, "stopping")
	assert.Contains(t, r.stdout, ": deleted;", r.stdout)
	assert.Contains(t, r.stdout, "could not check  stopped before it was settled (context canceled)", "stopped mid-run")
	assert.Equal(t, before, o.state(t), "the scratch flow is gone, nothing else changed, no lock left")
	m := regexpScratch.FindStringSubmatch(r.stderr)
	require.NotNil(t, m, r.stderr)
	_, err := o.c.Flow(context.Background(), m[1])
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 410, ae.Status)
}

// TestTwoProbesAtOnce: two probes started together (two CI jobs, one
// sandbox) each make and delete their own scratch flow; both confirm every
// row, and nothing is left. (Found by running two at once: named by the
// second alone, the scratch flows met on one name and the second probe
// failed.)
func TestTwoProbesAtOnce(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	before := o.state(t)
	a := o.start(t, nil, "probe", "-sandbox")
	b := o.start(t, nil, "probe", "-sandbox")
	var names []string
	for _, p := range []*proc{a, b} {
		r := p.wait(t)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "11 confirmed, 0 differ, 0 could not be checked")
		assert.NotContains(t, r.stderr, "probe: probe:", "the command's prefix once")
		m := regexpScratch.FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		names = append(names, m[1])
	}
	assert.NotEqual(t, names[0], names[1], "each its own scratch flow")
	assert.Equal(t, before, o.state(t), "both scratch flows gone, nothing else changed")
}
