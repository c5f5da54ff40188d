package flow

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"
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
		byID[d.nodes[i].ID] = append(byID[d.nodes[i].ID], i)
	}
	plans := make([]plan, 0, len(edits))
	planned := make(map[int]time.Duration, len(edits))
	replace := map[int]bool{}
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
				d.nodes[idx[0]].Pointer, d.nodes[idx[1]].Pointer)
		}
		if prev, ok := planned[idx[0]]; ok {
			if prev != e.Timeout || replace[idx[0]] != e.ReplaceExpression {
				return nil, fmt.Errorf("%w: two edits of node %q disagree (%v and %v)", ErrAmbiguous, e.NodeID, prev, e.Timeout)
			}
			continue
		}
		planned[idx[0]] = e.Timeout
		plans = append(plans, plan{node: idx[0], to: e.Timeout, replaceExpression: e.ReplaceExpression})
		replace[idx[0]] = e.ReplaceExpression
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
		if (r.http && !o.IncludeHTTP) || (o.Filter != nil && !o.Filter(r.Node)) {
			continue
		}
		if r.UseSuggested && !o.OverrideSuggested {
			continue // not this call's to edit, readable or not
		}
		if r.Err != nil {
			return nil, r.Err
		}
		switch {
		case r.TimeoutKind == TimeoutExpression:
		case r.TimeoutKind == TimeoutUnset && d.shape == ShapeArchitect:
		case r.UseSuggested:
			plans = append(plans, plan{node: i, to: target})
		case r.TimeoutKind == TimeoutUnset || r.Timeout < target:
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

// replacement swaps data[start:end], which must hold old, for text.
type replacement struct {
	start, end int
	old, text  string
}

// apply makes the plans' edits in one splice and updates the node table in
// place, re-reading only the nodes that hold an edit. Every check that can
// fail runs before the table or the bytes change: all or nothing.
func (d *Document) apply(plans []plan) ([]Change, error) {
	reps, changes, err := d.planReplacements(plans)
	if err != nil || len(reps) == 0 {
		return nil, err
	}
	out, shifts, err := d.splice(reps)
	if err != nil {
		return nil, err
	}
	moved := func(pos int) int {
		// the number of replacements that start before pos
		n := sort.Search(len(reps), func(i int) bool { return reps[i].start >= pos })
		if n == 0 {
			return pos
		}
		return pos + shifts[n-1]
	}
	want := make(map[int]time.Duration, len(plans))
	for _, p := range plans {
		want[p.node] = p.to
	}
	holdsEdit := func(r *nodeRec) bool {
		first := sort.Search(len(reps), func(k int) bool { return reps[k].start >= r.start })
		return first < len(reps) && reps[first].start < r.end
	}
	// Check every edited node first; keeping the re-read records until the
	// commit would cost a copy of each, so the commit reads them again (the
	// same computation: it cannot fail then).
	for i := range d.nodes {
		if holdsEdit(&d.nodes[i]) {
			if _, err := d.rereadEdited(out, i, reps, moved, want); err != nil {
				return nil, err
			}
		}
	}
	for i := range d.nodes {
		r := &d.nodes[i]
		if holdsEdit(r) {
			nr, _ := d.rereadEdited(out, i, reps, moved, want)
			*r = nr
			continue
		}
		r.start, r.end = moved(r.start), moved(r.end)
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
		rs, changed, err := d.replacements(r, p.to, p.replaceExpression)
		if err != nil {
			return nil, nil, err
		}
		if changed {
			reps = append(reps, rs...)
			changes = append(changes, Change{Node: r.Node, From: r.Timeout, To: p.to})
		}
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].start < reps[j].start })
	return reps, changes, nil
}

// splice checks each replacement's span and makes them all in one new
// buffer. shifts[i] is how far a position after reps[i] moves.
func (d *Document) splice(reps []replacement) (out []byte, shifts []int, err error) {
	size := len(d.data)
	for i, rp := range reps {
		if i > 0 && rp.start < reps[i-1].end {
			return nil, nil, fmt.Errorf("flow: internal error: overlapping edits at byte offsets %d and %d", reps[i-1].start, rp.start)
		}
		if view(d.data, rp.start, rp.end) != rp.old {
			return nil, nil, fmt.Errorf("%w: the document does not hold %q at byte offset %d", ErrAmbiguous, rp.old, rp.start)
		}
		size += len(rp.text) - (rp.end - rp.start)
	}
	// strings.Builder allocates without zeroing what the splice overwrites
	// anyway; the result is read-only, as d.data always is.
	var sb strings.Builder
	sb.Grow(size)
	prev, shift := 0, 0
	shifts = make([]int, len(reps))
	for i, rp := range reps {
		sb.Write(d.data[prev:rp.start])
		sb.WriteString(rp.text)
		prev = rp.end
		shift += len(rp.text) - (rp.end - rp.start)
		shifts[i] = shift
	}
	sb.Write(d.data[prev:])
	spliced := sb.String()
	return unsafe.Slice(unsafe.StringData(spliced), len(spliced)), shifts, nil
}

