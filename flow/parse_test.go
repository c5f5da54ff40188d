package flow_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
)

// realDataActions lists every Data Action of the real fixtures, read from
// them with Python's json module when the fixtures were added.
var realDataActions = map[string][]struct{ id, name, actionID, pointer string }{
	"blacklist.i3workflow.json": {
		{"46655a49-0158-49e9-be32-2c0573a4cc1b", "Call Data Action", "custom_-_bda8a575-8639-4e86-990d-34fbbf997e0e", "/flowSequenceItemList/0/actionList/3"},
	},
	"call-park-call-park-agent-inbound-flow.i3inboundflow.json": nil,
	"call-park-default-in-queue-flow.i3inqueueflow.json":        nil,
	"call-park-inqueue-orbit-call-park-hold.i3inqueueflow.json": nil,
	"call-park-orbit-parked-call-retrieval.i3inboundflow.json": {
		{"4653d67a-7657-46f7-b1d2-792cc15f251c", "Call Data Action", "custom_-_28ff3a00-2825-4b84-a20b-0e3c907c2176", "/flowSequenceItemList/0/actionList/1"},
		{"19574725-650c-4b05-a6bb-09d414c5d990", "Call Data Action", "custom_-_6c680767-5524-485d-8ad7-928eeb55078a", "/flowSequenceItemList/0/actionList/2"},
	},
	"offer-callback-send-sms-to-schedule-callback.i3workflow.json": {
		{"8dd4cdb9-7cdd-42a8-8dfe-d8570186e954", "Call Data Action", "custom_-_3de8a700-ca61-4aef-85d8-ad3d1d98fc2e", "/flowSequenceItemList/0/actionList/2"},
	},
	"offer-callback-sms-schedule-callback.i3inboundmessage.json": {
		{"64eaf12b-c3c8-4142-98b1-56f9e790bb24", "Call Data Action", "custom_-_574709da-88be-41af-bf20-47580c6212ff", "/flowSequenceItemList/0/actionList/5"},
	},
	"proactive-callback-v1-0.i3outboundflow.json": {
		{"05930d6f-8163-49d4-8740-decbc4cf7def", "Call Data Action", "custom_-_551ed16a-dfdf-411e-9822-75a0453c5e9d", "/flowSequenceItemList/0/actionList/2"},
		{"f2d116ff-0922-4fe1-a71e-b7262b5da7f2", "Call Data Action", "custom_-_551ed16a-dfdf-411e-9822-75a0453c5e9d", "/flowSequenceItemList/1/actionList/0"},
	},
	"proactive-callback-v1-0.i3workflow.json": {
		{"2e6ef05f-479c-410f-a176-2ce876c5cf5f", "Push call into agentless campaign", "custom_-_a8a30eab-b4b0-46b0-b028-b08ca4c51eaf", "/flowSequenceItemList/0/actionList/4"},
		{"f3be7d47-0661-48e3-909c-516f35d19f9a", "Call Data Action", "custom_-_4fa0dc16-da70-4f1c-9547-05bf9c8b24b1", "/flowSequenceItemList/0/actionList/6"},
		{"f71ae41f-0d26-4c6a-9c35-9d5ed8a7f33e", "Call Data Action", "custom_-_1f391db7-1fc4-47d8-b0fd-8aff5afc74f4", "/flowSequenceItemList/0/actionList/7"},
	},
	"proactive-callbacks-v1-0.i3inqueueflow.json": {
		{"0b90949b-9c22-4eed-bd41-f9906aba67bb", "Call Data Action", "custom_-_609dee23-9b44-4baf-b3c4-50ddba47e7cc", "/flowSequenceItemList/0/actionList/3"},
	},
	"trigger-proactive-callback-workflow-v1-0.i3inboundflow.json": {
		{"10673380-c40d-460c-b660-604a4a1e6dfa", "Send to virtual hold flow", "custom_-_5fc2188c-9f5f-4948-8409-44c71578d092", "/flowSequenceItemList/0/actionList/0"},
	},
}

