package flow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gcflow/timeouts/flow"
)

// seedDocuments adds the real fixtures, the project's own documents and the
// bad inputs of the table tests to a fuzz corpus.
func seedDocuments(f *testing.F, add func(data []byte)) {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	more, _ := filepath.Glob("testdata/*.json")
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
	for _, s := range []string{
		``, `{}`, `[]`, `{"flowSequenceItemList":[]}`, `{"flowVersion":{"nodes":{}}}`,
		arch(goodNode), arch(goodNode, goodNode),
		`{"flowVersion":{"nodes":{"a.b":{"type":"dataAction"},"*":{"type":"HTTP","settings":{}}}}}`,
		`{"flowSequenceItemList":[{"actionList":[{"__type":"DataAction","id":"x","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}}}}],"actionList":[]}]}`,
		`{"flowSequenceItemList":[{"__type":"DataAction","id":"n","useSuggestedTimeout":true,"timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}},"text":"P0D0H0M1S0F","outOfService":true}}]}`,
		`{"flowSequenceItemList": [}`, `{"a":"\u12G4"}`,
		// Found by FuzzRaiseTimeouts: a node id that is not UTF-8, which
		// encoding/json reads as U+FFFD (the harness must not compare keys then).
		"{\"flowVersion\":{\"nodes\":{\"n\xff\xfe\":{\"type\":\"DataAction\",\"settings\":{\"timeout\":1}}}}}",
	} {
		add([]byte(s))
	}
}

// FuzzParse checks that Parse never panics and agrees with encoding/json on
// what is JSON, and that a parsed document's bytes are its input.
func FuzzParse(f *testing.F) {
	seedDocuments(f, func(b []byte) { f.Add(b) })
	// Wide objects: the shapes where the duplicate check was quadratic,
	// with a duplicate key among the members, and many small nodes.
	f.Add(wideDoc(300, true))
	f.Add(wideDoc(2000, false))
	f.Add([]byte(strings.Replace(string(wideDoc(50, true)), `"k7":`, `"k3":`, 1)))
	f.Add(smallNodesDoc(8 << 10))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := flow.Parse(data)
		if errors.Is(err, flow.ErrInvalidJSON) == json.Valid(data) {
			t.Fatalf("Parse says %v, encoding/json says valid=%v", err, json.Valid(data))
		}
		// ParseAny agrees with Parse, bar a JSON object of another shape,
		// which it holds byte for byte.
		a, aerr := flow.ParseAny(data)
		switch {
		case err == nil && (aerr != nil || !bytes.Equal(a.Bytes(), d.Bytes()) || a.Shape() != d.Shape()):
			t.Fatalf("ParseAny differs from Parse on a known shape: %v", aerr)
		case aerr == nil && err != nil && (!errors.Is(err, flow.ErrUnknownShape) || a.Shape() != flow.ShapeUnknown || !bytes.Equal(a.Bytes(), data)):
			t.Fatalf("ParseAny accepted what Parse refused with %v", err)
		case aerr != nil && errors.Is(err, flow.ErrUnknownShape) && bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")):
			t.Fatalf("ParseAny refused a JSON object of another shape: %v", aerr)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(d.Bytes(), data) {
			t.Fatal("Bytes differ from the input")
		}
		for _, n := range d.Nodes() {
			if n.TimeoutKind == flow.TimeoutLiteral && n.Timeout <= 0 && d.Shape() == flow.ShapeTutorial {
				t.Fatalf("node %q: a literal tutorial timeout of %v", n.ID, n.Timeout)
			}
		}
	})
}

// FuzzParseDuration checks that ParseDuration never panics and that what it
// accepts formats back to the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"P0D0H1M0S0F", "P0D0H0M0S1500F", "P0D0H0M90S0F", "PT1M", "P106751D23H47M16S854F", "P-1D0H0M0S0F", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := flow.ParseDuration(s)
		if err != nil {
			if !errors.Is(err, flow.ErrInvalidDuration) {
				t.Fatalf("error %v does not wrap ErrInvalidDuration", err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("%q parsed to a negative %v", s, d)
		}
		back, err := flow.ParseDuration(flow.FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("%q → %v → %q → %v, %v", s, d, flow.FormatDuration(d), back, err)
		}
	})
}

// FuzzRaiseTimeouts checks that RaiseTimeouts never panics, writes valid
// JSON, changes no byte outside the timeouts it reports, leaves the document
// alone when it fails, and changes nothing on a second run.
func FuzzRaiseTimeouts(f *testing.F) {
	seedDocuments(f, func(b []byte) {
		f.Add(b, uint16(5000), false, false)
		f.Add(b, uint16(5000), true, true)
	})
	f.Fuzz(func(t *testing.T, data []byte, minMs uint16, override, http bool) {
		d, err := flow.Parse(data)
		if err != nil {
			return
		}
		min := time.Duration(minMs) * time.Millisecond
		opts := &flow.RaiseOptions{OverrideSuggested: override, IncludeHTTP: http}
		changes, err := d.RaiseTimeouts(min, opts)
		out := d.Bytes()
		if err != nil || len(changes) == 0 {
			if !bytes.Equal(out, data) {
				t.Fatalf("a raise that changed nothing (err %v) altered the document", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON out: %q", out)
		}
		assertOnlyTimeoutsChanged(t, data, out)
		if utf8.Valid(data) { // encoding/json replaces invalid UTF-8, so its keys would differ
			assertChangesExplainDiff(t, d.Shape(), data, out, changes)
		}
		again, err := d.RaiseTimeouts(min, opts)
		if err != nil || len(again) != 0 || !bytes.Equal(d.Bytes(), out) {
			t.Fatalf("a second run changed %d nodes (err %v)", len(again), err)
		}
	})
}

// FuzzSetTimeouts sets every node's timeout, replacing expressions, and
// checks that the result is JSON, reads back as asked, that a failure leaves
// the document alone, and that setting it again changes nothing.
func FuzzSetTimeouts(f *testing.F) {
	seedDocuments(f, func(b []byte) { f.Add(b, uint16(7000)) })
	f.Fuzz(func(t *testing.T, data []byte, ms uint16) {
		d, err := flow.Parse(data)
		if err != nil {
			return
		}
		to := time.Duration(ms%60000+1) * time.Millisecond
		var edits []flow.Edit
		seen := map[string]bool{}
		for _, n := range d.Nodes() {
			if !seen[n.ID] {
				seen[n.ID] = true
				edits = append(edits, flow.Edit{NodeID: n.ID, Timeout: to, ReplaceExpression: true})
			}
		}
		_, err = d.SetTimeouts(edits...)
		if err != nil {
			if !bytes.Equal(d.Bytes(), data) {
				t.Fatalf("a failed edit (%v) altered the document", err)
			}
			return
		}
		if !json.Valid(d.Bytes()) {
			t.Fatalf("invalid JSON out: %q", d.Bytes())
		}
		again, err := flow.Parse(d.Bytes())
		if err != nil {
			t.Fatalf("the edited document does not parse: %v", err)
		}
		for _, n := range again.Nodes() {
			if n.TimeoutKind != flow.TimeoutLiteral || n.Timeout != to || n.UseSuggested {
				t.Fatalf("node %q reads back as %v %v suggested=%v, want %v", n.ID, n.TimeoutKind, n.Timeout, n.UseSuggested, to)
			}
		}
		if changes, err := again.SetTimeouts(edits...); err != nil || len(changes) != 0 {
			t.Fatalf("setting again changed %d nodes (err %v)", len(changes), err)
		}
	})
}
