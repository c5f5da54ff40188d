package flow_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden raises the project's own documents and compares the results
// byte for byte with golden files that were read and checked by hand.
func TestGolden(t *testing.T) {
	cases := []struct {
		suffix string
		opts   *flow.RaiseOptions
	}{
		{"raise-5s", nil},
		{"raise-5s-override-http", &flow.RaiseOptions{OverrideSuggested: true, IncludeHTTP: true}},
	}
	for name, data := range ownFixtures(t) {
		for _, tc := range cases {
			t.Run(name+"/"+tc.suffix, func(t *testing.T) {
				d, err := flow.Parse(data)
				require.NoError(t, err)
				changes, err := d.RaiseTimeouts(5*time.Second, tc.opts)
				require.NoError(t, err)
				require.NotEmpty(t, changes)
				out := d.Bytes()
				assertOnlyTimeoutsChanged(t, data, out)
				assertChangesExplainDiff(t, d.Shape(), data, out, changes)

				golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".json")+"."+tc.suffix+".golden")
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
					require.NoError(t, os.WriteFile(golden, out, 0o644))
				}
				assert.Equal(t, string(readFile(t, golden)), string(out))

				again, err := d.RaiseTimeouts(5*time.Second, tc.opts)
				require.NoError(t, err)
				assert.Empty(t, again, "a second run changes nothing")
				assert.Equal(t, out, d.Bytes())
			})
		}
	}
}

func TestRaiseArchitectRules(t *testing.T) {
	data := readFile(t, "testdata/architect-mixed.json")
	raised := func(t *testing.T, opts *flow.RaiseOptions) map[string]flow.Change {
		d, err := flow.Parse(data)
		require.NoError(t, err)
		changes, err := d.RaiseTimeouts(5*time.Second, opts)
		require.NoError(t, err)
		out := map[string]flow.Change{}
		for _, c := range changes {
			out[c.Node.ID] = c
		}
		return out
	}
	plain := raised(t, nil)
	assert.ElementsMatch(t, []string{"da-short", "da-call", "da-menu"}, keys(plain),
		"below 5s: literals only; suggested, expression, unset and 90 s left alone")
	assert.Equal(t, 3*time.Second, plain["da-short"].From)

	override := raised(t, &flow.RaiseOptions{OverrideSuggested: true})
	assert.ElementsMatch(t, []string{"da-short", "da-suggested", "da-call", "da-menu"}, keys(override))
	assert.Equal(t, time.Minute, override["da-suggested"].From, "a suggested node counts as below min")

	filtered := raised(t, &flow.RaiseOptions{OverrideSuggested: true, Filter: func(n flow.Node) bool { return n.ActionID != "custom_-_bbbb" && n.ID != "da-menu" }})
	assert.ElementsMatch(t, []string{"da-short", "da-call"}, keys(filtered))
}

func keys(m map[string]flow.Change) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSetTimeouts(t *testing.T) {
	data := readFile(t, "testdata/architect-mixed.json")
	d, err := flow.Parse(data)
	require.NoError(t, err)
	changes, err := d.SetTimeouts(
		flow.Edit{NodeID: "da-long", Timeout: 20 * time.Second},
		flow.Edit{NodeID: "da-suggested", Timeout: 8 * time.Second},
		flow.Edit{NodeID: "da-long", Timeout: 20 * time.Second},
	)
	require.NoError(t, err)
	require.Len(t, changes, 2, "changes in document order, a repeated edit once")
	assert.Equal(t, "da-suggested", changes[0].Node.ID)
	assert.Equal(t, "da-long", changes[1].Node.ID)
	assert.Equal(t, 90*time.Second, changes[1].From)
	out := d.Bytes()
	assertOnlyTimeoutsChanged(t, data, out)
	assertChangesExplainDiff(t, flow.ShapeArchitect, data, out, changes)
	assert.Contains(t, string(out), `"useSuggestedTimeout" : false,`)
	assert.Contains(t, string(out), `"text" : "P0D0H0M8S0F", "type" : "dur", "outOfService" : false, "version" : 2 }`)

	// Setting what is already there changes nothing, even written unnormalised.
	d2, err := flow.Parse(data)
	require.NoError(t, err)
	changes, err = d2.SetTimeouts(flow.Edit{NodeID: "da-long", Timeout: 90 * time.Second}, flow.Edit{NodeID: "da-short", Timeout: 3 * time.Second})
	require.NoError(t, err)
	assert.Empty(t, changes)
	assert.Equal(t, data, d2.Bytes())

	// One splice for many edits: later nodes' offsets follow earlier edits.
	d3, err := flow.Parse(data)
	require.NoError(t, err)
	_, err = d3.SetTimeouts(flow.Edit{NodeID: "da-short", Timeout: 12345 * time.Millisecond})
	require.NoError(t, err)
	changes, err = d3.SetTimeouts(flow.Edit{NodeID: "da-menu", Timeout: 7 * time.Second}, flow.Edit{NodeID: "da-call", Timeout: 11 * time.Second})
	require.NoError(t, err)
	require.Len(t, changes, 2)
	byID := map[string]time.Duration{}
	for _, n := range d3.DataActions() {
		byID[n.ID] = n.Timeout
	}
	assert.Equal(t, 12345*time.Millisecond, byID["da-short"])
	assert.Equal(t, 11*time.Second, byID["da-call"])
	assert.Equal(t, 7*time.Second, byID["da-menu"])
	assert.Contains(t, string(d3.Bytes()), `"P0D0H0M12S345F"`)
}

