package flow

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/tidwall/sjson"
)

// Edit asks for one node's timeout to be set.
type Edit struct {
	// NodeID names the node: Node.ID.
	NodeID string
	// Timeout is the new timeout: positive, whole milliseconds.
	Timeout time.Duration
	// ReplaceExpression also sets an Architect node whose timeout is an
	// expression (a variable, a function) or empty: its timeout.config
	// becomes a literal, {"lit":{"pos":1,"text":...,"type":"dur"}}
	// (modelled on Architect's literals). Without it such a node is an
	// error, because what it waits is decided when the flow runs.
	ReplaceExpression bool
}

// Change reports one node that an edit changed.
type Change struct {
	// Node is the node as it was before the edit.
	Node Node
	// From is the literal the node had (zero when it had none) and To the
	// literal it has now. When Node.UseSuggested was true, the node waited
	// for its action's own timeout, not From.
	From, To time.Duration
}

// RaiseOptions narrows RaiseTimeouts. A nil *RaiseOptions means the zero value.
type RaiseOptions struct {
	// OverrideSuggested gives nodes that use their action's suggested timeout
	// a custom timeout of the target. flow cannot know what the action
	// waits, so every such node counts as below it; use Filter to pick only the nodes
	// whose action waits less (the client package does).
	OverrideSuggested bool
	// IncludeHTTP also raises the tutorial shape's HTTP nodes.
	IncludeHTTP bool
	// Filter, when set, limits the nodes considered to those it accepts.
	Filter func(Node) bool
}

// SetTimeouts sets the timeouts of the nodes the edits name, all in one splice
// of the document: either every edit applies or none does, and on error the
// document is unchanged. A node that already has the requested custom
// timeout is left as it is and reported by no Change.
//
// In the Architect shape, setting T writes T's duration text into
// timeout.config.lit.text and timeout.text, sets useSuggestedTimeout to
// false, and sets timeout.outOfService to false where that key exists: the
// edit Architect makes when a custom timeout is typed in (modelled: no real
// document with a custom Data Action timeout was available). Only literal
// timeouts are edited, unless Edit.ReplaceExpression; otherwise an
// expression or a missing timeout is an error. In the
// tutorial shape, settings.timeout is replaced, or inserted at the end of its
// object (with settings when that is missing too).
func (d *Document) SetTimeouts(edits ...Edit) ([]Change, error) {
	byID := make(map[string][]int, len(d.nodes))
	for i := range d.nodes {
		id := d.nodes[i].id(d.data)
		byID[id] = append(byID[id], i)
	}
	plans := make([]plan, 0, len(edits))
	planned := make(map[int]plan, len(edits))
	for _, e := range edits {
		if err := checkTarget(e.Timeout); err != nil {
			return nil, fmt.Errorf("%w (edit of node %q)", err, e.NodeID)
		}
		idx := byID[e.NodeID]
		switch {
		case len(idx) == 0:
			return nil, fmt.Errorf("%w: no Data Action or HTTP node has id %q", ErrNodeNotFound, e.NodeID)
		case len(idx) > 1:
			return nil, fmt.Errorf("%w: %d nodes have id %q (at %s and %s)", ErrAmbiguous, len(idx), e.NodeID,
				d.nodes[idx[0]].pointer, d.nodes[idx[1]].pointer)
		}
		p := plan{node: idx[0], to: e.Timeout, replaceExpression: e.ReplaceExpression}
		if prev, ok := planned[p.node]; ok {
			if prev != p {
				return nil, fmt.Errorf("%w: two edits of node %q disagree (%v and %v)", ErrAmbiguous, e.NodeID, prev.to, e.Timeout)
			}
			continue
		}
		planned[p.node] = p
		plans = append(plans, p)
	}
	slices.SortFunc(plans, func(a, b plan) int { return a.node - b.node })
	return d.apply(plans)
}

