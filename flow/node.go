package flow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// NodeError is the error about one node: where it is and what is wrong. It
// unwraps to the sentinel that says what kind of problem it is.
type NodeError struct {
	NodeID  string
	Pointer string
	Err     error
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("flow: node %q at %s: %s", e.NodeID, e.Pointer, strings.TrimPrefix(e.Err.Error(), "flow: "))
}

func (e *NodeError) Unwrap() error { return e.Err }

// fail records the first problem found with the node: the reason Node.Err
// gives and an edit of it fails with.
func (r *nodeRec) fail(sentinel error, format string, args ...any) {
	if r.Err == nil {
		r.Err = &NodeError{NodeID: r.ID, Pointer: r.Pointer, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
	}
}

// fields collects into vals the members named by keys from an object: the
// first value of each. It returns the first key that appears more than once.
// vals is the caller's, usually an array on its stack: one allocation per
// node object adds up to half the document size on a large flow.
func fields(obj gjson.Result, vals []gjson.Result, keys ...string) (dup string) {
	obj.ForEach(func(k, v gjson.Result) bool {
		for i, want := range keys {
			if k.Str != want {
				continue
			}
			if vals[i].Exists() {
				if dup == "" {
					dup = want
				}
			} else {
				vals[i] = v
			}
		}
		return true
	})
	return dup
}

// spanOf is v's span relative to the node, after checking that the node holds
// exactly v.Raw there (gjson reports an Index of 0 for results it built).
func spanOf(data []byte, nodeStart int, v gjson.Result) (span, bool) {
	if !v.Exists() {
		return span{}, true
	}
	s, e := nodeStart+v.Index, nodeStart+v.Index+len(v.Raw)
	if v.Index <= 0 || e > len(data) || view(data, s, e) != v.Raw {
		return span{}, false
	}
	return span{v.Index, v.Index + len(v.Raw)}, true
}

func typeName(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return "a string"
	case gjson.Number:
		return "a number"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Null:
		return "null"
	default:
		if strings.HasPrefix(v.Raw, "[") {
			return "an array"
		}
		return "an object"
	}
}

