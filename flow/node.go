package flow

import (
	"bytes"
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
// gives and an edit of it fails with. data is the document the node is in.
func (r *nodeRec) fail(data []byte, sentinel error, format string, args ...any) {
	if r.err == nil {
		r.err = &NodeError{NodeID: r.id(data), Pointer: r.pointer, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
	}
}

// id is the node's id, decoded: the tutorial key, or the Architect id member
// when it is a string.
func (r *nodeRec) id(data []byte) string {
	if r.key != "" || !r.members[keyIndexID].ok() {
		return r.key
	}
	var t [1]string
	packStrings([][]byte{r.value(data, r.members[keyIndexID])}, t[:])
	return t[0]
}

// value is the bytes of r's relative span s.
func (r *nodeRec) value(data []byte, s span) []byte {
	return data[r.start+int(s.start) : r.start+int(s.end)]
}

// rel is the span of data[start:end] relative to the node.
func (r *nodeRec) rel(start, end int) span {
	return span{int32(start - r.start), int32(end - r.start)}
}

// typeName names the JSON type of a value by its first byte.
func typeName(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '{':
		return "an object"
	default:
		return "a number"
	}
}

// absSpan is a value's span in the document; a zero end means absent.
type absSpan struct{ start, end int }

func (s absSpan) ok() bool { return s.end > 0 }

// fieldsAt collects into out the value spans of the first member with each
// of keys in the object at data[start:end], which must be valid JSON, and
// returns the first key that appears more than once and the number of
// members. It reads the bytes once and allocates nothing.
func fieldsAt(data []byte, start, end int, out []absSpan, keys ...string) (dup string, n int) {
	i := skipWS(data, start+1)
	for i < end && data[i] != '}' {
		kend, esc := skipStringEsc(data, i)
		key := data[i+1 : kend-1]
		i = skipWS(data, kend)
		i = skipWS(data, i+1) // the colon
		vend := skipValue(data, i)
		for k, want := range keys {
			if !keyEquals(key, esc, want) {
				continue
			}
			if out[k].ok() {
				if dup == "" {
					dup = want
				}
			} else {
				out[k] = absSpan{i, vend}
			}
		}
		n++
		i = skipWS(data, vend)
		if i < end && data[i] == ',' {
			i = skipWS(data, i+1)
		}
	}
	return dup, n
}

// keyEquals reports whether the raw key is want, allocating nothing for a
// key without escapes.
func keyEquals(key []byte, esc bool, want string) bool {
	if !esc {
		return string(key) == want
	}
	return keyText(key, true) == want
}

func skipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset after the string whose quote is at i.
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipStringEsc is skipString, and whether the string holds an escape.
func skipStringEsc(data []byte, i int) (int, bool) {
	esc := false
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			esc = true
			i++
		case '"':
			return i + 1, esc
		}
	}
	return i, esc
}

// skipValue returns the offset after the valid JSON value at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = skipString(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default:
		for ; i < len(data); i++ {
			switch data[i] {
			case ' ', '\t', '\r', '\n', ',', '}', ']':
				return i
			}
		}
		return i
	}
}

// readArchitect reads the Architect node r (its span, pointer and member
// spans set by the scanner) from data: its suggested flag, its timeout and
// what is wrong with it.
func readArchitect(data []byte, r *nodeRec) {
	if r.ambiguous != "" {
		r.fail(data, ErrAmbiguous, "%s", r.ambiguous)
	}
	if r.dup != "" {
		r.fail(data, ErrAmbiguous, "the node has two %q members", r.dup)
	}
	if id := r.members[keyIndexID]; !id.ok() || data[r.start+int(id.start)] != '"' || id.end-id.start == 2 {
		r.fail(data, ErrInvalidTimeout, "the node has no string id, so it cannot be named in an edit")
	}
	if us := r.members[keyIndexSuggested]; us.ok() {
		switch v := r.value(data, us); string(v) {
		case litTrue, litFalse:
			r.useSuggested = string(v) == litTrue
		case "null":
			r.fail(data, ErrInvalidTimeout, "useSuggestedTimeout is null, want a boolean")
		default:
			r.fail(data, ErrInvalidTimeout, "useSuggestedTimeout is %s, want a boolean", typeName(v))
		}
	}
	if t := r.members[keyIndexTimeout]; t.ok() {
		readTimeout(data, r, r.start+int(t.start), r.start+int(t.end))
	}
}

