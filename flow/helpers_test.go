package flow_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/sjson"

	"github.com/gcflow/timeouts/flow"
)

// fixtureDir holds the real Architect documents, shared by the project and
// never copied into it.
const fixtureDir = "../../shared/fixtures/architect"

// realFixtures returns the real Architect documents by file name, or skips
// the test with a clear message where the shared folder is absent.
func realFixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := readGlob(tb, filepath.Join(fixtureDir, "*.json"))
	if len(out) == 0 {
		tb.Skipf("real Architect fixtures not found in %s (they come with the shared folder beside the repository)", fixtureDir)
	}
	return out
}

// ownFixtures returns the project's own documents in testdata.
func ownFixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := readGlob(tb, "testdata/*.json")
	if len(out) == 0 {
		tb.Fatal("no documents in testdata")
	}
	return out
}

// readGlob reads the files that pattern matches, by base name.
func readGlob(tb testing.TB, pattern string) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string][]byte, len(paths))
	for _, p := range paths {
		out[filepath.Base(p)] = readFile(tb, p)
	}
	return out
}

// piece is one token of a document with the bytes before it (white space,
// commas, colons), as encoding/json's decoder reads them.
type piece struct {
	raw   string
	tok   json.Token
	path  []string // the keys and indexes leading to the token's value
	isKey bool
}

// pieces splits data into tokens with encoding/json: an implementation that
// shares nothing with flow's scanner.
func pieces(tb testing.TB, data []byte) []piece {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	var out []piece
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("encoding/json cannot read the document: %v", err)
		}
		off := dec.InputOffset()
		p := piece{raw: string(data[prev:off]), tok: tok}
		prev = off
		path := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.object {
				path = append(path, f.key)
			} else {
				path = append(path, strconv.Itoa(f.index))
			}
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:top]
			p.path = path[:len(path)-1]
			out = append(out, p)
			if top > 0 {
				stack[top-1].advance()
			}
			continue
		}
		if top >= 0 && stack[top].object && stack[top].wantKey {
			stack[top].key, stack[top].wantKey = tok.(string), false
			p.isKey = true
			p.path = path
			out = append(out, p)
			continue
		}
		p.path = path
		out = append(out, p)
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			continue
		}
		if top >= 0 {
			stack[top].advance()
		}
	}
	if rest := string(data[prev:]); strings.TrimSpace(rest) != "" {
		tb.Fatalf("bytes after the last token: %q", rest)
	}
	return out
}

// frame is an object or array the tokenizer is inside.
type frame struct {
	object  bool
	key     string
	index   int
	wantKey bool
}

// advance moves past one member or element.
func (f *frame) advance() {
	if f.object {
		f.wantKey = true
	} else {
		f.index++
	}
}

// editablePath reports whether a scalar at path is one that a timeout edit may
// rewrite.
func editablePath(path []string) bool {
	n := len(path)
	end := func(suffix ...string) bool {
		return n >= len(suffix) && reflect.DeepEqual(path[n-len(suffix):], suffix)
	}
	return end("timeout", "config", "lit", "text") || end("timeout", "text") ||
		end("useSuggestedTimeout") || end("timeout", "outOfService") || end("settings", "timeout")
}