// architectNode reads the Architect node object at data[start:end].
func architectNode(data []byte, start, end int, pointer, ambiguous string, nm nodeMembers) nodeRec {
	r := nodeRec{start: start, end: end}
	r.Pointer = pointer
	fail := func(sentinel error, format string, args ...any) nodeRec {
		r.fail(sentinel, format, args...)
		return r
	}
	var v [nodeKeyCount]gjson.Result
	for k, sp := range nm.spans {
		if sp.ok() {
			v[k] = gjson.Parse(view(data, start+sp.start, start+sp.end))
			v[k].Index = sp.start
		}
	}
	dup := nm.dup
	typ, id, timeout := v[keyIndexType], v[keyIndexID], v[keyIndexTimeout]
	r.Type, r.ID, r.Name = typ.Str, id.Str, v[keyIndexName].Str
	r.ActionID, r.ActionName = v[keyIndexActionID].Str, v[keyIndexActionName].Str
	if ambiguous != "" {
		fail(ErrAmbiguous, "%s", ambiguous)
	}
	if dup != "" {
		fail(ErrAmbiguous, "the node has two %q members", dup)
	}
	if id.Type != gjson.String || id.Str == "" {
		fail(ErrInvalidTimeout, "the node has no string id, so it cannot be named in an edit")
	}
	var ok bool
	switch us := v[keyIndexSuggested]; us.Type {
	case gjson.True, gjson.False:
		r.UseSuggested = us.Type == gjson.True
		if r.suggested, ok = spanOf(data, start, us); !ok {
			return fail(ErrAmbiguous, "useSuggestedTimeout is not where gjson reports it")
		}
	case gjson.Null:
		if us.Exists() {
			fail(ErrInvalidTimeout, "useSuggestedTimeout is null, want a boolean")
		}
	default:
		fail(ErrInvalidTimeout, "useSuggestedTimeout is %s, want a boolean", typeName(us))
	}
	if !timeout.Exists() {
		return r // unset
	}
	if !timeout.IsObject() {
		return fail(ErrInvalidTimeout, "timeout is %s, want an expression object", typeName(timeout))
	}
	var t [3]gjson.Result
	dup = fields(timeout, t[:], "config", "text", "outOfService")
	if dup != "" {
		return fail(ErrAmbiguous, "the timeout has two %q members", dup)
	}
	config, text, oos := t[0], t[1], t[2]
	if text.Exists() {
		if text.Type != gjson.String {
			return fail(ErrInvalidTimeout, "timeout.text is %s, want duration text", typeName(text))
		}
		if r.text, ok = spanOf(data, start, text); !ok {
			return fail(ErrAmbiguous, "timeout.text is not where gjson reports it")
		}
	}
	if oos.Exists() {
		if oos.Type != gjson.True && oos.Type != gjson.False {
			return fail(ErrInvalidTimeout, "timeout.outOfService is %s, want a boolean", typeName(oos))
		}
		if r.outOfService, ok = spanOf(data, start, oos); !ok {
			return fail(ErrAmbiguous, "timeout.outOfService is not where gjson reports it")
		}
	}
	if !config.IsObject() {
		if !config.Exists() {
			return fail(ErrInvalidTimeout, "the timeout has no config")
		}
		return fail(ErrInvalidTimeout, "timeout.config is %s, want an object", typeName(config))
	}
	if r.config, ok = spanOf(data, start, config); !ok {
		return fail(ErrAmbiguous, "timeout.config is not where gjson reports it")
	}
	var ops [2]gjson.Result
	dup = fields(config, ops[:], "lit", "emp")
	if dup != "" {
		return fail(ErrAmbiguous, "timeout.config has two %q members", dup)
	}
	nops := 0
	config.ForEach(func(_, _ gjson.Result) bool { nops++; return true })
	switch {
	case nops == 1 && ops[1].Exists():
		r.TimeoutKind = TimeoutUnset
		return r
	case nops != 1 || !ops[0].Exists():
		r.TimeoutKind = TimeoutExpression
		r.TimeoutText = text.Str
		return r
	}
	lit := ops[0]
	if !lit.IsObject() {
		return fail(ErrInvalidTimeout, "timeout.config.lit is %s, want an object", typeName(lit))
	}
	var l [1]gjson.Result
	dup = fields(lit, l[:], "text")
	if dup != "" {
		return fail(ErrAmbiguous, "timeout.config.lit has two %q members", dup)
	}
	if l[0].Type != gjson.String {
		if !l[0].Exists() {
			return fail(ErrInvalidTimeout, "timeout.config.lit has no text")
		}
		return fail(ErrInvalidTimeout, "timeout.config.lit.text is %s, want duration text", typeName(l[0]))
	}
	if r.lit, ok = spanOf(data, start, l[0]); !ok {
		return fail(ErrAmbiguous, "timeout.config.lit.text is not where gjson reports it")
	}
	r.TimeoutText = l[0].Str
	dur, err := ParseDuration(l[0].Str)
	if err != nil {
		return fail(ErrInvalidTimeout, "timeout.config.lit.text: %w", err)
	}
	r.TimeoutKind = TimeoutLiteral
	r.Timeout = dur
	return r
}

// tutorialNodes reads the members of flowVersion.nodes; fvStart and fvEnd
// are the span of the flowVersion object.
func (d *Document) tutorialNodes(fvStart, fvEnd int) error {
	fv := object(d.data, fvStart, fvEnd)
	var v [1]gjson.Result
	dup := fields(fv, v[:], "nodes")
	if dup != "" {
		return fmt.Errorf("%w: flowVersion has two \"nodes\" members", ErrAmbiguous)
	}
	nodes := v[0]
	if !nodes.IsObject() {
		if !nodes.Exists() {
			return fmt.Errorf("%w: flowVersion has no nodes object", ErrUnknownShape)
		}
		return fmt.Errorf("%w: flowVersion.nodes is %s, want an object", ErrUnknownShape, typeName(nodes))
	}
	// Count every key first: a Data Action whose id is also the key of some
	// other node is as ambiguous as two Data Actions with one id.
	count := map[string]int{}
	nodes.ForEach(func(k, _ gjson.Result) bool { count[k.Str]++; return true })
	nodes.ForEach(func(k, n gjson.Result) bool {
		if !n.IsObject() {
			return true
		}
		start := fvStart + n.Index
		r, ok := tutorialNode(d.data, k.Str, start, start+len(n.Raw))
		if !ok {
			return true
		}
		if count[r.ID] > 1 {
			r.Err = &NodeError{NodeID: r.ID, Pointer: r.Pointer,
				Err: fmt.Errorf("%w: node id %q appears %d times in flowVersion.nodes", ErrAmbiguous, r.ID, count[r.ID])}
		}
		d.nodes = append(d.nodes, r)
		return true
	})
	return nil
}