// RaiseTimeouts sets every Data Action whose timeout is below target to target, in
// one splice, all or nothing. An unset tutorial timeout counts as below.
// Nodes that use the suggested timeout are left alone unless
// opts.OverrideSuggested. Expression timeouts, and Architect nodes without a
// literal, are never touched. Only a node this call would edit can fail it:
// one that opts select (IncludeHTTP, Filter, OverrideSuggested for a node
// that uses the suggested timeout) whose timeout cannot be read (Node.Err)
// fails the whole call; a node it would leave alone is left alone, readable
// or not.
func (d *Document) RaiseTimeouts(target time.Duration, opts *RaiseOptions) ([]Change, error) {
	if err := checkTarget(target); err != nil {
		return nil, err
	}
	var o RaiseOptions
	if opts != nil {
		o = *opts
	}
	var plans []plan
	for i := range d.nodes {
		r := &d.nodes[i]
		if (r.http && !o.IncludeHTTP) || (o.Filter != nil && !o.Filter(d.node(i))) {
			continue
		}
		if r.useSuggested && !o.OverrideSuggested {
			continue // not this call's to edit, readable or not
		}
		if r.err != nil {
			return nil, r.err
		}
		switch {
		case r.kind == TimeoutExpression:
		case r.kind == TimeoutUnset && d.shape == ShapeArchitect:
		case r.useSuggested:
			plans = append(plans, plan{node: i, to: target})
		case r.kind == TimeoutUnset || r.timeout < target:
			plans = append(plans, plan{node: i, to: target})
		}
	}
	return d.apply(plans)
}

func checkTarget(t time.Duration) error {
	switch {
	case t <= 0:
		return fmt.Errorf("%w: target %v is not positive", ErrInvalidTimeout, t)
	case t%time.Millisecond != 0:
		return fmt.Errorf("%w: target %v is not a whole number of milliseconds", ErrInvalidTimeout, t)
	case t > maxTimeout:
		return fmt.Errorf("%w: target %v is above %v", ErrInvalidTimeout, t, maxTimeout)
	}
	return nil
}

// plan is one node to set to a timeout; node indexes Document.nodes.
type plan struct {
	node              int
	to                time.Duration
	replaceExpression bool
}

// replacement swaps the bytes data[start:end], which must be old, for text.
type replacement struct {
	start, end int
	old, text  []byte
}

// apply makes the plans' edits, each made by sjson on its node's own bytes,
// in one splice of the document, and updates the node table in place,
// reading again only the nodes that hold an edit. Every check that can fail
// runs before the table or the bytes change: all or nothing.
func (d *Document) apply(plans []plan) ([]Change, error) {
	reps, changes, err := d.planReplacements(plans)
	if err != nil || len(reps) == 0 {
		return nil, err
	}
	out, err := d.splice(reps)
	if err != nil {
		return nil, err
	}
	want := make(map[int]time.Duration, len(plans))
	for _, p := range plans {
		want[p.node] = p.to
	}
	// Read every node that holds an edit again from the new bytes, before
	// anything changes: one sweep, nodes and replacements both in order.
	type fresh struct {
		i   int
		rec nodeRec
	}
	edited := make([]fresh, 0, len(plans))
	var sw sweep
	for i := range d.nodes {
		r := &d.nodes[i]
		sw.upTo(reps, r.start)
		if sw.k < len(reps) && reps[sw.k].start < r.end {
			nr, err := d.reread(out, i, reps[sw.k:], sw.shift, want)
			if err != nil {
				return nil, err
			}
			edited = append(edited, fresh{i, nr})
		}
	}
	// Commit: the edited nodes as read again, the others moved.
	sw, e := sweep{}, 0
	for i := range d.nodes {
		r := &d.nodes[i]
		sw.upTo(reps, r.start)
		if e < len(edited) && edited[e].i == i {
			*r = edited[e].rec
			e++
			continue
		}
		r.start, r.end = r.start+sw.shift, r.end+sw.shift
	}
	d.data = out
	return changes, nil
}

// planReplacements lists the byte replacements of the plans, sorted, and
// the changes they make.
func (d *Document) planReplacements(plans []plan) ([]replacement, []Change, error) {
	reps := make([]replacement, 0, 2*len(plans))
	changes := make([]Change, 0, len(plans))
	for _, p := range plans {
		r := &d.nodes[p.node]
		n := len(reps)
		var err error
		if reps, err = d.replacements(reps, r, p.to, p.replaceExpression); err != nil {
			return nil, nil, err
		}
		if len(reps) > n {
			changes = append(changes, Change{Node: d.node(p.node), From: r.timeout, To: p.to})
		}
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].start < reps[j].start })
	return reps, changes, nil
}

