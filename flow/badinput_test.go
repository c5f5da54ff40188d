package flow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
)

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		is       error
		says     string
	}{
		{"not JSON", `{"flowSequenceItemList": [}`, flow.ErrInvalidJSON, "byte offset 26"},
		{"truncated", `{"flowSequenceItemList": [{"__type":"DataAction"`, flow.ErrInvalidJSON, "unexpected end"},
		{"array at the top", `[{"flowSequenceItemList":[]}]`, flow.ErrUnknownShape, "top-level value is an array"},
		{"string at the top", `"flow"`, flow.ErrUnknownShape, "a string"},
		{"neither shape", `{"name":"x","nodes":{}}`, flow.ErrUnknownShape, "want an Architect configuration"},
		{"flowSequenceItemList not an array", `{"flowSequenceItemList":{}}`, flow.ErrUnknownShape, "want an Architect configuration"},
		{"flowVersion without nodes", `{"flowVersion":{"id":"v"}}`, flow.ErrUnknownShape, "no nodes object"},
		{"nodes not an object", `{"flowVersion":{"nodes":[]}}`, flow.ErrUnknownShape, "nodes is an array"},
		{"both shapes", `{"flowSequenceItemList":[],"flowVersion":{"nodes":{}}}`, flow.ErrAmbiguous, "both"},
		{"duplicate flowSequenceItemList", `{"flowSequenceItemList":[],"flowSequenceItemList":[]}`, flow.ErrAmbiguous, "appears 2 times"},
		{"duplicate flowVersion", `{"flowVersion":{"nodes":{}},"flowVersion":{"nodes":{}}}`, flow.ErrAmbiguous, "appears 2 times"},
		{"duplicate nodes", `{"flowVersion":{"nodes":{},"nodes":{}}}`, flow.ErrAmbiguous, `two "nodes" members`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := flow.Parse([]byte(tc.in))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.says)
			assert.Regexp(t, `^flow: `, err.Error())
		})
	}
}

