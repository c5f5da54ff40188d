package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+cmd":              "'+cmd",
		"-2+3":              "'-2+3",
		"@SUM(1)":           "'@SUM(1)",
		"\tx":               "'\tx",
		"\rx":               "'\rx",
		"-5":                "-5",
		"+1.5e3":            "+1.5e3",
		"plain":             "plain",
		"":                  "",
		"a=b":               "a=b",
	} {
		assert.Equal(t, want, CSVCell(in), "%q", in)
	}
}

func TestEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"plain\ttext\n":               "plain\ttext\n",
		"\x1b[2J\x07bell\r\x7f":       `\x1b[2J\x07bell\x0d\x7f`,
		"caf\u00e9 ok":                "caf\u00e9 ok",
		"\u202etxt.exe \u2066x\u2069": `\u202etxt.exe \u2066x\u2069`,
		"c1 \u009b31m":                `c1 \u009b31m`,
		"bad \xff byte":               `bad \xff byte`,
		"line\u2028sep":               `line\u2028sep`,
	} {
		var b bytes.Buffer
		n, err := Escaped(&b).Write([]byte(in))
		assert.NoError(t, err)
		assert.Equal(t, len(in), n, "the caller's count")
		assert.Equal(t, want, b.String(), "%q", in)
	}
	var b bytes.Buffer
	e := Escaped(&b)
	assert.Same(t, e, Escaped(e), "not escaped twice")
	assert.Same(t, &b, NewProgress(e).w, "the progress line draws beneath")
}

func TestQuoteAndShorten(t *testing.T) {
	long := strings.Repeat("9", 130_000) + "x"
	assert.Equal(t, `"`+strings.Repeat("9", 100)+`"...`, Quote(long))
	assert.Equal(t, `"5s"`, Quote("5s"))
	assert.Equal(t, strings.Repeat("9", 100)+"...", Cut(long))
	assert.Equal(t, "é", Cut("é"))
	assert.Equal(t, strings.Repeat("a", 99)+"...", Cut(strings.Repeat("a", 99)+"é"), "cut at a rune's start")
	msg := shorten(`invalid value "` + long + `" for flag -min: not a duration`)
	assert.Equal(t, `invalid value "`+strings.Repeat("9", 100)+`"... for flag -min: not a duration`, msg)
	msg = shorten("flag provided but not defined: -" + long)
	assert.Less(t, len(msg), 200)
}
