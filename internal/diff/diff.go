// Package diff writes unified diffs of two texts, line by line, with Myers'
// O(ND) algorithm: fast when the texts differ in few lines, as an edited flow
// does.
package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Unified returns the unified diff of a and b with three lines of context,
// or "" when they are equal. The names head the diff.
func Unified(nameA, nameB, a, b string) string {
	if a == b {
		return ""
	}
	x, y := lines(a), lines(b)
	ops := myers(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	const context = 3
	// Group the edit script into hunks.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		ai, bi, an, bn := ops[start].ai, ops[start].bi, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				an++
			}
			if op.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", span(ai, an), span(bi, bn))
		for _, op := range ops[start:end] {
			out.WriteByte(op.kind)
			out.WriteString(op.text)
			out.WriteByte('\n')
		}
		i = end
	}
	return out.String()
}

func span(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type op struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // line indexes in a and b where the op stands
}

// myers returns the edit script from x to y.
func myers(x, y []string) []op {
	n, m := len(x), len(y)
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				i = v[off+k+1]
			} else {
				i = v[off+k-1] + 1
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i, j = i+1, j+1
			}
			v[off+k] = i
			if i >= n && j >= m {
				return backtrack(x, y, trace, d, off)
			}
		}
	}
	return nil
}

func backtrack(x, y []string, trace [][]int, d, off int) []op {
	var rev []op
	i, j := len(x), len(y)
	for ; d >= 0; d-- {
		v := trace[d] // as it was when step d began
		k := i - j
		prevK := k - 1
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			prevK = k + 1
		}
		prevI := v[off+prevK]
		prevJ := prevI - prevK
		for i > prevI && j > prevJ {
			i, j = i-1, j-1
			rev = append(rev, op{' ', x[i], i, j})
		}
		if d == 0 {
			break
		}
		if i == prevI { // down: y[prevJ] inserted
			rev = append(rev, op{'+', y[prevJ], prevI, prevJ})
		} else { // right: x[prevI] deleted
			rev = append(rev, op{'-', x[prevI], prevI, prevJ})
		}
		i, j = prevI, prevJ
	}
	out := make([]op, len(rev))
	for k, o := range rev {
		out[len(rev)-1-k] = o
	}
	return out
}

// JSON is the unified diff of two JSON documents, each indented so that a
// changed value shows as a changed line (a document that does not parse is
// compared as it is). Indenting changes only white space, so the lines hold
// the documents' own bytes.
func JSON(nameA, nameB string, a, b []byte) string {
	indent := func(b []byte) string {
		var buf bytes.Buffer
		if json.Indent(&buf, b, "", "  ") != nil {
			return string(b)
		}
		return buf.String() + "\n"
	}
	return Unified(nameA, nameB, indent(a), indent(b))
}

// SameJSON reports whether two documents hold the same JSON once decoded
// (numbers compared as written): what a server that re-serialises keeps.
func SameJSON(a, b []byte) bool {
	var x, y any
	decode := func(data []byte, v *any) error {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		return d.Decode(v)
	}
	return decode(a, &x) == nil && decode(b, &y) == nil && reflect.DeepEqual(x, y)
}