// rereadEdited is node i as it stands in out after the replacements. A
// tutorial node is small: read it again from the new bytes. An Architect
// node can be kilobytes: move its spans past the replacements instead, and
// check the bytes there.
func (d *Document) rereadEdited(out []byte, i int, reps []replacement, moved func(int) int, want map[int]time.Duration) (nodeRec, error) {
	r := &d.nodes[i]
	start, end := moved(r.start), moved(r.end)
	to, edited := want[i]
	var nr nodeRec
	switch {
	case d.shape == ShapeTutorial:
		nr, _ = tutorialNode(out, r.ID, start, end)
		nr.http = r.http
	case edited && r.TimeoutKind != TimeoutLiteral:
		// An expression made a literal: its spans are new; read the node
		// again (a scan of the node alone).
		nr = rescanNode(out, start, end, *r)
	default:
		nr = *r
		nr.start, nr.end = start, end
		for _, sp := range []*span{&nr.lit, &nr.text, &nr.suggested, &nr.outOfService} {
			if !sp.ok() {
				continue
			}
			abs := r.start + sp.start
			size := sp.end - sp.start
			if k := sort.Search(len(reps), func(k int) bool { return reps[k].start >= abs }); k < len(reps) && reps[k].start == abs {
				size = len(reps[k].text)
			}
			sp.start = moved(abs) - start
			sp.end = sp.start + size
		}
		if edited {
			nr.Timeout, nr.TimeoutKind, nr.UseSuggested = to, TimeoutLiteral, false
			nr.TimeoutText = FormatDuration(to)
			if view(out, start+nr.lit.start, start+nr.lit.end) != `"`+nr.TimeoutText+`"` ||
				(nr.suggested.ok() && view(out, start+nr.suggested.start, start+nr.suggested.end) != litFalse) {
				nr.Err = errors.New("the edited bytes are not where they were written")
			}
		}
	}
	if edited && (nr.Err != nil || nr.TimeoutKind != TimeoutLiteral || nr.Timeout != to || nr.UseSuggested) {
		return nodeRec{}, fmt.Errorf("flow: internal error: node %q at %s does not read back as %v after the edit (%v)", r.ID, r.Pointer, to, nr.Err)
	}
	return nr, nil
}

// at is the absolute span of r's relative span s, and the bytes there.
func (d *Document) at(r *nodeRec, s span) (start, end int, old string) {
	start, end = r.start+s.start, r.start+s.end
	return start, end, view(d.data, start, end)
}

// replaceExpression makes an expression or empty Architect timeout a literal.
func (d *Document) replaceExpression(r *nodeRec, to time.Duration, asked bool) ([]replacement, bool, error) {
	fail := func(format string, args ...any) ([]replacement, bool, error) {
		return nil, false, &NodeError{NodeID: r.ID, Pointer: r.Pointer, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidTimeout}, args...)...)}
	}
	switch {
	case !asked:
		return fail("the timeout is %s, not a literal; only literal timeouts are edited unless ReplaceExpression is set", r.TimeoutKind)
	case !r.config.ok():
		return fail("the node has no timeout expression to replace")
	}
	text := `"` + FormatDuration(to) + `"`
	s, e, old := d.at(r, r.config)
	reps := []replacement{{s, e, old, `{"lit":{"pos":1,"text":` + text + `,"type":"dur"}}`}}
	if s, e, old := d.at(r, r.text); r.text.ok() {
		reps = append(reps, replacement{s, e, old, text})
	}
	for _, sp := range []span{r.suggested, r.outOfService} {
		if s, e, old := d.at(r, sp); sp.ok() && old == litTrue {
			reps = append(reps, replacement{s, e, old, litFalse})
		}
	}
	return reps, true, nil
}

// The JSON literals of the booleans an edit flips.
const (
	litFalse = "false"
	litTrue  = "true"
)

// rescanNode reads the Architect node at data[start:end] again.
func rescanNode(data []byte, start, end int, old nodeRec) nodeRec {
	sc, err := scanDocument(data[start:end])
	if err != nil {
		return nodeRec{Node: Node{Err: err}}
	}
	for _, c := range sc.cands {
		if c.start == 0 {
			nr := architectNode(data, start, end, old.Pointer, "", c.members)
			nr.http = old.http
			return nr
		}
	}
	return nodeRec{Node: Node{Err: errors.New("the node is no longer a Data Action")}}
}

// replacements lists the byte replacements that set r's timeout to to, and
// whether anything changes.
func (d *Document) replacements(r *nodeRec, to time.Duration, replaceExpression bool) ([]replacement, bool, error) {
	if r.Err != nil {
		return nil, false, r.Err
	}
	if d.shape == ShapeTutorial {
		if r.TimeoutKind == TimeoutLiteral && r.Timeout == to {
			return nil, false, nil
		}
		ms := strconv.FormatInt(int64(to/time.Millisecond), 10)
		if r.msTimeout.ok() {
			s, e, old := d.at(r, r.msTimeout)
			return []replacement{{s, e, old, ms}}, true, nil
		}
		pos := r.start + r.insertAt
		return []replacement{{pos, pos, "", fmt.Sprintf(r.insertFmt, to/time.Millisecond)}}, true, nil
	}
	if r.TimeoutKind != TimeoutLiteral {
		return d.replaceExpression(r, to, replaceExpression)
	}
	if r.Timeout == to && !r.UseSuggested {
		return nil, false, nil
	}
	text := `"` + FormatDuration(to) + `"`
	var reps []replacement
	for _, sp := range []span{r.lit, r.text} {
		if s, e, old := d.at(r, sp); sp.ok() && old != text {
			reps = append(reps, replacement{s, e, old, text})
		}
	}
	for _, sp := range []span{r.suggested, r.outOfService} {
		if s, e, old := d.at(r, sp); sp.ok() && old == litTrue {
			reps = append(reps, replacement{s, e, old, litFalse})
		}
	}
	return reps, true, nil
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
