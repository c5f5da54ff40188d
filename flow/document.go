package flow

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Shape says which of the two known document shapes a Document holds.
type Shape int

const (
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
type span struct{ start, end int }

func (s span) ok() bool { return s.end > 0 }

// nodeRec is a node with the offsets its edits need.
type nodeRec struct {
	Node
	start, end int // the node object's span in Document.data
	http       bool
	// Architect: the value spans of timeout.config.lit.text, timeout.text,
	// useSuggestedTimeout and timeout.outOfService.
	lit, text, suggested, outOfService span
	// config is the value span of timeout.config, which ReplaceExpression
	// replaces whole.
	config span
	// Tutorial: the value span of settings.timeout, or where to insert it.
	msTimeout span
	insertAt  int    // relative offset at which to insert
	insertFmt string // fmt pattern of the inserted text, %d the milliseconds
}

// Document is one flow configuration held as raw JSON. It reads and edits
// Data Action timeouts and leaves every other byte as it was.
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
		d.nodes = make([]nodeRec, 0, len(sc.cands))
		for _, c := range sc.cands {
			d.nodes = append(d.nodes, architectNode(d.data, c.start, c.end, c.pointer, c.ambiguous, c.members))
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

func kindName(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

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
			out = append(out, d.nodes[i].Node)
		}
	}
	return out
}

// Nodes returns every node with an editable timeout, in document order: the
// Data Actions and, in the tutorial shape, the HTTP nodes.
func (d *Document) Nodes() []Node {
	out := make([]Node, len(d.nodes))
	for i := range d.nodes {
		out[i] = d.nodes[i].Node
	}
	return out
}

// view returns data[start:end] as a string without copying. d.data is never
// written after it is built, so the string stays valid.
func view(data []byte, start, end int) string {
	if end <= start {
		return ""
	}
	return unsafe.String(&data[start], end-start)
}

// object returns a gjson result over data[start:end] whose Index values are
// relative to start.
func object(data []byte, start, end int) gjson.Result {
	return gjson.Result{Type: gjson.JSON, Raw: view(data, start, end)}
}
