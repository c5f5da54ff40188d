package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxDocumentBytes is the largest flow document this module reads, from
// the platform or from a file: 32 MiB. Real bot flows reach about 600 KB;
// the platform saves at most 512,000 bytes, but a read is not bound by
// that.
const MaxDocumentBytes = 32 << 20

// MaxDataActionTimeout is the longest any Data Action waits: its
// integration action's own timeoutSeconds is 1 to 60, and the action gives
// up first, whatever the node says.
const MaxDataActionTimeout = 60 * time.Second

// Types returns the flow types of Architect, lower case, as a flow
// document's "type" and the type filter of GET /api/v2/flows name them
// (the Flow.type enum of Genesys' SDKs). Genesys adds types over time; a
// type missing here is refused by the example commands and by a policy
// file, never by this package or the client.
func Types() []string {
	return []string{"bot", "commonmodule", "digitalbot", "inboundcall", "inboundchat", "inboundemail", "inboundshortmessage",
		"inqueuecall", "inqueueemail", "inqueueshortmessage", "outboundcall", "securecall", "surveyinvite", "voice",
		"voicemail", "voicesurvey", "workflow", "workitem"}
}

// Shape says which of the two known document shapes a Document holds.
type Shape int

const (
	// ShapeUnknown is a JSON object of neither known shape, held as it is
	// by ParseAny: it has no nodes, and nothing in it can be edited.
	ShapeUnknown Shape = 0
	// ShapeArchitect is the configuration Genesys Cloud serves and accepts:
	// flowSequenceItemList and actions whose __type is DataAction.
	ShapeArchitect Shape = iota + 1
	// ShapeTutorial is the simplified flowVersion.nodes document, keyed by
	// node id, with settings.timeout in milliseconds.
	ShapeTutorial
)

func (s Shape) String() string {
	switch s {
	case ShapeArchitect:
		return "architect"
	case ShapeTutorial:
		return "tutorial"
	case ShapeUnknown:
		return "unknown"
	default:
		return fmt.Sprintf("Shape(%d)", int(s))
	}
}

// TimeoutKind says what a node's stored timeout is.
type TimeoutKind int

const (
	// TimeoutUnset: no timeout is stored. In the tutorial shape a missing or
	// zero settings.timeout; in the Architect shape a missing timeout or an
	// empty expression (emp).
	TimeoutUnset TimeoutKind = iota
	// TimeoutLiteral: a literal duration, in Node.Timeout.
	TimeoutLiteral
	// TimeoutExpression: a variable or a function: the flow computes the
	// timeout when it runs, so nobody can check or raise it from the document.
	TimeoutExpression
)

func (k TimeoutKind) String() string {
	switch k {
	case TimeoutUnset:
		return "unset"
	case TimeoutLiteral:
		return "literal"
	case TimeoutExpression:
		return "expression"
	default:
		return fmt.Sprintf("TimeoutKind(%d)", int(k))
	}
}

// Node is one action that waits on an integration: a Call Data Action (or, in
// the tutorial shape, an HTTP node).
type Node struct {
	// ID is the node's id: the id member in the Architect shape, the key
	// under flowVersion.nodes in the tutorial shape.
	ID string
	// Name is the node's display name.
	Name string
	// Type is the node's type as stored: "DataAction", "CallDataAction",
	// "dataAction", "HTTP", ...
	Type string
	// Pointer is the RFC 6901 JSON Pointer to the node object.
	Pointer string
	// Timeout is the stored literal timeout; zero unless TimeoutKind is
	// TimeoutLiteral. It is what the flow waits only when UseSuggested is false.
	Timeout time.Duration
	// TimeoutKind says whether a literal is stored.
	TimeoutKind TimeoutKind
	// TimeoutText is the stored timeout as written: Architect duration text
	// or the tutorial's number of milliseconds.
	TimeoutText string
	// UseSuggested reports useSuggestedTimeout: the node waits as long as
	// its data action's own config.timeoutSeconds, not Timeout.
	UseSuggested bool
	// ActionID and ActionName name the integration action (Architect shape).
	ActionID, ActionName string
	// Err says why the node's timeout cannot be read or edited (a wrong JSON
	// type, duration text that does not parse, a duplicate key); nil when it
	// can. Editing such a node is an error.
	Err error
}