// assertOnlyTimeoutsChanged checks, byte for byte, that after differs from
// before only in the values of timeout members and in inserted tutorial
// settings.timeout or settings members, with every other byte (white space,
// key order, number spelling, escapes) the same.
func assertOnlyTimeoutsChanged(tb testing.TB, before, after []byte) {
	tb.Helper()
	a, b := pieces(tb, before), pieces(tb, after)
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		pa, pb := a[i], b[j]
		if pa.raw == pb.raw {
			i, j = i+1, j+1
			continue
		}
		if pb.isKey && (pb.tok == "timeout" || pb.tok == "settings") && !a[i].isKey {
			// an inserted member: skip its key and its value
			j++
			depth := 0
			for ; j < len(b); j++ {
				if d, ok := b[j].tok.(json.Delim); ok {
					if d == '{' || d == '[' {
						depth++
					} else {
						depth--
					}
				}
				if depth == 0 {
					break
				}
			}
			if j >= len(b) {
				tb.Fatalf("inserted member runs off the end")
			}
			j++
			continue
		}
		_, delimA := pa.tok.(json.Delim)
		_, delimB := pb.tok.(json.Delim)
		if pa.isKey || pb.isKey || delimA || delimB || !editablePath(pa.path) || !reflect.DeepEqual(pa.path, pb.path) {
			tb.Fatalf("bytes changed outside a timeout at %s: %q became %q", strings.Join(pa.path, "/"), pa.raw, pb.raw)
		}
		// the same separators and white space before the value
		lead := func(s string) string { return s[:len(s)-len(strings.TrimLeft(s, " \t\r\n:,"))] }
		if lead(pa.raw) != lead(pb.raw) {
			tb.Fatalf("separators changed before %s: %q became %q", strings.Join(pa.path, "/"), pa.raw, pb.raw)
		}
		i, j = i+1, j+1
	}
	if i != len(a) || j != len(b) {
		tb.Fatalf("documents end differently: %d of %d tokens before, %d of %d after", i, len(a), j, len(b))
	}
}

// decode reads data with encoding/json.
func decode(tb testing.TB, data []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decode: %v", err)
	}
	return v
}

// resolve follows an RFC 6901 pointer through a decoded document.
func resolve(tb testing.TB, doc any, pointer string) map[string]any {
	tb.Helper()
	cur := doc
	for _, part := range strings.Split(pointer, "/")[1:] {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			cur = c[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i >= len(c) {
				tb.Fatalf("pointer %s: bad index %q", pointer, part)
			}
			cur = c[i]
		default:
			tb.Fatalf("pointer %s: %q is inside a scalar", pointer, part)
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		tb.Fatalf("pointer %s does not name an object", pointer)
	}
	return m
}

// assertChangesExplainDiff checks with encoding/json that applying the
// reported changes, and nothing else, to before gives after.
func assertChangesExplainDiff(tb testing.TB, shape flow.Shape, before, after []byte, changes []flow.Change) {
	tb.Helper()
	want, got := decode(tb, before), decode(tb, after)
	for _, c := range changes {
		n := resolve(tb, want, c.Node.Pointer)
		if shape == flow.ShapeTutorial {
			s, ok := n["settings"].(map[string]any)
			if !ok {
				s = map[string]any{}
				n["settings"] = s
			}
			s["timeout"] = json.Number(strconv.FormatInt(c.To.Milliseconds(), 10))
			continue
		}
		text := flow.FormatDuration(c.To)
		t := n["timeout"].(map[string]any)
		t["config"].(map[string]any)["lit"].(map[string]any)["text"] = text
		if _, ok := t["text"]; ok {
			t["text"] = text
		}
		if _, ok := t["outOfService"]; ok {
			t["outOfService"] = false
		}
		if _, ok := n["useSuggestedTimeout"]; ok {
			n["useSuggestedTimeout"] = false
		}
	}
	if !reflect.DeepEqual(want, got) {
		tb.Fatalf("the edited document differs from the original with the reported changes applied")
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// sjsonEdits makes the Architect edits of changes with one sjson.SetBytes per
// field: the slow, obvious way, for comparison. Pointers must hold no
// characters that gjson paths treat specially (true of the real fixtures).
func sjsonEdits(tb testing.TB, data []byte, changes []flow.Change) []byte {
	tb.Helper()
	out := append([]byte(nil), data...)
	for _, c := range changes {
		base := strings.ReplaceAll(strings.TrimPrefix(c.Node.Pointer, "/"), "/", ".")
		text := `"` + flow.FormatDuration(c.To) + `"`
		var err error
		for _, p := range []string{".timeout.config.lit.text", ".timeout.text"} {
			if out, err = sjson.SetRawBytes(out, base+p, []byte(text)); err != nil {
				tb.Fatal(err)
			}
		}
		if out, err = sjson.SetRawBytes(out, base+".useSuggestedTimeout", []byte("false")); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