// readTimeout reads the timeout expression object at data[start:end].
func readTimeout(data []byte, r *nodeRec, start, end int) {
	fail := func(sentinel error, format string, args ...any) { r.fail(data, sentinel, format, args...) }
	if data[start] != '{' {
		fail(ErrInvalidTimeout, "timeout is %s, want an expression object", typeName(data[start:end]))
		return
	}
	var t [3]absSpan
	if dup, _ := fieldsAt(data, start, end, t[:], "config", "text", "outOfService"); dup != "" {
		fail(ErrAmbiguous, "the timeout has two %q members", dup)
		return
	}
	config, text, oos := t[0], t[1], t[2]
	if text.ok() {
		if data[text.start] != '"' {
			fail(ErrInvalidTimeout, "timeout.text is %s, want duration text", typeName(data[text.start:text.end]))
			return
		}
		r.text = r.rel(text.start, text.end)
	}
	if oos.ok() {
		if v := string(data[oos.start:oos.end]); v != litTrue && v != litFalse {
			fail(ErrInvalidTimeout, "timeout.outOfService is %s, want a boolean", typeName(data[oos.start:oos.end]))
			return
		}
		r.oos = r.rel(oos.start, oos.end)
	}
	if !config.ok() {
		fail(ErrInvalidTimeout, "the timeout has no config")
		return
	}
	if data[config.start] != '{' {
		fail(ErrInvalidTimeout, "timeout.config is %s, want an object", typeName(data[config.start:config.end]))
		return
	}
	r.config = r.rel(config.start, config.end)
	var ops [2]absSpan
	dup, nops := fieldsAt(data, config.start, config.end, ops[:], "lit", "emp")
	if dup != "" {
		fail(ErrAmbiguous, "timeout.config has two %q members", dup)
		return
	}
	switch lit := ops[0]; {
	case nops == 1 && ops[1].ok():
		r.kind = TimeoutUnset
	case nops != 1 || !lit.ok():
		r.kind = TimeoutExpression
	case data[lit.start] != '{':
		fail(ErrInvalidTimeout, "timeout.config.lit is %s, want an object", typeName(data[lit.start:lit.end]))
	default:
		readLiteral(data, r, lit)
	}
}

// readLiteral reads the literal object of a timeout: its duration text.
func readLiteral(data []byte, r *nodeRec, lit absSpan) {
	var l [1]absSpan
	if dup, _ := fieldsAt(data, lit.start, lit.end, l[:], "text"); dup != "" {
		r.fail(data, ErrAmbiguous, "timeout.config.lit has two %q members", dup)
		return
	}
	text := l[0]
	switch {
	case !text.ok():
		r.fail(data, ErrInvalidTimeout, "timeout.config.lit has no text")
		return
	case data[text.start] != '"':
		r.fail(data, ErrInvalidTimeout, "timeout.config.lit.text is %s, want duration text", typeName(data[text.start:text.end]))
		return
	}
	r.lit = r.rel(text.start, text.end)
	raw := data[text.start+1 : text.end-1]
	dur, ok := durationOf(raw) // no allocation for the common case
	if !ok || bytes.IndexByte(raw, '\\') >= 0 {
		var t [1]string
		packStrings([][]byte{data[text.start:text.end]}, t[:])
		var err error
		if dur, err = ParseDuration(t[0]); err != nil {
			r.fail(data, ErrInvalidTimeout, "timeout.config.lit.text: %w", err)
			return
		}
	}
	r.kind, r.timeout = TimeoutLiteral, dur
}

// fields collects into vals the members named by keys from an object: the
// first value of each. It returns the first key that appears more than once.
// vals is the caller's, usually an array on its stack.
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

// spanOf is v's span relative to the node text it was read from, after
// checking that the text holds exactly v.Raw there (gjson reports an Index
// of 0 for results it built).
func spanOf(node string, v gjson.Result) (span, bool) {
	if !v.Exists() {
		return span{}, true
	}
	s, e := v.Index, v.Index+len(v.Raw)
	if v.Index <= 0 || e > len(node) || node[s:e] != v.Raw {
		return span{}, false
	}
	return span{int32(s), int32(e)}, true
}