// splice checks each replacement's span and makes them all in one new
// buffer.
func (d *Document) splice(reps []replacement) ([]byte, error) {
	size := len(d.data)
	for i, rp := range reps {
		if i > 0 && rp.start < reps[i-1].end {
			return nil, fmt.Errorf("flow: internal error: overlapping edits at byte offsets %d and %d", reps[i-1].start, rp.start)
		}
		if !bytes.Equal(d.data[rp.start:rp.end], rp.old) {
			return nil, fmt.Errorf("%w: the document does not hold %q at byte offset %d", ErrAmbiguous, rp.old, rp.start)
		}
		size += len(rp.text) - (rp.end - rp.start)
	}
	out := make([]byte, 0, size)
	prev := 0
	for _, rp := range reps {
		out = append(append(out, d.data[prev:rp.start]...), rp.text...)
		prev = rp.end
	}
	return append(out, d.data[prev:]...), nil
}

// sweep walks the sorted replacements alongside the sorted nodes: k is the
// first replacement that does not start before the current position, and
// shift how far the replacements before it move that position.
type sweep struct{ k, shift int }

// upTo moves the sweep past the replacements that start before pos.
func (s *sweep) upTo(reps []replacement, pos int) {
	for s.k < len(reps) && reps[s.k].start < pos {
		s.shift += len(reps[s.k].text) - (reps[s.k].end - reps[s.k].start)
		s.k++
	}
}

// reread is node i as it stands in out after the splice, read again from
// the new bytes: a tutorial node whole (it is small), an Architect node by
// its moved member spans and its timeout read again. An edited node must
// read back as its target.
func (d *Document) reread(out []byte, i int, own []replacement, base int, want map[int]time.Duration) (nodeRec, error) {
	r := &d.nodes[i]
	// Positions in the node move by base, what moved the node's start, and
	// by the node's own replacements (one or two: the first of own) before
	// them.
	at := func(pos int) int {
		shift := base
		for _, rp := range own {
			if rp.start >= pos {
				break
			}
			shift += len(rp.text) - (rp.end - rp.start)
		}
		return pos + shift
	}
	start, end := at(r.start), at(r.end)
	var nr nodeRec
	if d.shape == ShapeTutorial {
		nr, _ = tutorialNode(string(out[start:end]), r.key, start)
		nr.http = r.http
	} else {
		nr = nodeRec{start: start, end: end, pointer: r.pointer, ambiguous: r.ambiguous, dup: r.dup}
		for k, sp := range r.members {
			if sp.ok() {
				nr.members[k] = nr.rel(at(r.start+int(sp.start)), at(r.start+int(sp.end)))
			}
		}
		readArchitect(out, &nr)
	}
	if to, edited := want[i]; edited && (nr.err != nil || nr.kind != TimeoutLiteral || nr.timeout != to || nr.useSuggested) {
		return nodeRec{}, fmt.Errorf("flow: internal error: node %q at %s does not read back as %v after the edit (%v)", r.id(d.data), r.pointer, to, nr.err)
	}
	return nr, nil
}

// The JSON literals of the booleans an edit flips.
const (
	litFalse = "false"
	litTrue  = "true"
)

// replacements appends to reps the byte replacements that set r's timeout
// to to; it appends nothing when r already has it.
func (d *Document) replacements(reps []replacement, r *nodeRec, to time.Duration, replaceExpression bool) ([]replacement, error) {
	if r.err != nil {
		return nil, r.err
	}
	if d.shape == ShapeTutorial {
		if r.kind == TimeoutLiteral && r.timeout == to {
			return reps, nil
		}
		return d.tutorialEdit(reps, r, to)
	}
	switch {
	case r.kind != TimeoutLiteral && !replaceExpression:
		return nil, &NodeError{NodeID: r.id(d.data), Pointer: r.pointer, Err: fmt.Errorf(
			"%w: the timeout is %s, not a literal; only literal timeouts are edited unless ReplaceExpression is set", ErrInvalidTimeout, r.kind)}
	case r.kind != TimeoutLiteral && !r.config.ok():
		return nil, &NodeError{NodeID: r.id(d.data), Pointer: r.pointer, Err: fmt.Errorf("%w: the node has no timeout expression to replace", ErrInvalidTimeout)}
	case r.kind == TimeoutLiteral && r.timeout == to && !r.useSuggested:
		return reps, nil
	}
	return d.architectEdit(reps, r, to)
}