// arch wraps Data Action node objects in a minimal Architect document.
func arch(nodes ...string) string {
	out := `{"name":"x","flowSequenceItemList":[{"__type":"Task","actionList":[`
	for i, n := range nodes {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out + `]}]}`
}

const goodNode = `{"__type":"DataAction","id":"ok","useSuggestedTimeout":false,"timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}},"text":"P0D0H0M1S0F"}}`

// TestEditRejects checks that every bad node or bad request fails with a
// clear error and leaves the document exactly as it was.
func TestEditRejects(t *testing.T) {
	lit := func(id, text string) string {
		return `{"__type":"DataAction","id":"` + id + `","timeout":{"config":{"lit":{"text":` + text + `}},"text":` + text + `}}`
	}
	raise := func(d *flow.Document) ([]flow.Change, error) { return d.RaiseTimeouts(5*time.Second, nil) }
	set := func(id string, to time.Duration) func(d *flow.Document) ([]flow.Change, error) {
		return func(d *flow.Document) ([]flow.Change, error) {
			return d.SetTimeouts(flow.Edit{NodeID: "ok", Timeout: 9 * time.Second}, flow.Edit{NodeID: id, Timeout: to})
		}
	}
	for _, tc := range []struct {
		name, doc string
		edit      func(*flow.Document) ([]flow.Change, error)
		is        error
		says      string
	}{
		{"timeout text a number", arch(goodNode, lit("bad", `5000`)), raise, flow.ErrInvalidTimeout, `node "bad" at /flowSequenceItemList/0/actionList/1: invalid timeout: timeout.text is a number`},
		{"timeout a string", arch(goodNode, `{"__type":"DataAction","id":"bad","timeout":"P0D0H0M1S0F"}`), raise, flow.ErrInvalidTimeout, "timeout is a string, want an expression object"},
		{"lit an array", arch(goodNode, `{"__type":"DataAction","id":"bad","timeout":{"config":{"lit":[]}}}`), raise, flow.ErrInvalidTimeout, "lit is an array"},
		{"useSuggestedTimeout a string", arch(goodNode, `{"__type":"DataAction","id":"bad","useSuggestedTimeout":"true","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}}}}`), raise, flow.ErrInvalidTimeout, "useSuggestedTimeout is a string"},
		{"outOfService a number", arch(goodNode, `{"__type":"DataAction","id":"bad","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}},"outOfService":1}}`), raise, flow.ErrInvalidTimeout, "outOfService is a number"},
		{"duration text ISO", arch(goodNode, lit("bad", `"PT1S"`)), raise, flow.ErrInvalidDuration, `invalid duration "PT1S"`},
		{"duration text negative", arch(goodNode, lit("bad", `"P0D0H0M-1S0F"`)), raise, flow.ErrInvalidTimeout, `"P0D0H0M-1S0F"`},
		{"duplicate timeout key", arch(goodNode, `{"__type":"DataAction","id":"bad","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}}},"timeout":{"config":{"lit":{"text":"P0D0H0M9S0F"}}}}`), raise, flow.ErrAmbiguous, `two "timeout" members`},
		{"duplicate lit text", arch(goodNode, `{"__type":"DataAction","id":"bad","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F","text":"P0D0H0M9S0F"}}}}`), raise, flow.ErrAmbiguous, `two "text" members`},
		{"duplicate useSuggestedTimeout", arch(goodNode, `{"__type":"DataAction","id":"bad","useSuggestedTimeout":false,"useSuggestedTimeout":true,"timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}}}}`), raise, flow.ErrAmbiguous, `two "useSuggestedTimeout" members`},
		{"duplicate key above the node", `{"flowSequenceItemList":[{"actionList":[` + lit("bad", `"P0D0H0M1S0F"`) + `],"actionList":[]}]}`, raise, flow.ErrAmbiguous, `key "actionList" appears twice`},
		{"duplicate key above the node, escaped", `{"flowSequenceItemList":[{"action\u004cist":[` + lit("bad", `"P0D0H0M1S0F"`) + `],"actionList":[]}]}`, raise, flow.ErrAmbiguous, `key "actionList" appears twice`},
		{"zero target", arch(goodNode), func(d *flow.Document) ([]flow.Change, error) { return d.RaiseTimeouts(0, nil) }, flow.ErrInvalidTimeout, "not positive"},
		{"negative target", arch(goodNode), func(d *flow.Document) ([]flow.Change, error) { return d.RaiseTimeouts(-time.Second, nil) }, flow.ErrInvalidTimeout, "not positive"},
		{"sub-millisecond target", arch(goodNode), set("ok", 1500*time.Microsecond), flow.ErrInvalidTimeout, "whole number of milliseconds"},
		{"huge target", arch(goodNode), set("ok", 1000000*time.Hour), flow.ErrInvalidTimeout, "is above"},
		{"unknown node", arch(goodNode), set("nope", 5*time.Second), flow.ErrNodeNotFound, `"nope"`},
		{"duplicate node id", arch(goodNode, lit("twin", `"P0D0H0M1S0F"`), lit("twin", `"P0D0H0M1S0F"`)), set("twin", 5*time.Second), flow.ErrAmbiguous, `2 nodes have id "twin"`},
		{"conflicting edits", arch(goodNode), set("ok", 5*time.Second), flow.ErrAmbiguous, "two edits"},
		{"expression", arch(goodNode, `{"__type":"DataAction","id":"expr","timeout":{"config":{"ref":{"name":"Flow.t"}}}}`), set("expr", 5*time.Second), flow.ErrInvalidTimeout, "the timeout is expression, not a literal"},
		{"no id", arch(goodNode, `{"__type":"DataAction","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}}}}`), raise, flow.ErrInvalidTimeout, "no string id"},
		{"tutorial timeout a string", `{"flowVersion":{"nodes":{"ok":{"type":"DataAction","settings":{"timeout":1}},"bad":{"type":"DataAction","settings":{"timeout":"3000"}}}}}`, raise, flow.ErrInvalidTimeout, `node "bad" at /flowVersion/nodes/bad: invalid timeout: settings.timeout is a string`},
		{"tutorial timeout null", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":{"timeout":null}}}}}`, raise, flow.ErrInvalidTimeout, "settings.timeout is null"},
		{"tutorial timeout fractional", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":{"timeout":2500.5}}}}}`, raise, flow.ErrInvalidTimeout, "whole number of milliseconds"},
		{"tutorial timeout exponent", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":{"timeout":3e3}}}}}`, raise, flow.ErrInvalidTimeout, "whole number of milliseconds"},
		{"tutorial timeout huge", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":{"timeout":123456789012345678901234567890}}}}}`, raise, flow.ErrInvalidTimeout, "out of range"},
		{"tutorial timeout negative", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":{"timeout":-5}}}}}`, raise, flow.ErrInvalidTimeout, "negative"},
		{"tutorial settings a string", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":"fast"}}}}`, raise, flow.ErrInvalidTimeout, "settings is a string"},
		{"tutorial duplicate settings", `{"flowVersion":{"nodes":{"bad":{"type":"DataAction","settings":{"timeout":1},"settings":{}}}}}`, raise, flow.ErrAmbiguous, `two "settings" members`},
		{"tutorial duplicate node id", `{"flowVersion":{"nodes":{"n":{"type":"DataAction","settings":{"timeout":1}},"n":{"type":"PlayAudio"}}}}`, raise, flow.ErrAmbiguous, `node id "n" appears 2 times`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.doc)
			d, err := flow.Parse(in)
			require.NoError(t, err, "a bad node does not stop the document from being read")
			before := d.Nodes()
			changes, err := tc.edit(d)
			require.Error(t, err)
			assert.Nil(t, changes)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.says)
			assert.Regexp(t, `^flow: `, err.Error())
			assert.Equal(t, in, d.Bytes(), "the document is unchanged")
			assert.Equal(t, before, d.Nodes())
		})
	}
}

// TestBadNodesAreReported checks that DataActions lists a node it cannot edit
// with the reason, so an audit can show it.
func TestBadNodesAreReported(t *testing.T) {
	d, err := flow.Parse([]byte(arch(goodNode, `{"__type":"DataAction","id":"bad","timeout":{"config":{"lit":{"text":"soon"}}}}`)))
	require.NoError(t, err)
	nodes := d.DataActions()
	require.Len(t, nodes, 2)
	assert.NoError(t, nodes[0].Err)
	assert.ErrorIs(t, nodes[1].Err, flow.ErrInvalidDuration)
	var ne *flow.NodeError
	require.ErrorAs(t, nodes[1].Err, &ne)
	assert.Equal(t, "bad", ne.NodeID)
	assert.Equal(t, "/flowSequenceItemList/0/actionList/1", ne.Pointer)

	// A filter that leaves the bad node out lets the rest be raised.
	changes, err := d.RaiseTimeouts(5*time.Second, &flow.RaiseOptions{Filter: func(n flow.Node) bool { return n.Err == nil }})
	require.NoError(t, err)
	assert.Len(t, changes, 1)
}