func TestTutorialCases(t *testing.T) {
	for _, tc := range []struct {
		name, node, want string
		opts             *flow.RaiseOptions
		changed          int
	}{
		{"literal below", `{"type":"DataAction","settings":{"timeout":3000,"retries":1}}`, `{"type":"DataAction","settings":{"timeout":5000,"retries":1}}`, nil, 1},
		{"literal above", `{"type":"DataAction","settings":{"timeout":8000}}`, `{"type":"DataAction","settings":{"timeout":8000}}`, nil, 0},
		{"lower case type", `{"type":"dataaction","settings":{"timeout":1}}`, `{"type":"dataaction","settings":{"timeout":5000}}`, nil, 1},
		{"camel case type", `{"type":"dataAction","settings":{"timeout":1}}`, `{"type":"dataAction","settings":{"timeout":5000}}`, nil, 1},
		{"zero", `{"type":"DataAction","settings":{"timeout":0}}`, `{"type":"DataAction","settings":{"timeout":5000}}`, nil, 1},
		{"zero spelled -0", `{"type":"DataAction","settings":{"timeout":-0}}`, `{"type":"DataAction","settings":{"timeout":5000}}`, nil, 1},
		{"missing timeout", `{"type":"DataAction","settings":{"retries":1}}`, `{"type":"DataAction","settings":{"retries":1,"timeout":5000}}`, nil, 1},
		{"missing timeout, spaced", "{ \"type\" : \"DataAction\" , \"settings\" : { \"retries\" : 1\n } }", "{ \"type\" : \"DataAction\" , \"settings\" : { \"retries\" : 1,\"timeout\":5000\n } }", nil, 1},
		{"empty settings", `{"type":"DataAction","settings":{}}`, `{"type":"DataAction","settings":{"timeout":5000}}`, nil, 1},
		{"missing settings", `{"type":"DataAction","name":"x"}`, `{"type":"DataAction","name":"x","settings":{"timeout":5000}}`, nil, 1},
		{"missing settings, spaced", "{\"type\":\"DataAction\" }", "{\"type\":\"DataAction\",\"settings\":{\"timeout\":5000} }", nil, 1},
		{"HTTP not asked for", `{"type":"HTTP","settings":{"timeout":2000}}`, `{"type":"HTTP","settings":{"timeout":2000}}`, nil, 0},
		{"HTTP asked for", `{"type":"HTTP","settings":{"timeout":2000}}`, `{"type":"HTTP","settings":{"timeout":5000}}`, &flow.RaiseOptions{IncludeHTTP: true}, 1},
		{"http lower case", `{"type":"http","settings":{}}`, `{"type":"http","settings":{"timeout":5000}}`, &flow.RaiseOptions{IncludeHTTP: true}, 1},
		{"other node", `{"type":"PlayAudio","settings":{"timeout":1}}`, `{"type":"PlayAudio","settings":{"timeout":1}}`, &flow.RaiseOptions{IncludeHTTP: true}, 0},
		{"filtered out", `{"type":"DataAction","settings":{"timeout":1}}`, `{"type":"DataAction","settings":{"timeout":1}}`, &flow.RaiseOptions{Filter: func(flow.Node) bool { return false }}, 0},
		{"big number spelling kept elsewhere", `{"type":"DataAction","retries":1.0E+2,"settings":{"timeout":4999}}`, `{"type":"DataAction","retries":1.0E+2,"settings":{"timeout":5000}}`, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wrap := func(node string) []byte {
				return []byte(`{"id":"f","flowVersion":{"id":"v","nodes":{"n1":` + node + `, "other":{"type":"Menu"}}},"tail":[1.50, "\u00e9"]}`)
			}
			in := wrap(tc.node)
			d, err := flow.Parse(in)
			require.NoError(t, err)
			changes, err := d.RaiseTimeouts(5*time.Second, tc.opts)
			require.NoError(t, err)
			assert.Len(t, changes, tc.changed)
			assert.Equal(t, string(wrap(tc.want)), string(d.Bytes()))
			assertOnlyTimeoutsChanged(t, in, d.Bytes())
			if tc.changed == 0 {
				assert.Equal(t, in, d.Bytes())
			}
		})
	}
}