// tutorialNodes reads the members of flowVersion.nodes; fvStart and fvEnd
// are the span of the flowVersion object. gjson reads a copy of the
// flowVersion object (tutorial documents are small), never the document
// itself.
func (d *Document) tutorialNodes(fvStart, fvEnd int) error {
	fvText := string(d.data[fvStart:fvEnd])
	fv := gjson.Parse(fvText)
	var v [1]gjson.Result
	if dup := fields(fv, v[:], "nodes"); dup != "" {
		return fmt.Errorf("%w: flowVersion has two \"nodes\" members", ErrAmbiguous)
	}
	nodes := v[0]
	if !nodes.IsObject() {
		if !nodes.Exists() {
			return fmt.Errorf("%w: flowVersion has no nodes object", ErrUnknownShape)
		}
		return fmt.Errorf("%w: flowVersion.nodes is %s, want an object", ErrUnknownShape, typeName([]byte(nodes.Raw)))
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
		r, ok := tutorialNode(n.Raw, strings.Clone(k.Str), start)
		if !ok {
			return true
		}
		if count[r.key] > 1 && r.err == nil {
			r.err = &NodeError{NodeID: r.key, Pointer: r.pointer,
				Err: fmt.Errorf("%w: node id %q appears %d times in flowVersion.nodes", ErrAmbiguous, r.key, count[r.key])}
		}
		d.nodes = append(d.nodes, r)
		return true
	})
	return nil
}

// tutorialNode reads the tutorial node whose text is node and which starts
// at start in the document; ok is false when it is neither a Data Action
// nor an HTTP node.
func tutorialNode(node, id string, start int) (r nodeRec, ok bool) {
	r = nodeRec{start: start, end: start + len(node), key: id, pointer: "/flowVersion/nodes/" + escapePointer(id)}
	fail := func(sentinel error, format string, args ...any) (nodeRec, bool) {
		if r.err == nil {
			r.err = &NodeError{NodeID: id, Pointer: r.pointer, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
		}
		return r, true
	}
	obj := gjson.Parse(node)
	var v [3]gjson.Result
	dup := fields(obj, v[:], "type", "name", "settings")
	typ, name, settings := v[0], v[1], v[2]
	switch {
	case typ.Type != gjson.String:
		return r, false
	case strings.EqualFold(typ.Str, "DataAction"):
	case strings.EqualFold(typ.Str, "HTTP"):
		r.http = true
	default:
		return r, false
	}
	r.members[keyIndexType], _ = spanOf(node, typ)
	r.members[keyIndexName], _ = spanOf(node, name)
	if dup != "" {
		return fail(ErrAmbiguous, "the node has two %q members", dup)
	}
	if !settings.Exists() {
		r.insert, r.insertAt, r.closeAt = insertSettings, int32(lastMemberEnd(obj)), int32(len(node)-1)
		return r, true
	}
	if !settings.IsObject() {
		return fail(ErrInvalidTimeout, "settings is %s, want an object", typeName([]byte(settings.Raw)))
	}
	var s [1]gjson.Result
	if dup = fields(settings, s[:], "timeout"); dup != "" {
		return fail(ErrAmbiguous, "settings has two \"timeout\" members")
	}
	t := s[0]
	if !t.Exists() {
		r.insert, r.insertAt = insertTimeout, int32(lastMemberEnd(settings))
		r.closeAt = int32(settings.Index + len(settings.Raw) - 1)
		return r, true
	}
	if t.Type != gjson.Number {
		return fail(ErrInvalidTimeout, "settings.timeout is %s, want a number of milliseconds", typeName([]byte(t.Raw)))
	}
	var good bool
	if r.msTimeout, good = spanOf(node, t); !good {
		return fail(ErrAmbiguous, "settings.timeout is not where gjson reports it")
	}
	ms, err := strconv.ParseInt(t.Raw, 10, 64)
	switch {
	case err != nil && strings.ContainsAny(t.Raw, ".eE"):
		return fail(ErrInvalidTimeout, "settings.timeout is %s, want a whole number of milliseconds", t.Raw)
	case err != nil || ms > int64(maxTimeout/time.Millisecond):
		return fail(ErrInvalidTimeout, "settings.timeout %s is out of range", t.Raw)
	case ms < 0:
		return fail(ErrInvalidTimeout, "settings.timeout %s is negative", t.Raw)
	case ms == 0:
		r.kind = TimeoutUnset
	default:
		r.kind, r.timeout = TimeoutLiteral, time.Duration(ms)*time.Millisecond
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