func TestRealFixturesDataActions(t *testing.T) {
	docs := realFixtures(t)
	require.Len(t, docs, len(realDataActions), "the fixture folder holds the eleven documents of its README")
	total := 0
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			want, known := realDataActions[name]
			require.True(t, known, "unexpected fixture %s", name)
			d, err := flow.Parse(data)
			require.NoError(t, err)
			assert.Equal(t, flow.ShapeArchitect, d.Shape())
			got := d.DataActions()
			require.Len(t, got, len(want))
			for i, n := range got {
				assert.Equal(t, want[i].id, n.ID)
				assert.Equal(t, want[i].name, n.Name)
				assert.Equal(t, want[i].actionID, n.ActionID)
				assert.Equal(t, want[i].pointer, n.Pointer)
				assert.Equal(t, "DataAction", n.Type)
				assert.NotEmpty(t, n.ActionName)
				assert.Equal(t, flow.TimeoutLiteral, n.TimeoutKind)
				assert.Equal(t, time.Minute, n.Timeout)
				assert.Equal(t, "P0D0H1M0S0F", n.TimeoutText)
				assert.True(t, n.UseSuggested)
				assert.NoError(t, n.Err)
			}
			total += len(got)
		})
	}
	assert.Equal(t, 12, total)
	d, err := flow.Parse(docs["blacklist.i3workflow.json"])
	require.NoError(t, err)
	assert.Equal(t, "Disconnect interaction", d.DataActions()[0].ActionName)
}

func TestRealFixturesRaise(t *testing.T) {
	for name, data := range realFixtures(t) {
		t.Run(name, func(t *testing.T) {
			d, err := flow.Parse(data)
			require.NoError(t, err)

			// Every real node uses the suggested timeout: nothing to raise.
			changes, err := d.RaiseTimeouts(90*time.Second, nil)
			require.NoError(t, err)
			assert.Empty(t, changes)
			assert.Equal(t, data, d.Bytes(), "a run that changes nothing returns the input bytes")

			changes, err = d.RaiseTimeouts(5*time.Second, &flow.RaiseOptions{OverrideSuggested: true})
			require.NoError(t, err)
			require.Len(t, changes, len(realDataActions[name]))
			for _, c := range changes {
				assert.Equal(t, time.Minute, c.From)
				assert.Equal(t, 5*time.Second, c.To)
				assert.True(t, c.Node.UseSuggested)
			}
			out := d.Bytes()
			assertOnlyTimeoutsChanged(t, data, out)
			assertChangesExplainDiff(t, flow.ShapeArchitect, data, out, changes)
			assert.Equal(t, bytes.Count(data, []byte("P0D0H0M40S0F")), bytes.Count(out, []byte("P0D0H0M40S0F")),
				"the call-park timeouts of other actions are never touched")
			assert.Equal(t, string(sjsonEdits(t, data, changes)), string(out), "the same edit made with sjson, one call at a time")
			for _, n := range d.DataActions() {
				assert.Equal(t, 5*time.Second, n.Timeout)
				assert.False(t, n.UseSuggested)
			}

			again, err := d.RaiseTimeouts(5*time.Second, &flow.RaiseOptions{OverrideSuggested: true})
			require.NoError(t, err)
			assert.Empty(t, again, "a second run changes nothing")
			assert.Equal(t, out, d.Bytes())
		})
	}
}

func TestShapes(t *testing.T) {
	for name, data := range ownFixtures(t) {
		d, err := flow.Parse(data)
		require.NoError(t, err, name)
		want := flow.ShapeArchitect
		if strings.HasPrefix(name, "tutorial") {
			want = flow.ShapeTutorial
		}
		assert.Equal(t, want, d.Shape(), name)
	}
	assert.Equal(t, "architect", flow.ShapeArchitect.String())
	assert.Equal(t, "tutorial", flow.ShapeTutorial.String())
}

func TestArchitectMixed(t *testing.T) {
	d := mustParse(t, "testdata/architect-mixed.json")
	type row struct {
		id, typ   string
		kind      flow.TimeoutKind
		timeout   time.Duration
		suggested bool
		pointer   string
	}
	var got []row
	for _, n := range d.DataActions() {
		require.NoError(t, n.Err, n.ID)
		got = append(got, row{n.ID, n.Type, n.TimeoutKind, n.Timeout, n.UseSuggested, n.Pointer})
	}
	assert.Equal(t, []row{
		{"da-short", "DataAction", flow.TimeoutLiteral, 3 * time.Second, false, "/flowSequenceItemList/0/actionList/0"},
		{"da-suggested", "DataAction", flow.TimeoutLiteral, time.Minute, true, "/flowSequenceItemList/0/actionList/1"},
		{"da-expr", "DataAction", flow.TimeoutExpression, 0, false, "/flowSequenceItemList/0/actionList/2"},
		{"da-long", "DataAction", flow.TimeoutLiteral, 90 * time.Second, false, "/flowSequenceItemList/0/actionList/3"},
		{"da-call", "CallDataAction", flow.TimeoutLiteral, 1500 * time.Millisecond, false, "/flowSequenceItemList/0/actionList/4"},
		{"da-empty", "DataAction", flow.TimeoutUnset, 0, false, "/flowSequenceItemList/0/actionList/5"},
		{"da-menu", "DataAction", flow.TimeoutLiteral, 2 * time.Second, false, "/flowSequenceItemList/1/menuChoiceList/0/action"},
	}, got, "defaultSettings.DataAction and the Transfer's timeout are not nodes")
	assert.Equal(t, "Payment \"check\"", d.DataActions()[1].Name, "names are unescaped")
	assert.Equal(t, "Flow.waitFor", d.DataActions()[2].TimeoutText)
}