// TestKeysAreData edits nodes whose ids hold characters that gjson and sjson
// paths treat specially, next to decoys those paths would match instead.
func TestKeysAreData(t *testing.T) {
	data := readFile(t, "testdata/tutorial-mixed.json")
	for _, id := range []string{"a.b", "*", "?", "#x", "@y", "p|q", `say "hi"`, `back\slash`, ":colon", "über-é", "nöde-日本"} {
		t.Run(id, func(t *testing.T) {
			d, err := flow.Parse(data)
			require.NoError(t, err)
			changes, err := d.SetTimeouts(flow.Edit{NodeID: id, Timeout: 7 * time.Second})
			require.NoError(t, err)
			require.Len(t, changes, 1)
			assert.Equal(t, id, changes[0].Node.ID)
			assertOnlyTimeoutsChanged(t, data, d.Bytes())
			assertChangesExplainDiff(t, flow.ShapeTutorial, data, d.Bytes(), changes)
			assert.Equal(t, 1, bytes.Count(d.Bytes(), []byte(`"timeout":7000`)), "exactly one node changed")
		})
	}

	// The same in the Architect shape, where ids are values, not keys.
	arch := []byte(`{"flowSequenceItemList":[{"actionList":[` +
		`{"__type":"DataAction","id":"*","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}},"text":"P0D0H0M1S0F"}},` +
		`{"__type":"DataAction","id":"a.b","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}},"text":"P0D0H0M1S0F"}},` +
		`{"__type":"DataAction","id":"decoy","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}},"text":"P0D0H0M1S0F"}}]}],` +
		`"a":{"b":{"timeout":1}}}`)
	for _, id := range []string{"*", "a.b"} {
		d, err := flow.Parse(arch)
		require.NoError(t, err)
		changes, err := d.SetTimeouts(flow.Edit{NodeID: id, Timeout: 7 * time.Second})
		require.NoError(t, err)
		require.Len(t, changes, 1)
		assert.Equal(t, 2, bytes.Count(d.Bytes(), []byte(`"P0D0H0M7S0F"`)), id)
		assertOnlyTimeoutsChanged(t, arch, d.Bytes())
		assertChangesExplainDiff(t, flow.ShapeArchitect, arch, d.Bytes(), changes)
	}
}

func TestTimeoutChangesAndOverwrite(t *testing.T) {
	data := readFile(t, "testdata/architect-mixed.json")
	d, err := flow.Parse(data)
	require.NoError(t, err)
	raised, err := flow.Parse(data)
	require.NoError(t, err)
	_, err = raised.RaiseTimeouts(5*time.Second, &flow.RaiseOptions{OverrideSuggested: true})
	require.NoError(t, err)

	raisedBytes := string(raised.Bytes())
	compared := flow.TimeoutChanges(raised, d)
	assert.Len(t, compared, 4, "back from 5 s to the original timeouts")
	assert.Equal(t, raisedBytes, string(raised.Bytes()), "comparing changes neither document")
	assert.Equal(t, string(data), string(d.Bytes()))

	changes := raised.Overwrite(d)
	assert.Equal(t, compared, changes)
	assert.Equal(t, data, raised.Bytes())
	assert.Equal(t, d.Nodes(), raised.Nodes())
	for _, c := range changes {
		assert.Equal(t, 5*time.Second, c.From)
	}

	spaced, err := flow.Parse(append([]byte(" "), data...))
	require.NoError(t, err)
	assert.Empty(t, raised.Overwrite(spaced), "bytes changed, no timeout did")
	assert.Equal(t, " "+string(data), string(raised.Bytes()))
}

