package examples_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
)

// published reads every flow's published configuration through the
// organisation's HTTP API.
func (o *org) published(t *testing.T) map[string]*flow.Document {
	t.Helper()
	out := map[string]*flow.Document{}
	for id, f := range o.state(t) {
		if f.Published == "" {
			continue
		}
		doc, err := o.c.Configuration(context.Background(), id, f.Published)
		require.NoError(t, err, id)
		out[id] = doc
	}
	return out
}

var raisedTotal = regexp.MustCompile(`flows: raised (\d+) Data Action\(s\)`)

// TestCountsUnder429s: a run without pacing, sixteen flows at once, against
// an organisation limited to 300 requests a minute, meets 429s and lost
// answers; the number of Data Actions its summary says it raised is the
// number whose published timeout moved, read back through the API, and
// no line says it raised none of a flow it published.
func TestCountsUnder429s(t *testing.T) {
	processTest(t)
	requests := filepath.Join(t.TempDir(), "requests.log")
	o := startOrg(t, 0, "-rpm", "300", "-requests", requests)
	before := o.published(t)
	r := o.run(t, nil, "raise", "-apply", "-publish", "-concurrency", "16", "-no-cache")
	log, err := os.ReadFile(requests)
	require.NoError(t, err)
	require.Contains(t, string(log), " 429", "the run met the rate limit: what this test is about")
	after := o.published(t)
	moved := 0
	for id, doc := range after {
		moved += len(flow.TimeoutChanges(before[id], doc))
	}
	assert.Positive(t, moved)
	assert.Equal(t, moved, count(raisedTotal, r.stdout), "the summary counts what was published:\n%s\n%s", r.stdout, r.stderr)
	assert.NotRegexp(t, `raised 0 Data Action\(s\) to \S+, published`, r.stdout)
	assertEachFlowCountedOnce(t, r.stdout)
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "published as version") {
			assert.NotContains(t, line, "not verified", line)
		}
	}
}

// TestApplyThenPublish: raise -apply checks in every change; raise -publish
// afterwards publishes each of those staged drafts as it is and counts them
// apart, leaves Jane Doe's lock (demo-flow-05) and another user's draft
// (demo-flow-08) alone, and an audit then finds no draft pending but
// demo-flow-08's. A second -apply in between writes nothing.
func TestApplyThenPublish(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0, "-operation-reads", "0") // staging and counting, not polling, are what this tests
	before := o.state(t)
	original := o.published(t)
	r := o.run(t, nil, "raise", "-apply", "-no-cache")
	require.Equal(t, 0, r.code, r.stderr)
	staged := count(raisedIn, r.stdout)
	nodes := count(raisedTotal, r.stdout)
	require.Positive(t, staged)
	mid := o.state(t)
	drafts := 0
	for _, f := range mid {
		if f.Draft {
			drafts++
		}
	}
	assert.Equal(t, staged+1, drafts, "ours checked in, and demo-flow-08's")
	assert.NotEmpty(t, o.draftPending(t), "the staged flows' callers still run the old timeouts, and audit says why")

	again := o.run(t, nil, "raise", "-apply", "-no-cache")
	require.Equal(t, 0, again.code, again.stderr)
	assert.Contains(t, again.stdout, fmt.Sprintf(", %d already staged (not published: -publish)", staged))
	assert.Equal(t, mid, o.state(t), "nothing written")

	pub := o.run(t, nil, "raise", "-publish", "-no-cache")
	require.Equal(t, 0, pub.code, pub.stderr)
	assert.Contains(t, pub.stdout, fmt.Sprintf("published %d staged draft(s) raising %d Data Action(s)", staged, nodes))
	assertEachFlowCountedOnce(t, pub.stdout)
	assertEachFlowCountedOnce(t, again.stdout)
	after := o.state(t)
	assertDemoKept(t, before, after)
	for id, f := range after {
		if id != "demo-flow-08" {
			assert.False(t, f.Draft, "%s: no draft of ours left pending", id)
		}
	}
	moved := 0
	for id, doc := range o.published(t) {
		moved += len(flow.TimeoutChanges(original[id], doc))
	}
	assert.Equal(t, nodes, moved, "what -apply staged is what is published")
	for _, line := range o.draftPending(t) {
		assert.Contains(t, line, "demo-flow-08", "only the other user's draft is pending")
	}
}

// draftPending lists the rows an audit gives the reason draft-pending.
func (o *org) draftPending(t *testing.T) []string {
	t.Helper()
	audit := o.run(t, nil, "audit", "-min", "5s", "-format", "csv", "-no-cache")
	require.Equal(t, 0, audit.code, audit.stderr)
	var rows []string
	for _, line := range strings.Split(audit.stdout, "\n") {
		if strings.Contains(line, ",draft-pending,") {
			rows = append(rows, line)
		}
	}
	return rows
}

var summaryLine = regexp.MustCompile(`(\d+) flows: (?:would raise|raised) \d+ Data Action\(s\) in (\d+)(?: \(and \d+ [^)]*\))?, (\d+) unchanged, (\d+) skipped \(locked or draft pending\), (\d+) failed(.*)`)
var otherCounts = regexp.MustCompile(`, (?:(?:would publish|published) (\d+) staged draft\(s\)[^,]*|(\d+) already staged \([^)]*\)|(\d+) written but not verified|(\d+) stopped)`)

// assertEachFlowCountedOnce checks that a raise's summary counts every flow
// it reports exactly once: raised, unchanged, skipped, failed, staged,
// written but not verified, or stopped add up to the flows it names.
func assertEachFlowCountedOnce(t *testing.T, stdout string) {
	t.Helper()
	m := summaryLine.FindStringSubmatch(stdout)
	require.NotNil(t, m, "no summary line in:\n%s", stdout)
	n := func(s string) int {
		v := 0
		_, _ = fmt.Sscan(s, &v)
		return v
	}
	sum := n(m[2]) + n(m[3]) + n(m[4]) + n(m[5])
	for _, o := range otherCounts.FindAllStringSubmatch(m[6], -1) {
		sum += n(o[1]) + n(o[2]) + n(o[3]) + n(o[4])
	}
	assert.Equal(t, n(m[1]), sum, "each flow counted once: %s", m[0])
}
