package flow_test

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/gcflow/timeouts/flow"
)

// generate builds an Architect-shaped document of about size bytes, modelled
// on the real fixtures: tasks of twenty actions, a quarter of them Data
// Actions with error bindings, inputs and a processing prompt, the rest
// decisions, data updates and transfers with their own 40 s timeouts. Data
// Action timeouts cycle through 1 to 10 s; one in four uses the suggested
// timeout.
func generate(size int) []byte {
	var b strings.Builder
	b.Grow(size + 8192)
	b.WriteString(`{"nextTrackingNumber":24,"defaultLanguage":"en-US","initialSequence":"task-0","name":"Generated \u00e9 flow","type":"inboundcall",`)
	b.WriteString(`"defaultSettings":{"DataAction":{"processingPrompt":{"config":{"emp":{"pos":1,"text":"","type":"pmt"}}}}},`)
	b.WriteString(`"variables":[{"__type":"StringVariable","name":"Flow.note","initialValue":{"lit":"x"}}],"flowSequenceItemList":[`)
	expr := func(name, typ string) string {
		return `{"name":"` + name + `","value":{"config":{"emp":{"pos":1,"text":"","type":"` + typ + `"}},"text":"","type":"` + typ + `","uiMetaData":{"mode":3},"metaData":{},"version":2}}`
	}
	action, da := 0, 0
	for task := 0; b.Len() < size; task++ {
		if task > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"__type":"Task","id":"task-%d","name":"Task %d","trackingId":%d,"actionList":[`, task, task, task)
		for i := 0; i < 20 && (i == 0 || b.Len() < size); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			id := "a-" + strconv.Itoa(action)
			switch action % 4 {
			case 0:
				secs := da%10 + 1
				suggested := da%4 == 3
				da++
				lit := flow.FormatDuration(time.Duration(secs) * time.Second)
				fmt.Fprintf(&b, `{"actionName":"Lookup %d","actionId":"custom_-_%08d-8639-4e86-990d-34fbbf997e0e","category":{"id":"CRM","name":"CRM"},"useSuggestedTimeout":%v,"trackingId":%d,"id":"%s","name":"Call Data Action","uiMetaData":{"collapsed":false},"__type":"DataAction","errorBindings":[`, action, da, suggested, action, id)
				for k, n := range []string{"errorCode", "status", "correlationId", "entityId", "entityName", "userMessage", "userParamsMessage", "details.errorCode", "details.fieldName"} {
					if k > 0 {
						b.WriteByte(',')
					}
					b.WriteString(expr(n, "str"))
				}
				b.WriteString(`],"processingPrompt":{"config":{"emp":{"pos":1,"text":"","type":"pmt"}},"text":"","type":"pmt","uiMetaData":{"mode":3},"metaData":{},"version":2,"outOfService":true},`)
				b.WriteString(`"inputs":[{"name":"conversationId","value":{"config":{"ref":{"pos":1,"text":"Flow.conversationId","type":"str","val":"c4895bfe-fb4f-4a93-bc46-f0fa3a07a600"}},"text":"Flow.conversationId","type":"str","uiMetaData":{"mode":0},"metaData":{"references":[{"id":"c4895bfe-fb4f-4a93-bc46-f0fa3a07a600","type":"str","isSysRef":false,"name":"Flow.conversationId"}]},"version":2}}],`)
				fmt.Fprintf(&b, `"timeout":{"config":{"lit":{"pos":1,"text":"%s","type":"dur"}},"text":"%s","type":"dur","uiMetaData":{"mode":1},"metaData":{},"version":2},`, lit, lit)
				b.WriteString(`"paths":[{"outputId":"__SUCCESS__","nextAction":"x"},{"outputId":"__FAILURE__"},{"outputId":"__TIMEOUT__"}]}`)
			case 1:
				fmt.Fprintf(&b, `{"__type":"DecisionAction","id":"%s","name":"Decision","trackingId":%d,"condition":{"config":{"fnc":{"pos":1,"text":"IsSet(Flow.x)","name":"IsSet","type":"bool","operands":[{"ref":{"text":"Flow.x","type":"str"}}]}},"text":"IsSet(Flow.x)","type":"bool","uiMetaData":{"mode":0},"metaData":{},"version":2},"paths":[{"outputId":"__YES__"},{"outputId":"__NO__"}]}`, id, action)
			case 2:
				fmt.Fprintf(&b, `{"__type":"SetConversationDataAction","id":"%s","name":"Set data","trackingId":%d,"inputs":[%s,%s,%s]}`, id, action, expr("key", "str"), expr("value", "str"), expr(`note \"quoted\"`, "str"))
			default:
				fmt.Fprintf(&b, `{"__type":"TransferToAcdAction","id":"%s","name":"Transfer","trackingId":%d,"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M40S0F","type":"dur"}},"text":"P0D0H0M40S0F","type":"dur"},"queue":{"config":{"lit":{"text":"Support","type":"queue"}}}}`, id, action)
			}
			action++
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`],"uiMetaData":{"bridgeServerActions":[],"screenPops":[]},"flowMetaData":{"flowType":"inboundcall"}}`)
	return []byte(b.String())
}