func TestSetTimeoutsReplaceExpression(t *testing.T) {
	data := readFile(t, "testdata/architect-mixed.json")
	d, err := flow.Parse(data)
	require.NoError(t, err)
	changes, err := d.SetTimeouts(
		flow.Edit{NodeID: "da-expr", Timeout: 7 * time.Second, ReplaceExpression: true},
		flow.Edit{NodeID: "da-empty", Timeout: 8 * time.Second, ReplaceExpression: true},
		flow.Edit{NodeID: "da-short", Timeout: 9 * time.Second},
	)
	require.NoError(t, err)
	require.Len(t, changes, 3)
	want := strings.NewReplacer(
		`"timeout":{"config":{"ref":{"name":"Flow.waitFor"}},"text":"Flow.waitFor","type":"dur"}`,
		`"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M7S0F","type":"dur"}},"text":"P0D0H0M7S0F","type":"dur"}`,
		`"timeout":{"config":{"emp":{}},"type":"dur"}`,
		`"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M8S0F","type":"dur"}},"type":"dur"}`,
		`"P0D0H0M3S0F"`, `"P0D0H0M9S0F"`,
	).Replace(string(data))
	assert.Equal(t, want, string(d.Bytes()), "the expressions became literals, nothing else changed")
	got := map[string]flow.Node{}
	for _, n := range d.DataActions() {
		got[n.ID] = n
	}
	assert.Equal(t, flow.TimeoutLiteral, got["da-expr"].TimeoutKind)
	assert.Equal(t, 7*time.Second, got["da-expr"].Timeout)
	assert.Equal(t, 8*time.Second, got["da-empty"].Timeout)
	assert.Equal(t, 9*time.Second, got["da-short"].Timeout)
	assert.Equal(t, 90*time.Second, got["da-long"].Timeout, "the node after the replacements reads as before")

	again, err := d.SetTimeouts(flow.Edit{NodeID: "da-expr", Timeout: 7 * time.Second, ReplaceExpression: true})
	require.NoError(t, err)
	assert.Empty(t, again, "now a literal: nothing to change")

	d2, err := flow.Parse([]byte(arch(`{"__type":"DataAction","id":"bare"}`)))
	require.NoError(t, err)
	_, err = d2.SetTimeouts(flow.Edit{NodeID: "bare", Timeout: time.Second, ReplaceExpression: true})
	require.ErrorIs(t, err, flow.ErrInvalidTimeout)
	assert.ErrorContains(t, err, "no timeout expression to replace")
}

// TestRaiseFailsOnlyOnNodesItWouldEdit: a node that uses the suggested
// timeout, whose timeout text was anonymised to a word (seen in real
// configurations), does not fail a call that leaves such nodes alone; it
// fails a call that would override it.
func TestRaiseFailsOnlyOnNodesItWouldEdit(t *testing.T) {
	doc := `{"flowSequenceItemList":[{"__type":"Task","actionList":[` +
		`{"__type":"DataAction","id":"anon","useSuggestedTimeout":true,"timeout":{"config":{"lit":{"text":"REDACTED"}},"text":"REDACTED"}},` +
		`{"__type":"DataAction","id":"short","useSuggestedTimeout":false,"timeout":{"config":{"lit":{"text":"P0D0H0M2S0F"}},"text":"P0D0H0M2S0F"}}]}]}`
	d, err := flow.Parse([]byte(doc))
	require.NoError(t, err)
	require.Error(t, d.DataActions()[0].Err, "the anonymised node cannot be read")

	changes, err := d.RaiseTimeouts(5*time.Second, nil)
	require.NoError(t, err, "the default call does not consider suggested-timeout nodes")
	require.Len(t, changes, 1)
	assert.Equal(t, "short", changes[0].Node.ID)

	d, err = flow.Parse([]byte(doc))
	require.NoError(t, err)
	_, err = d.RaiseTimeouts(5*time.Second, &flow.RaiseOptions{OverrideSuggested: true})
	require.ErrorIs(t, err, flow.ErrInvalidTimeout, "overriding would edit it")
	assert.Contains(t, err.Error(), `node "anon"`)
	assert.Equal(t, doc, string(d.Bytes()), "all or nothing")
}