// span is a byte range relative to the start of its node object. A zero end
// means absent.
type span struct{ start, end int32 }

func (s span) ok() bool { return s.end > 0 }

// insertKind says what a tutorial edit inserts when settings.timeout is missing.
type insertKind uint8

const (
	insertNothing  insertKind = iota
	insertSettings            // the node has no settings object
	insertTimeout             // settings has no timeout member
)

// nodeRec is a node as the Document keeps it: offsets into Document.data and
// what was read there, and no strings that alias the document. A Node, with
// strings of its own, is built from it when one is handed out (see node).
type nodeRec struct {
	start, end int // the node object's span in Document.data
	pointer    string
	err        error // a *NodeError: why the node cannot be read or edited
	timeout    time.Duration
	kind       TimeoutKind
	// useSuggested is useSuggestedTimeout; http marks a tutorial HTTP node.
	useSuggested, http bool
	// Architect: the value spans of the node's own members (by keyIndex),
	// and within the timeout those of timeout.config, timeout.text,
	// timeout.config.lit.text and timeout.outOfService. Tutorial: type and
	// name use their keyIndex slots.
	members                [nodeKeyCount]span
	config, text, lit, oos span
	// What the scanner found wrong on the path to the node or in it.
	ambiguous, dup string
	// Tutorial: the node's key (its id, decoded and owned), the value span
	// of settings.timeout, or what an edit must insert and where.
	key       string
	msTimeout span
	// insertAt is where the last member's value of the object that gets
	// the new member ends, and closeAt where that object's brace is.
	insertAt, closeAt int32
	insert            insertKind
}

// Document is one flow configuration held as raw JSON. It reads and edits
// Data Action timeouts and leaves every other byte as it was.
//
// The Nodes it hands out own their strings: keeping them does not keep the
// document.
//
// A Document is not safe for concurrent use while it is being edited;
// concurrent reads (Shape, Bytes, DataActions) are safe.
type Document struct {
	data  []byte
	shape Shape
	nodes []nodeRec // in document order
}

// Parse validates data as JSON, detects its shape and finds its timeout
// nodes, in one pass over the bytes. It copies data: the caller may reuse it.
//
// Errors wrap ErrInvalidJSON (a *SyntaxError with the byte offset),
// ErrUnknownShape or ErrAmbiguous.
func Parse(data []byte) (*Document, error) {
	d := &Document{data: append([]byte(nil), data...)}
	sc, err := scanDocument(d.data)
	if err != nil {
		return nil, err
	}
	if sc.rootKind != '{' {
		return nil, fmt.Errorf("%w: the top-level value is %s, want an object", ErrUnknownShape, kindName(sc.rootKind))
	}
	arch := sc.sequences.count > 0 && sc.sequences.kind == '['
	tut := sc.flowVersion.count > 0 && sc.flowVersion.kind == '{'
	switch {
	case arch && tut:
		return nil, fmt.Errorf("%w: the document has both flowSequenceItemList (Architect) and flowVersion (tutorial)", ErrAmbiguous)
	case arch:
		if sc.sequences.count > 1 {
			return nil, fmt.Errorf("%w: flowSequenceItemList appears %d times at the top level", ErrAmbiguous, sc.sequences.count)
		}
		d.shape = ShapeArchitect
		d.nodes = sc.nodes
		for i := range d.nodes {
			readArchitect(d.data, &d.nodes[i])
		}
		sortByStart(d.nodes)
	case tut:
		if sc.flowVersion.count > 1 {
			return nil, fmt.Errorf("%w: flowVersion appears %d times at the top level", ErrAmbiguous, sc.flowVersion.count)
		}
		d.shape = ShapeTutorial
		if err := d.tutorialNodes(sc.flowVersion.start, sc.flowVersion.end); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: want an Architect configuration (a top-level flowSequenceItemList array) or a tutorial document (a flowVersion object with nodes)", ErrUnknownShape)
	}
	return d, nil
}