var benchSizes = []struct {
	name string
	size int
}{{"100KB", 100 << 10}, {"1MB", 1 << 20}, {"10MB", 10 << 20}}

// decodeRaise is the lossy alternative: decode into map[string]any, walk,
// modify, encode. It reorders keys and rewrites numbers and escapes.
func decodeRaise(data []byte, min time.Duration) ([]byte, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["__type"] == "DataAction" && x["useSuggestedTimeout"] != true {
				if t, ok := x["timeout"].(map[string]any); ok {
					if lit, ok := t["config"].(map[string]any)["lit"].(map[string]any); ok {
						if d, err := flow.ParseDuration(lit["text"].(string)); err == nil && d < min {
							lit["text"] = flow.FormatDuration(min)
							t["text"] = flow.FormatDuration(min)
						}
					}
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return json.Marshal(v)
}

// sjsonRaise edits with one sjson.SetBytes per field, each a full copy.
func sjsonRaise(data []byte, changes []flow.Change) ([]byte, error) {
	out := data
	var err error
	for _, c := range changes {
		base := strings.ReplaceAll(strings.TrimPrefix(c.Node.Pointer, "/"), "/", ".")
		text := flow.FormatDuration(c.To)
		if out, err = sjson.SetBytes(out, base+".timeout.config.lit.text", text); err != nil {
			return nil, err
		}
		if out, err = sjson.SetBytes(out, base+".timeout.text", text); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func raiseOnce(data []byte, min time.Duration) ([]byte, int, error) {
	d, err := flow.Parse(data)
	if err != nil {
		return nil, 0, err
	}
	changes, err := d.RaiseTimeouts(min, nil)
	return d.Bytes(), len(changes), err
}

// BenchmarkRaise compares Parse + RaiseTimeouts + Bytes with decoding into
// map[string]any, with one sjson.SetBytes per edited field, and with the
// floor of gjson.ValidBytes over the same bytes. The target 5s raises the
// Data Actions at 1 to 4 s (three in ten); 11s raises every one with a custom
// timeout (three in four), where sjson's cost per edit shows.
func BenchmarkRaise(b *testing.B) {
	for _, s := range benchSizes {
		data := generate(s.size)
		for _, min := range []time.Duration{5 * time.Second, 11 * time.Second} {
			d, err := flow.Parse(data)
			require.NoError(b, err)
			changes, err := d.RaiseTimeouts(min, nil)
			require.NoError(b, err)
			name := fmt.Sprintf("%s/min=%v", s.name, min)
			b.Run(name+"/flow", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportMetric(float64(len(changes)), "edits")
				for b.Loop() {
					if _, _, err := raiseOnce(data, min); err != nil {
						b.Fatal(err)
					}
				}
			})
			if s.size <= 1<<20 { // quadratic: about 100 s an operation at 10 MB
				b.Run(name+"/sjson-per-edit", func(b *testing.B) {
					b.SetBytes(int64(len(data)))
					for b.Loop() {
						if _, err := sjsonRaise(data, changes); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			if min != 5*time.Second {
				continue
			}
			b.Run(name+"/encoding-json", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := decodeRaise(data, min); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/gjson-valid", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if !gjson.ValidBytes(data) {
						b.Fatal("invalid")
					}
				}
			})
		}
	}
}

// BenchmarkDataActions compares Parse + DataActions with decoding into
// map[string]any (which by itself finds nothing).
func BenchmarkDataActions(b *testing.B) {
	for _, s := range benchSizes {
		data := generate(s.size)
		b.Run(s.name+"/flow", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				d, err := flow.Parse(data)
				if err != nil || len(d.DataActions()) == 0 {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var v any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGenerated checks the benchmark documents: the right size and share of
// Data Actions, and the same result from flow and from the sjson edits.
func TestGenerated(t *testing.T) {
	data := generate(100 << 10)
	assert.InDelta(t, 100<<10, len(data), 8<<10)
	d, err := flow.Parse(data)
	require.NoError(t, err)
	actions := strings.Count(string(data), `"__type":"`) - strings.Count(string(data), `"__type":"Task"`) - 1
	assert.Equal(t, (actions+3)/4, len(d.DataActions()), "a quarter of the actions are Data Actions, the first one of them")
	changes, err := d.RaiseTimeouts(5*time.Second, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, changes)
	viaSJSON, err := sjsonRaise(data, changes)
	require.NoError(t, err)
	assert.Equal(t, string(viaSJSON), string(d.Bytes()))
	assertOnlyTimeoutsChanged(t, data, d.Bytes())
}

// TestRaiseAllocations holds Parse + RaiseTimeouts + Bytes to at most three
// times the document size in bytes allocated: a copy in, a copy out, and the
// node table. It holds for an ordinary document and for one of small Data
// Actions in the same mix of actions (issue 11's item 5).
func TestRaiseAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few MB")
	}
	for _, doc := range []struct {
		name string
		data []byte
	}{{"ordinary", generate(1 << 20)}, {"small-mix", smallMixDoc(1 << 20)}} {
		var before, after runtime.MemStats
		const runs = 5
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			_, n, err := raiseOnce(doc.data, 5*time.Second)
			require.NoError(t, err)
			require.NotZero(t, n)
		}
		runtime.ReadMemStats(&after)
		perRun := float64(after.TotalAlloc-before.TotalAlloc) / runs
		t.Logf("%s: %.0f bytes allocated per run, %.2fx the document", doc.name, perRun, perRun/float64(len(doc.data)))
		assert.LessOrEqual(t, perRun, 3*float64(len(doc.data)), doc.name)
	}
}

// smallNode is a Data Action of about 230 bytes: id, action, a literal
// timeout of secs seconds, paths.
func smallNode(id string, secs int) string {
	lit := flow.FormatDuration(time.Duration(secs) * time.Second)
	return `{"__type":"DataAction","id":"` + id + `","name":"Lookup","actionId":"custom_-_x","useSuggestedTimeout":false,` +
		`"timeout":{"config":{"lit":{"pos":1,"text":"` + lit + `","type":"dur"}},"text":"` + lit + `","type":"dur"},"paths":[]}`
}

// wideDoc is an Architect document with one object of n members: Data
// Actions when nodes, else plain values. It is the corner where comparing
// every member with every other was quadratic.
func wideDoc(n int, nodes bool) []byte {
	var b strings.Builder
	b.WriteString(`{"flowSequenceItemList":[],"wide":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		id := "k" + strconv.Itoa(i)
		if nodes {
			b.WriteString(`"` + id + `":` + smallNode(id, i%10+1))
		} else {
			b.WriteString(`"` + id + `":{"v":` + strconv.Itoa(i) + `}`)
		}
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// smallMixDoc is generate's document with small (230-byte) Data Actions:
// tasks of twenty actions, a quarter of them Data Actions.
func smallMixDoc(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"name":"Small mix","flowSequenceItemList":[`)
	for task, n := 0, 0; b.Len() < size; task++ {
		if task > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"__type":"Task","id":"t%d","actionList":[`, task)
		for i := range 20 {
			if i > 0 {
				b.WriteByte(',')
			}
			id := "a" + strconv.Itoa(n)
			switch n % 4 {
			case 0:
				b.WriteString(smallNode(id, n/4%10+1))
			case 1:
				fmt.Fprintf(&b, `{"__type":"DecisionAction","id":"%s","name":"Decision","condition":{"config":{"fnc":{"pos":1,"text":"IsSet(Flow.x)","name":"IsSet","type":"bool","operands":[{"ref":{"text":"Flow.x","type":"str"}}]}},"text":"IsSet(Flow.x)","type":"bool","version":2},"paths":[{"outputId":"__YES__"},{"outputId":"__NO__"}]}`, id)
			case 2:
				fmt.Fprintf(&b, `{"__type":"SetConversationDataAction","id":"%s","name":"Set data","inputs":[{"name":"key","value":{"config":{"emp":{"pos":1,"text":"","type":"str"}},"text":"","type":"str","version":2}}]}`, id)
			default:
				fmt.Fprintf(&b, `{"__type":"TransferToAcdAction","id":"%s","name":"Transfer","timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M40S0F","type":"dur"}},"text":"P0D0H0M40S0F","type":"dur"}}`, id)
			}
			n++
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// smallNodesDoc is about size bytes of tasks of twenty small Data Actions:
// the extreme of many nodes.
func smallNodesDoc(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"name":"Small nodes","flowSequenceItemList":[`)
	for task, n := 0, 0; b.Len() < size; task++ {
		if task > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"__type":"Task","id":"t%d","actionList":[`, task)
		for i := range 20 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(smallNode("n"+strconv.Itoa(n), n%10+1))
			n++
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// shapes are the documents whose cost per byte must stay near an ordinary
// one's.
func shapes() []struct {
	name string
	data []byte
} {
	return []struct {
		name string
		data []byte
	}{
		{"ordinary-1MB", generate(1 << 20)},
		{"wide-10k-nodes", wideDoc(10_000, true)},
		{"wide-50k-members", wideDoc(50_000, false)},
		{"small-mix-1MB", smallMixDoc(1 << 20)},
		{"small-nodes-1MB", smallNodesDoc(1 << 20)},
	}
}

// BenchmarkShapes times Parse + RaiseTimeouts + Bytes on each shape; compare
// their MB/s with ordinary-1MB's.
func BenchmarkShapes(b *testing.B) {
	for _, s := range shapes() {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(s.data)))
			for b.Loop() {
				if _, _, err := raiseOnce(s.data, 5*time.Second); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestNoQuadraticCorner holds every shape's time per byte within 10 times
// an ordinary document's. The goal, measured in BENCHMARKS.md, is 3; alone
// the shapes measure 1.8 to 4.8 times, and with the other packages' tests
// running beside them up to 6.75 (small-nodes-1MB, once in six suite
// runs), so 10 is the margin of a shared machine. What it guards against
// is an order of magnitude more: the quadratic duplicate check made the
// wide object 116 times slower per byte.
func TestNoQuadraticCorner(t *testing.T) {
	if testing.Short() {
		t.Skip("times documents of a few MB")
	}
	once := func(data []byte) float64 {
		start := time.Now()
		_, _, err := raiseOnce(data, 5*time.Second)
		require.NoError(t, err)
		return float64(time.Since(start)) / float64(len(data))
	}
	all := shapes()
	for _, s := range all[1:] {
		// The ordinary document and the shape in turn, the best of seven
		// of each: a burst of load on a shared machine (the other test
		// packages run meanwhile) slows both sides of a pair, not one.
		base, shape := math.Inf(1), math.Inf(1)
		for range 7 {
			base = min(base, once(all[0].data))
			shape = min(shape, once(s.data))
		}
		ratio := shape / base
		t.Logf("%s: %.2fx the time per byte of %s", s.name, ratio, all[0].name)
		assert.Less(t, ratio, 10.0, s.name)
	}
}

// TestNodesDoNotPinTheDocument keeps the Data Actions of an 8 MB document,
// drops the document, and measures what stays alive: the nodes' own
// strings, not the document (when Node strings aliased the document, 2,350
// nodes kept all 8.6 MB).
func TestNodesDoNotPinTheDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 8 MB")
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	data := generate(8 << 20)
	size := len(data)
	d, err := flow.Parse(data)
	require.NoError(t, err)
	nodes := d.DataActions()
	d, data = nil, nil
	after := heap()
	require.Greater(t, after, before)
	kept := after - before
	runtime.KeepAlive(d)
	t.Logf("%d nodes of a %d-byte document keep %d bytes (%.1f%% of it)", len(nodes), size, kept, 100*float64(kept)/float64(size))
	assert.Less(t, kept, uint64(size/8), "the nodes keep their own strings, not the document")
	assert.Equal(t, "Call Data Action", nodes[0].Name)
	runtime.KeepAlive(nodes)
}