// architectEdit sets an Architect node's custom timeout: sjson edits a copy
// of the node's timeout object (timeout.config.lit.text, or the whole
// config when it was an expression, timeout.text, timeout.outOfService),
// and useSuggestedTimeout becomes false. The exact bytes are modelled on
// Architect's literals.
func (d *Document) architectEdit(reps []replacement, r *nodeRec, to time.Duration) ([]replacement, error) {
	text := []byte(`"` + FormatDuration(to) + `"`)
	old := r.value(d.data, r.members[keyIndexTimeout])
	// sjson edits the copy in place where the new value is no longer than
	// the old one (Optimistic, ReplaceInPlace): the paths have no
	// characters it treats specially.
	opts := &sjson.Options{Optimistic: true, ReplaceInPlace: true}
	edited := append(make([]byte, 0, len(old)+len(text)), old...)
	var err error
	set := func(path string, value []byte) {
		if err == nil {
			edited, err = sjson.SetRawBytesOptions(edited, path, value, opts)
		}
	}
	if r.kind == TimeoutLiteral {
		set("config.lit.text", text)
	} else {
		set("config", append(append([]byte(`{"lit":{"pos":1,"text":`), text...), `,"type":"dur"}}`...))
	}
	if r.text.ok() {
		set("text", text)
	}
	if r.oos.ok() && string(r.value(d.data, r.oos)) == litTrue {
		set("outOfService", []byte(litFalse))
	}
	if err != nil {
		return nil, fmt.Errorf("flow: internal error: editing the timeout of node %q: %w", r.id(d.data), err)
	}
	t := r.members[keyIndexTimeout]
	if !bytes.Equal(edited, old) {
		reps = append(reps, replacement{r.start + int(t.start), r.start + int(t.end), old, edited})
	}
	if us := r.members[keyIndexSuggested]; us.ok() && r.useSuggested {
		reps = append(reps, replacement{r.start + int(us.start), r.start + int(us.end), r.value(d.data, us), []byte(litFalse)})
	}
	return reps, nil
}

// tutorialEdit sets a tutorial node's settings.timeout: sjson edits a copy
// of the node, replacing the number, or inserting the member (and settings
// when that is missing too) at the end of its object. sjson inserts a
// member just before the object's closing brace, after any white space
// there; the white space is taken out of the copy first and put back after
// the new member, so that the member follows the last value, as written by
// hand.
func (d *Document) tutorialEdit(reps []replacement, r *nodeRec, to time.Duration) ([]replacement, error) {
	old := d.data[r.start:r.end]
	in := old
	var ws []byte
	if r.insert != insertNothing {
		ws = old[r.insertAt:r.closeAt]
		in = append(append(make([]byte, 0, len(old)), old[:r.insertAt]...), old[r.closeAt:]...)
	} else {
		in = append([]byte(nil), old...)
	}
	edited, err := sjson.SetRawBytes(in, "settings.timeout", strconv.AppendInt(nil, int64(to/time.Millisecond), 10))
	if err != nil {
		return nil, fmt.Errorf("flow: internal error: editing node %q: %w", r.key, err)
	}
	if len(ws) > 0 {
		// The inserted text ends where the object's closing brace now is:
		// len(old) - closeAt bytes from the end of the node.
		brace := len(edited) - (len(old) - int(r.closeAt))
		edited = append(edited[:brace:brace], append(ws, edited[brace:]...)...)
	}
	return append(reps, replacement{r.start, r.end, old, edited}), nil
}

// TimeoutChanges compares two documents' timeouts, matched by node id, and
// reports a Change for each node whose literal, kind or use of the suggested
// timeout differs (Node as in from, To the literal in to). It changes
// neither document; nodes found in only one of them are not reported.
func TimeoutChanges(from, to *Document) []Change {
	old := make(map[string]Node, len(from.nodes))
	for _, n := range from.Nodes() {
		old[n.ID] = n
	}
	var changes []Change
	for _, n := range to.Nodes() {
		o, ok := old[n.ID]
		if ok && (o.Timeout != n.Timeout || o.TimeoutKind != n.TimeoutKind || o.UseSuggested != n.UseSuggested) {
			changes = append(changes, Change{Node: o, From: o.Timeout, To: n.Timeout})
		}
	}
	return changes
}

// Overwrite makes d hold a copy of with, every byte of it, as restoring a
// backup does, and returns TimeoutChanges(d, with) as they were before. The
// bytes may change where no timeout does: compare Bytes to tell.
func (d *Document) Overwrite(with *Document) []Change {
	changes := TimeoutChanges(d, with)
	d.data, d.shape = with.data, with.shape // never written again: safe to share
	d.nodes = append([]nodeRec(nil), with.nodes...)
	return changes
}
