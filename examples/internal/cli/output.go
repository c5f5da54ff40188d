package cli

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxQuoted is how much of a value a message quotes: a flag value of
// 130 KB is shown in part.
const MaxQuoted = 100

// Quote quotes a value the user gave (a flag's, a variable's) for a
// message, cut to MaxQuoted bytes.
func Quote(s string) string {
	if c := Cut(s); len(c) < len(s) {
		return strconv.Quote(strings.TrimSuffix(c, "...")) + "..."
	}
	return strconv.Quote(s)
}

// Cut is s cut to MaxQuoted bytes (at a rune's start), with "..." when
// it was longer: a value shown unquoted.
func Cut(s string) string {
	if len(s) <= MaxQuoted {
		return s
	}
	cut := MaxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// quotedRE is a Go-quoted string in the flag package's messages
// ("invalid value %q for flag -min: ..."), and longRE a long run of
// anything else (a flag name it did not know, say).
var (
	quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	longRE   = regexp.MustCompile(`[^\s"]{` + strconv.Itoa(MaxQuoted+1) + `,}`)
)

// shorten cuts the values quoted in a message of the flag package to
// MaxQuoted bytes each: its messages quote what was given, whole.
func shorten(msg string) string {
	msg = quotedRE.ReplaceAllStringFunc(msg, func(q string) string {
		if s, err := strconv.Unquote(q); err == nil {
			return Quote(s)
		}
		return q
	})
	return longRE.ReplaceAllStringFunc(msg, func(w string) string { return w[:MaxQuoted] + "..." })
}

// CSVCell makes a cell safe to open in a spreadsheet: a text that begins
// with =, +, -, @, a tab or a carriage return would be read as a formula
// (=HYPERLINK(...)), so it gets a leading apostrophe, as OWASP advises for
// CSV injection. A number ("-5", "1.5e3") is left as it is.
func CSVCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// CSVRow is CSVCell applied to every cell of a row.
func CSVRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = CSVCell(c)
	}
	return cells
}

// Escaped returns a writer to w that shows every control character but
// newline and tab as an escape instead of writing it: a flow, node or
// action name from a server cannot move the cursor, clear the screen, ring
// the bell or reorder the text of the terminal it is printed on. Bytes
// below 0x80 (ESC, BEL, CR, DEL) become \x1b-style escapes; C1 controls and
// the Unicode format characters that reorder text (bidi overrides,
// isolates, line and paragraph separators) become \u202e-style escapes,
// which are also valid in a JSON string; a byte that is not UTF-8 becomes
// \xff. Escaped of an Escaped writer is that writer.
func Escaped(w io.Writer) io.Writer {
	if _, ok := w.(*escaper); ok {
		return w
	}
	return &escaper{w: w}
}

// escaper is Escaped's writer.
type escaper struct {
	w   io.Writer
	buf []byte
}

// Unwrap is the writer underneath, for what must write control
// characters itself (the progress line).
func (e *escaper) Unwrap() io.Writer { return e.w }

func (e *escaper) Write(p []byte) (int, error) {
	if clean(p) {
		return e.w.Write(p)
	}
	e.buf = e.buf[:0]
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				e.buf = fmt.Appendf(e.buf, `\x%02x`, c)
			} else {
				e.buf = append(e.buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			e.buf = fmt.Appendf(e.buf, `\x%02x`, c)
		case reorders(r):
			e.buf = fmt.Appendf(e.buf, `\u%04x`, r)
		default:
			e.buf = append(e.buf, p[i:i+size]...)
		}
		i += size
	}
	if _, err := e.w.Write(e.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// clean reports whether p holds nothing Escaped changes.
func clean(p []byte) bool {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 || reorders(r) {
			return false
		}
		i += size
	}
	return true
}

// reorders reports the runes at or above 0x80 that a terminal acts on
// rather than shows: C1 controls, and the format characters that change
// the order or breaking of text.
func reorders(r rune) bool {
	return r >= 0x80 && r < 0xa0 ||
		r == 0x200e || r == 0x200f || // marks
		r >= 0x2028 && r <= 0x202e || // line and paragraph separators, embeddings and overrides
		r >= 0x2066 && r <= 0x2069 // isolates
}
