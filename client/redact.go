package client

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// redacted replaces a secret in a text.
const redacted = "[redacted]"

// minSecretLen: shorter values are not searched for (they would match
// ordinary words); every real secret and token is far longer.
const minSecretLen = 4

// A Basic or Bearer credential, and the user info of a URL, whoever's.
var (
	credentialRE = regexp.MustCompile(`(?i)\b(basic|bearer)(\s+)[A-Za-z0-9\-._~+/]{16,}=*`)
	userInfoRE   = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#]+@`)
)

// redactor is the one place that removes what must never reach an error, a
// log line or output: the client secret (as given, URL-escaped, and inside
// its Basic credential), every access token this client has held, any Basic
// or Bearer credential, and the user info of URLs. Every text that comes
// from a server passes through it after decoding (see bodyText), because a
// token echoed as \u0074ok... is the token once decoded. Safe for
// concurrent use; shared by a Client and its views.
type redactor struct {
	mu     sync.RWMutex
	values []string
}

func newRedactor(cfg Config) *redactor {
	r := &redactor{}
	if s := cfg.ClientSecret; s != "" {
		id := cfg.ClientID
		r.add(s)
		r.add(url.QueryEscape(s))
		r.add(base64.StdEncoding.EncodeToString([]byte(id + ":" + s)))
		// x/oauth2 escapes both before it encodes them (AuthStyleInHeader).
		r.add(base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(s))))
	}
	return r
}

// add makes r remove s from now on (a token when it is fetched).
func (r *redactor) add(s string) {
	if len(s) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.values {
		if v == s {
			return
		}
	}
	r.values = append(r.values, s)
}

// text returns s without secrets.
func (r *redactor) text(s string) string {
	if s == "" {
		return s
	}
	r.mu.RLock()
	for _, v := range r.values {
		s = strings.ReplaceAll(s, v, redacted)
	}
	r.mu.RUnlock()
	s = credentialRE.ReplaceAllString(s, "${1}${2}"+redacted)
	return userInfoRE.ReplaceAllString(s, "${1}"+redacted+"@")
}

// bodyText is an answer's body that is not the JSON it should be, as an
// error may quote it: JSON escapes decoded where they appear (a body cut
// at its cap is no longer JSON, but may still hold \u0074ok...), redacted,
// cut to n bytes and quoted.
func (r *redactor) bodyText(b []byte, n int) string {
	s := r.text(unescapeJSON(string(b)))
	if len(s) > n {
		s = s[:n] + "..."
	}
	return strconv.Quote(s)
}

// unescapeJSON decodes the JSON string escapes in s, leniently: a broken
// escape is kept as it is.
func unescapeJSON(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
			i++
		case 'b', 'f', 'n', 'r', 't':
			b.WriteByte("\b\f\n\r\t"[strings.IndexByte("bfnrt", e)])
			i++
		case 'u':
			r, width := decodeU(s[i:])
			if width == 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteRune(r)
			i += width - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// decodeU decodes \uXXXX (and a surrogate pair) at the start of s; width 0
// when it is not one.
func decodeU(s string) (rune, int) {
	hex4 := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:6], 16, 32)
		return rune(v), err == nil
	}
	r1, ok := hex4(s)
	if !ok {
		return 0, 0
	}
	if utf16.IsSurrogate(r1) {
		if r2, ok := hex4(s[6:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return r, 12
			}
		}
	}
	return r1, 6
}

// redactedError is an error whose text went through the redactor; it
// unwraps to the original, so errors.Is and errors.As still see it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// err returns err with its text redacted, or err itself when nothing in it
// needed removing.
func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.text(msg); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}