// tutorialNode reads the tutorial node object at data[start:end]; ok is false
// when it is neither a Data Action nor an HTTP node.
func tutorialNode(data []byte, id string, start, end int) (r nodeRec, ok bool) {
	r = nodeRec{start: start, end: end}
	r.ID = id
	r.Pointer = "/flowVersion/nodes/" + escapePointer(id)
	fail := func(sentinel error, format string, args ...any) (nodeRec, bool) {
		r.fail(sentinel, format, args...)
		return r, true
	}
	obj := object(data, start, end)
	var v [3]gjson.Result
	dup := fields(obj, v[:], "type", "name", "settings")
	typ, settings := v[0], v[2]
	r.Type, r.Name = typ.Str, v[1].Str
	switch {
	case typ.Type != gjson.String:
		return r, false
	case strings.EqualFold(typ.Str, "DataAction"):
	case strings.EqualFold(typ.Str, "HTTP"):
		r.http = true
	default:
		return r, false
	}
	if dup != "" {
		return fail(ErrAmbiguous, "the node has two %q members", dup)
	}
	if !settings.Exists() {
		r.insertAt = lastMemberEnd(obj)
		r.insertFmt = `,"settings":{"timeout":%d}`
		return r, true
	}
	if !settings.IsObject() {
		return fail(ErrInvalidTimeout, "settings is %s, want an object", typeName(settings))
	}
	var s [1]gjson.Result
	dup = fields(settings, s[:], "timeout")
	if dup != "" {
		return fail(ErrAmbiguous, "settings has two \"timeout\" members")
	}
	t := s[0]
	if !t.Exists() {
		r.insertAt = lastMemberEnd(settings)
		r.insertFmt = `,"timeout":%d`
		if r.insertAt == settings.Index+1 {
			r.insertFmt = `"timeout":%d`
		}
		return r, true
	}
	if t.Type != gjson.Number {
		return fail(ErrInvalidTimeout, "settings.timeout is %s, want a number of milliseconds", typeName(t))
	}
	var good bool
	if r.msTimeout, good = spanOf(data, start, t); !good {
		return fail(ErrAmbiguous, "settings.timeout is not where gjson reports it")
	}
	r.TimeoutText = t.Raw
	ms, err := strconv.ParseInt(t.Raw, 10, 64)
	switch {
	case err != nil && strings.ContainsAny(t.Raw, ".eE"):
		return fail(ErrInvalidTimeout, "settings.timeout is %s, want a whole number of milliseconds", t.Raw)
	case err != nil || ms > int64(maxTimeout/time.Millisecond):
		return fail(ErrInvalidTimeout, "settings.timeout %s is out of range", t.Raw)
	case ms < 0:
		return fail(ErrInvalidTimeout, "settings.timeout %s is negative", t.Raw)
	case ms == 0:
		r.TimeoutKind = TimeoutUnset
	default:
		r.TimeoutKind = TimeoutLiteral
		r.Timeout = time.Duration(ms) * time.Millisecond
	}
	return r, true
}

// maxTimeout bounds the timeouts this package reads and writes: far above any
// real one (Data Actions stop at 60 s), far below overflow.
const maxTimeout = 1000 * 24 * time.Hour

// lastMemberEnd is the offset, relative to the node, just after the last
// member's value of obj, or just after its opening brace when it is empty.
func lastMemberEnd(obj gjson.Result) int {
	end := obj.Index + 1
	obj.ForEach(func(_, v gjson.Result) bool {
		end = v.Index + len(v.Raw)
		return true
	})
	return end
}

func sortByStart(nodes []nodeRec) {
	slices.SortStableFunc(nodes, func(a, b nodeRec) int { return a.start - b.start })
}
