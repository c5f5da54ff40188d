package flow

import (
	"bytes"
	"math"
	"slices"

	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// maxDepth is the deepest nesting of objects and arrays the scanner accepts,
// the same limit as encoding/json, so both agree on what is valid.
const maxDepth = 10000

// The scanner validates a document and finds its Architect action nodes in a
// single pass over the bytes. A recursive walk that calls gjson at every
// object re-reads each byte once per level of nesting (about 20 times the
// cost of validation on Architect documents); this reads each byte once, and
// leaves the small node objects it finds to gjson.

// The members an Architect node is read from, by index into nodeKeys.
const (
	keyIndexType = iota
	keyIndexID
	keyIndexName
	keyIndexActionID
	keyIndexActionName
	keyIndexSuggested
	keyIndexTimeout
	nodeKeyCount
)

// nodeKeys are the keys of the members an Architect node is read from,
// indexed by the keyIndex constants.
var nodeKeys = [nodeKeyCount]string{
	keyIndexType:       "__type",
	keyIndexID:         "id",
	keyIndexName:       "name",
	keyIndexActionID:   "actionId",
	keyIndexActionName: "actionName",
	keyIndexSuggested:  "useSuggestedTimeout",
	keyIndexTimeout:    "timeout",
}

// nodeMembers are the value spans of a node's nodeKeys members, relative to
// the node, with the first of them that appears twice. The scanner records
// them for every object it passes, so reading a node does not walk its
// members again.
type nodeMembers struct {
	spans [nodeKeyCount]span
	dup   string
}

// note records the member with key index k whose value spans [start, end).
func (m *nodeMembers) note(k, start, end int) {
	if m.spans[k].ok() {
		if m.dup == "" {
			m.dup = nodeKeys[k]
		}
		return
	}
	m.spans[k] = span{int32(start), int32(end)}
}

// nodeKeyIndex is the index in nodeKeys of a raw key, or -1.
func nodeKeyIndex(key []byte, esc bool) int {
	if esc {
		text := keyText(key, esc)
		for k, want := range nodeKeys {
			if text == want {
				return k
			}
		}
		return -1
	}
	// A switch on the string compiles to length and byte comparisons and
	// allocates nothing.
	switch string(key) {
	case "__type":
		return keyIndexType
	case "id":
		return keyIndexID
	case "name":
		return keyIndexName
	case "actionId":
		return keyIndexActionID
	case "actionName":
		return keyIndexActionName
	case "useSuggestedTimeout":
		return keyIndexSuggested
	case "timeout":
		return keyIndexTimeout
	}
	return -1
}

// memberRec is one member of an object being scanned, kept so that a
// duplicate of a key that leads to a node can be found when the object closes.
// Every key of the document passes through here, so it is small and holds
// no pointers (a slice here cost a write barrier a key: a quarter of the
// scan).
type memberRec struct {
	off, keyEnd  int32 // offsets of the key's opening and closing quotes
	vstart, vend int32 // the value's span
}

// carrier is a member whose value holds candidates: the only members whose
// duplicates matter.
type carrier struct {
	member   int // index into scanner.members
	from, to int // candidates in scanner.nodes
}

func (s *scanner) key(m memberRec) []byte { return s.data[m.off+1 : m.keyEnd] }

// pathSeg is one step from the root to the value being scanned.
type pathSeg struct {
	key   int // offset of the key's opening quote, in an object
	esc   bool
	index int // position in an array
	array bool
}

// topMember records a member of the root object that decides the shape.
type topMember struct {
	count      int
	start, end int // the value's span, of the first occurrence
	kind       byte
}

type scanner struct {
	data  []byte
	depth int
	path  []pathSeg
	// prefix is the pointer of prefixPath, the parent of the last node
	// found.
	prefix     string
	prefixPath []pathSeg
	members    []memberRec
	carriers   []carrier
	nodes      []nodeRec // the candidates: objects whose own __type names a Data Action
	// the root object's members that decide the shape
	sequences, flowVersion topMember
	rootKind               byte
}

type scanError struct {
	off int
	msg string
}

// scanDocument validates data as JSON and returns what the shape detection
// and node search need. Errors are *SyntaxError.
func scanDocument(data []byte) (s *scanner, err error) {
	// One candidate per "DataAction" or "CallDataAction" string at most
	// (escaped spellings aside): a count over the bytes sizes the table
	// once, where growing it by appends allocated twice its size.
	s = &scanner{data: data, nodes: make([]nodeRec, 0, countNodeTypes(data)+1)}
	if len(data) > math.MaxInt32 {
		return nil, &SyntaxError{Offset: 0, Msg: "documents of 2 GiB and more are not read"}
	}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(scanError)
			if !ok {
				panic(r)
			}
			s, err = nil, &SyntaxError{Offset: se.off, Msg: se.msg}
		}
	}()
	i := s.ws(0)
	if i == len(data) {
		s.fail(i, "unexpected end of JSON input")
	}
	s.rootKind = data[i]
	i = s.value(i)
	i = s.ws(i)
	if i != len(data) {
		s.fail(i, fmt.Sprintf("invalid character %s after top-level value", quoteByte(data[i])))
	}
	return s, nil
}