func mustParse(tb testing.TB, path string) *flow.Document {
	tb.Helper()
	d, err := flow.Parse(readFile(tb, path))
	require.NoError(tb, err)
	return d
}

// TestSyntaxErrors checks the byte offsets of invalid JSON and that the
// scanner agrees with encoding/json on what is JSON.
func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
		says   string
	}{
		{``, 0, "unexpected end"},
		{`   `, 3, "unexpected end"},
		{`{"a":}`, 5, "beginning of value"},
		{`{"a":1,}`, 7, "beginning of object key"},
		{`{"a" 1}`, 5, "after object key"},
		{`{"a":1 "b":2}`, 7, "after object key:value pair"},
		{`[1,2`, 4, "unexpected end"},
		{`{"a":"x` + "\n" + `"}`, 7, "in string literal"},
		{`{"a":"\x"}`, 7, "escape code"},
		{`{"a":"\u12G4"}`, 10, "hexadecimal"},
		{`{"a":tru}`, 8, "in literal true"},
		{`{"a":01}`, 6, "after object key:value pair"},
		{`{"a":-}`, 6, "numeric literal"},
		{`{"a":1.}`, 7, "numeric literal"},
		{`{"a":1e}`, 7, "exponent"},
		{`{} {}`, 3, "after top-level value"},
		{`{"a":1}x`, 7, "after top-level value"},
		{`{'a':1}`, 1, "object key"},
		{`{"a":NaN}`, 5, "beginning of value"},
		{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), 10000, "max depth"},
	} {
		t.Run(tc.in[:min(len(tc.in), 20)], func(t *testing.T) {
			require.False(t, json.Valid([]byte(tc.in)), "encoding/json agrees the input is invalid")
			_, err := flow.Parse([]byte(tc.in))
			require.ErrorIs(t, err, flow.ErrInvalidJSON)
			var se *flow.SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.offset, se.Offset)
			assert.Contains(t, err.Error(), tc.says)
			assert.Contains(t, err.Error(), "byte offset")
		})
	}
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	require.True(t, json.Valid([]byte(deep)))
	_, err := flow.Parse([]byte(deep))
	assert.ErrorIs(t, err, flow.ErrUnknownShape, "10000 levels are valid JSON, as for encoding/json")
}

// TestRealFixturesGoldenEdits records, for each real fixture, every token the
// raise changed (path, before, after), found by encoding/json's tokenizer:
// the edited outputs in a form small enough to read, without copying the
// fixtures into the project.
func TestRealFixturesGoldenEdits(t *testing.T) {
	for name, data := range realFixtures(t) {
		t.Run(name, func(t *testing.T) {
			d, err := flow.Parse(data)
			require.NoError(t, err)
			_, err = d.RaiseTimeouts(5*time.Second, &flow.RaiseOptions{OverrideSuggested: true})
			require.NoError(t, err)
			var b strings.Builder
			before, after := pieces(t, data), pieces(t, d.Bytes())
			require.Len(t, after, len(before), "only values change in the Architect shape")
			for i := range before {
				if before[i].raw != after[i].raw {
					fmt.Fprintf(&b, "/%s: %s -> %s\n", strings.Join(before[i].path, "/"),
						strings.TrimLeft(before[i].raw, ":, \n\t"), strings.TrimLeft(after[i].raw, ":, \n\t"))
				}
			}
			golden := filepath.Join("testdata", "golden", "fixtures", strings.TrimSuffix(name, ".json")+".edits.golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
			}
			assert.Equal(t, string(readFile(t, golden)), b.String())
		})
	}
}