// ParseAny is Parse, except that a JSON object of a shape this package does
// not read is not an error: the Document holds its bytes with ShapeUnknown
// and no nodes, so that it can still be backed up, compared and restored
// (Overwrite) byte for byte, though nothing in it can be edited. Invalid
// JSON, a top-level value that is not an object and an ambiguous document
// are errors as in Parse.
func ParseAny(data []byte) (*Document, error) {
	d, err := Parse(data)
	if err == nil || !errors.Is(err, ErrUnknownShape) {
		return d, err
	}
	// ErrUnknownShape comes after a whole, valid scan: only the top-level
	// kind is left to check.
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, err
	}
	return &Document{data: append([]byte(nil), data...), shape: ShapeUnknown}, nil
}

func kindName(c byte) string { return typeName([]byte{c}) }

// Shape reports which document shape d holds.
func (d *Document) Shape() Shape { return d.shape }

// Bytes returns the current document. The slice is shared with d, which never
// writes to it again (an edit builds a new one): the caller must not modify it.
func (d *Document) Bytes() []byte { return d.data }

// DataActions returns the document's Data Action nodes in document order.
// Tutorial HTTP nodes are not Data Actions; see Nodes.
func (d *Document) DataActions() []Node {
	out := make([]Node, 0, len(d.nodes))
	for i := range d.nodes {
		if !d.nodes[i].http {
			out = append(out, d.node(i))
		}
	}
	return out
}

// Nodes returns every node with an editable timeout, in document order: the
// Data Actions and, in the tutorial shape, the HTTP nodes.
func (d *Document) Nodes() []Node {
	out := make([]Node, len(d.nodes))
	for i := range d.nodes {
		out[i] = d.node(i)
	}
	return out
}

// node builds node i's Node. Its strings are copied out of the document
// into one allocation of their own.
func (d *Document) node(i int) Node {
	r := &d.nodes[i]
	n := Node{Pointer: r.pointer, Timeout: r.timeout, TimeoutKind: r.kind, UseSuggested: r.useSuggested, Err: r.err}
	raw := func(s span) []byte {
		if !s.ok() {
			return nil
		}
		return d.data[r.start+int(s.start) : r.start+int(s.end)]
	}
	var timeoutText []byte
	switch {
	case d.shape == ShapeTutorial:
		timeoutText = raw(r.msTimeout)
	case r.lit.ok():
		timeoutText = raw(r.lit)
	case r.kind == TimeoutExpression:
		timeoutText = raw(r.text)
	}
	fields := [...][]byte{raw(r.members[keyIndexID]), raw(r.members[keyIndexName]), raw(r.members[keyIndexType]),
		raw(r.members[keyIndexActionID]), raw(r.members[keyIndexActionName]), timeoutText}
	var texts [len(fields)]string
	if d.shape == ShapeTutorial {
		fields[0] = nil                // the id is the key, kept decoded
		texts[5] = string(timeoutText) // a number, not a string
		fields[5] = nil
	}
	packStrings(fields[:], texts[:])
	n.ID, n.Name, n.Type, n.ActionID, n.ActionName = texts[0], texts[1], texts[2], texts[3], texts[4]
	if texts[5] != "" {
		n.TimeoutText = texts[5]
	}
	if d.shape == ShapeTutorial {
		n.ID = r.key
	}
	return n
}

// packStrings decodes each raw JSON string in raws (nil, or not a string:
// "") into texts, all of them sharing one new allocation.
func packStrings(raws [][]byte, texts []string) {
	var b strings.Builder
	size := 0
	for _, r := range raws {
		size += len(r)
	}
	b.Grow(size)
	bounds := make([]int, 0, 2*len(raws))
	for _, r := range raws {
		from := b.Len()
		if len(r) >= 2 && r[0] == '"' {
			if bytes.IndexByte(r, '\\') < 0 {
				b.Write(r[1 : len(r)-1])
			} else {
				var v string
				if json.Unmarshal(r, &v) == nil {
					b.WriteString(v)
				}
			}
		}
		bounds = append(bounds, from, b.Len())
	}
	all := b.String()
	for i := range raws {
		texts[i] = all[bounds[2*i]:bounds[2*i+1]]
	}
}