// countNodeTypes counts the strings "DataAction" and "CallDataAction" in
// data: at most one a node, and not the "SetConversationDataAction" and
// other types that merely end the same way.
func countNodeTypes(data []byte) int {
	n := 0
	for i := 0; ; {
		j := bytes.Index(data[i:], dataActionSuffix)
		if j < 0 {
			return n
		}
		at := i + j
		if (at > 0 && data[at-1] == '"') || (at >= 5 && string(data[at-5:at]) == `"Call`) {
			n++
		}
		i = at + len(dataActionSuffix)
	}
}

func (s *scanner) fail(off int, msg string) {
	panic(scanError{off, msg})
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

func (s *scanner) ws(i int) int {
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (s *scanner) value(i int) int {
	if i >= len(s.data) {
		s.fail(i, "unexpected end of JSON input")
	}
	switch c := s.data[i]; c {
	case '{':
		return s.object(i)
	case '[':
		return s.array(i)
	case '"':
		end, _ := s.str(i)
		return end
	case 't':
		return s.literal(i, "true")
	case 'f':
		return s.literal(i, "false")
	case 'n':
		return s.literal(i, "null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return s.number(i)
		}
		s.fail(i, fmt.Sprintf("invalid character %s looking for beginning of value", quoteByte(c)))
		return 0
	}
}

func (s *scanner) literal(i int, lit string) int {
	if len(s.data)-i < len(lit) || string(s.data[i:i+len(lit)]) != lit {
		j := i
		for j < len(s.data) && j-i < len(lit) && s.data[j] == lit[j-i] {
			j++
		}
		if j == len(s.data) {
			s.fail(j, "unexpected end of JSON input")
		}
		s.fail(j, fmt.Sprintf("invalid character %s in literal %s", quoteByte(s.data[j]), lit))
	}
	return i + len(lit)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (s *scanner) digits(i int, what string) int {
	if i >= len(s.data) {
		s.fail(i, "unexpected end of JSON input")
	}
	if !isDigit(s.data[i]) {
		s.fail(i, fmt.Sprintf("invalid character %s in %s", quoteByte(s.data[i]), what))
	}
	for i < len(s.data) && isDigit(s.data[i]) {
		i++
	}
	return i
}

func (s *scanner) number(i int) int {
	d := s.data
	if d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else {
		i = s.digits(i, "numeric literal")
	}
	if i < len(d) && d[i] == '.' {
		i = s.digits(i+1, "numeric literal")
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		i = s.digits(i, "exponent of numeric literal")
	}
	return i
}

// strSafe marks the bytes that can appear in a string without ending it or
// needing a check: everything but the quote, the backslash and control bytes.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str scans the string starting at the quote at i and returns the offset after
// its closing quote and whether it holds escapes.
func (s *scanner) str(i int) (int, bool) {
	d := s.data
	esc := false
	i++
	for {
		// A tight loop over the bytes that neither end the string nor
		// need a check (one table lookup each): strings are most of an
		// Architect document.
		for i < len(d) && strSafe[d[i]] {
			i++
		}
		if i >= len(d) {
			s.fail(i, "unexpected end of JSON input in string")
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, esc
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				s.fail(i+1, "unexpected end of JSON input in string escape")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 0; k < 4; k++ {
					j := i + 2 + k
					if j >= len(d) {
						s.fail(j, "unexpected end of JSON input in \\u escape")
					}
					if !isHex(d[j]) {
						s.fail(j, fmt.Sprintf("invalid character %s in \\u hexadecimal character escape", quoteByte(d[j])))
					}
				}
				i += 6
			default:
				s.fail(i+1, fmt.Sprintf("invalid character %s in string escape code", quoteByte(d[i+1])))
			}
		default:
			s.fail(i, fmt.Sprintf("invalid character %s in string literal", quoteByte(c)))
		}
	}
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) push(i int) {
	s.depth++
	if s.depth > maxDepth {
		s.fail(i, fmt.Sprintf("exceeded max depth of %d", maxDepth))
	}
}

func (s *scanner) array(i int) int {
	s.push(i)
	i = s.ws(i + 1)
	if i < len(s.data) && s.data[i] == ']' {
		s.depth--
		return i + 1
	}
	s.path = append(s.path, pathSeg{array: true})
	seg := len(s.path) - 1
	for n := 0; ; n++ {
		s.path[seg].index = n
		i = s.value(i)
		i = s.ws(i)
		if i >= len(s.data) {
			s.fail(i, "unexpected end of JSON input")
		}
		switch s.data[i] {
		case ',':
			i = s.ws(i + 1)
		case ']':
			s.path = s.path[:seg]
			s.depth--
			return i + 1
		default:
			s.fail(i, fmt.Sprintf("invalid character %s after array element", quoteByte(s.data[i])))
		}
	}
}

var (
	dataActionSuffix   = []byte(`DataAction"`)
	keyType            = []byte("__type")
	keySequences       = []byte("flowSequenceItemList")
	keyFlowVersion     = []byte("flowVersion")
	typeDataAction     = []byte(`"DataAction"`)
	typeCallDataAction = []byte(`"CallDataAction"`)
)

func (s *scanner) object(start int) int {
	s.push(start)
	d := s.data
	i := s.ws(start + 1)
	if i < len(d) && d[i] == '}' {
		s.depth--
		return i + 1
	}
	root := s.depth == 1
	base, cbase := len(s.members), len(s.carriers)
	isNode := false
	s.path = append(s.path, pathSeg{})
	seg := len(s.path) - 1
	for {
		keyOff := i
		kend, esc, vstart := s.memberKey(i)
		key := d[keyOff+1 : kend-1]
		s.path[seg] = pathSeg{key: keyOff, esc: esc}
		before := len(s.nodes)
		i = s.value(vstart)
		if d[vstart] == '"' && (len(key) == len(keyType) || esc) && keyIs(key, esc, keyType) && isNodeType(d[vstart:i]) {
			isNode = true
		}
		if root {
			switch {
			case keyIs(key, esc, keySequences):
				s.sequences.note(vstart, i, d[vstart])
			case keyIs(key, esc, keyFlowVersion):
				s.flowVersion.note(vstart, i, d[vstart])
			}
		}
		if len(s.nodes) > before {
			s.carriers = append(s.carriers, carrier{member: len(s.members), from: before, to: len(s.nodes)})
		}
		s.record(memberRec{off: int32(keyOff), keyEnd: int32(kend - 1), vstart: int32(vstart), vend: int32(i)})
		i = s.ws(i)
		if i >= len(d) {
			s.fail(i, "unexpected end of JSON input")
		}
		if d[i] == ',' {
			i = s.ws(i + 1)
			continue
		}
		if d[i] != '}' {
			s.fail(i, fmt.Sprintf("invalid character %s after object key:value pair", quoteByte(d[i])))
		}
		i++
		break
	}
	s.path = s.path[:seg] // the object's own pointer, for closeObject
	s.closeObject(start, i, base, cbase, isNode)
	s.depth--
	return i
}

// memberKey reads the key at i and the colon after it; it returns the
// offset after the key's closing quote, whether the key holds escapes, and
// where the value starts.
func (s *scanner) memberKey(i int) (kend int, esc bool, vstart int) {
	d := s.data
	if i >= len(d) {
		s.fail(i, "unexpected end of JSON input")
	}
	if d[i] != '"' {
		s.fail(i, fmt.Sprintf("invalid character %s looking for beginning of object key string", quoteByte(d[i])))
	}
	kend, esc = s.str(i)
	i = s.ws(kend)
	if i >= len(d) {
		s.fail(i, "unexpected end of JSON input")
	}
	if d[i] != ':' {
		s.fail(i, fmt.Sprintf("invalid character %s after object key", quoteByte(d[i])))
	}
	return kend, esc, s.ws(i + 1)
}

// isNodeType reports whether a quoted __type value names a Data Action.
func isNodeType(v []byte) bool {
	return bytes.Equal(v, typeDataAction) || bytes.Equal(v, typeCallDataAction) || (bytes.IndexByte(v, '\\') >= 0 && isDataActionType(v))
}

// record keeps a member of the object being scanned until it closes.
func (s *scanner) record(m memberRec) {
	if len(s.members) == cap(s.members) {
		// Double: append grows a large slice by a quarter, which on an
		// object of 50,000 members allocated five times its size.
		s.members = append(make([]memberRec, 0, 2*cap(s.members)+16), s.members...)
	}
	s.members = append(s.members, m)
}

// closeObject finishes the object at data[start:end], whose members are
// s.members[base:]: it checks the keys that lead to nodes for duplicates
// and, when the object is itself a node, records it with its members.
func (s *scanner) closeObject(start, end, base, cbase int, isNode bool) {
	if len(s.carriers) > cbase {
		s.checkDuplicates(s.members[base:], s.carriers[cbase:], base)
		s.carriers = s.carriers[:cbase]
	}
	if isNode {
		// Only now is it known that the object is a node: read where its
		// members are from the records every object keeps.
		var nm nodeMembers
		for _, m := range s.members[base:] {
			key := s.key(m)
			if k := nodeKeyIndex(key, bytes.IndexByte(key, '\\') >= 0); k >= 0 {
				nm.note(k, int(m.vstart)-start, int(m.vend)-start)
			}
		}
		s.nodes = append(s.nodes, nodeRec{start: start, end: end, pointer: s.pointer(), members: nm.spans, dup: nm.dup})
	}
	s.members = s.members[:base]
}

func (m *topMember) note(start, end int, kind byte) {
	m.count++
	if m.count == 1 {
		m.start, m.end, m.kind = start, end, kind
	}
}

// checkDuplicates marks the candidates under a key that the same object holds
// twice: gjson reads the first of two duplicates and encoding/json (and most
// servers) the last, so an edit there would be a guess.
// base is the index in scanner.members of ms[0].
//
// It costs one pass over the object's members: the keys of the carriers go
// into a map, and every member's key is looked up in it. (Comparing each
// carrier with each member was quadratic: an object whose 10,000 members are
// Data Actions took 116 times the time per byte of an ordinary document.)
// Objects too small for a map to pay are compared pairwise.
func (s *scanner) checkDuplicates(ms []memberRec, cs []carrier, base int) {
	if len(cs)*len(ms) <= 64 {
		for _, c := range cs {
			a := ms[c.member-base]
			for _, b := range ms {
				if a != b && s.sameKey(a, b) {
					s.markAmbiguous(c, a, b)
				}
			}
		}
		return
	}
	// offsets of the first two members with each carrier's key: one map
	// from key to an index in one slice (a wide object has a carrier a
	// member, so this is one allocation, not one a member)
	type seen struct{ first, second int32 }
	byKey := make(map[string]int32, len(cs))
	seens := make([]seen, 0, len(cs))
	lookup := func(key []byte) (int32, bool) {
		if bytes.IndexByte(key, '\\') >= 0 {
			i, ok := byKey[keyText(key, true)]
			return i, ok
		}
		i, ok := byKey[string(key)] // no allocation for a lookup
		return i, ok
	}
	for _, c := range cs {
		if _, ok := lookup(s.key(ms[c.member-base])); !ok {
			byKey[s.keyString(ms[c.member-base])] = int32(len(seens))
			seens = append(seens, seen{-1, -1})
		}
	}
	for _, m := range ms {
		i, ok := lookup(s.key(m))
		switch {
		case !ok:
		case seens[i].first < 0:
			seens[i].first = m.off
		case seens[i].second < 0:
			seens[i].second = m.off
		}
	}
	for _, c := range cs {
		a := ms[c.member-base]
		i, _ := lookup(s.key(a))
		e := seens[i]
		if e.second < 0 {
			continue
		}
		other := e.first
		if other == a.off {
			other = e.second
		}
		s.markAmbiguous(c, a, memberRec{off: other})
	}
}

// markAmbiguous marks the candidates under carrier c, whose member a shares
// its key with the member at b.off.
func (s *scanner) markAmbiguous(c carrier, a, b memberRec) {
	ka := s.key(a)
	why := fmt.Sprintf("key %s appears twice in one object (at byte offsets %d and %d) on the path to this node",
		strconv.Quote(keyText(ka, bytes.IndexByte(ka, '\\') >= 0)), a.off, b.off)
	for i := c.from; i < c.to; i++ {
		if s.nodes[i].ambiguous == "" {
			s.nodes[i].ambiguous = why
		}
	}
}

// keyString is m's key text, escapes resolved.
func (s *scanner) keyString(m memberRec) string {
	key := s.key(m)
	return keyText(key, bytes.IndexByte(key, '\\') >= 0)
}

func (s *scanner) sameKey(a, b memberRec) bool {
	ka, kb := s.key(a), s.key(b)
	escA, escB := bytes.IndexByte(ka, '\\') >= 0, bytes.IndexByte(kb, '\\') >= 0
	if !escA && !escB {
		return bytes.Equal(ka, kb)
	}
	return keyText(ka, escA) == keyText(kb, escB)
}

// keyIs reports whether the raw key equals want, which has no escapes.
func keyIs(key []byte, esc bool, want []byte) bool {
	if !esc {
		return bytes.Equal(key, want)
	}
	return keyText(key, esc) == string(want)
}

func isDataActionType(quoted []byte) bool {
	var v string
	if json.Unmarshal(quoted, &v) != nil {
		return false
	}
	return v == "DataAction" || v == "CallDataAction"
}

// keyText is the key's text with JSON escapes resolved.
func keyText(raw []byte, esc bool) string {
	if !esc {
		return string(raw)
	}
	var v string
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	if err := json.Unmarshal(q, &v); err != nil {
		return string(raw) // unreachable: the scanner validated the string
	}
	return v
}

// pointer is the RFC 6901 JSON Pointer of the value being scanned. The
// parent's pointer is built once for all its children (the Data Actions of
// one actionList), and each child's is that and its last segment: one
// allocation a node.
func (s *scanner) pointer() string {
	n := len(s.path)
	if n == 0 {
		return ""
	}
	if !slices.Equal(s.prefixPath, s.path[:n-1]) { // at first both empty: the prefix "" is right
		var b strings.Builder
		for _, p := range s.path[:n-1] {
			s.writeSegment(&b, p)
		}
		s.prefix, s.prefixPath = b.String(), append(s.prefixPath[:0], s.path[:n-1]...)
	}
	var b strings.Builder
	b.Grow(len(s.prefix) + 24)
	b.WriteString(s.prefix)
	s.writeSegment(&b, s.path[n-1])
	return b.String()
}

// writeSegment writes one path segment, "/" and the escaped key or index.
func (s *scanner) writeSegment(b *strings.Builder, p pathSeg) {
	b.WriteByte('/')
	if p.array {
		b.WriteString(strconv.Itoa(p.index))
		return
	}
	end := p.key + 1
	for s.data[end] != '"' {
		if s.data[end] == '\\' {
			end++
		}
		end++
	}
	if raw := s.data[p.key+1 : end]; !p.esc && !bytes.ContainsAny(raw, "~/") {
		b.Write(raw)
	} else {
		b.WriteString(escapePointer(keyText(raw, p.esc)))
	}
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escapePointer(key string) string {
	if strings.ContainsAny(key, "~/") {
		return pointerEscaper.Replace(key)
	}
	return key
}
