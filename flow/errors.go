package flow

import (
	"errors"
	"fmt"
)

// Sentinel errors for callers to branch on with errors.Is. Every error the
// package returns wraps one of them with the context that explains it: the
// node, its JSON Pointer, the offending text.
var (
	// ErrInvalidJSON reports input that is not valid JSON. The error is a
	// *SyntaxError that carries the byte offset.
	ErrInvalidJSON = errors.New("flow: invalid JSON")
	// ErrUnknownShape reports valid JSON that is neither an Architect
	// configuration nor the tutorial's flowVersion.nodes document.
	ErrUnknownShape = errors.New("flow: unknown document shape")
	// ErrAmbiguous reports a document whose meaning depends on the parser:
	// duplicate keys on an edited path, duplicate node ids, or both shapes at once.
	ErrAmbiguous = errors.New("flow: ambiguous document")
	// ErrNodeNotFound reports an edit that names a node the document does not have.
	ErrNodeNotFound = errors.New("flow: node not found")
	// ErrInvalidTimeout reports a timeout that cannot be read or written: a
	// wrong JSON type, a target that is zero, negative or finer than a
	// millisecond, or an expression where a literal is needed.
	ErrInvalidTimeout = errors.New("flow: invalid timeout")
	// ErrInvalidDuration reports duration text that is not Architect's
	// P<d>D<h>H<m>M<s>S<ms>F form.
	ErrInvalidDuration = errors.New("flow: invalid duration")
)

// SyntaxError is the error Parse returns for input that is not JSON. It
// unwraps to ErrInvalidJSON.
type SyntaxError struct {
	// Offset is the byte offset at which the input stopped being JSON.
	Offset int
	// Msg says what was found there.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("flow: invalid JSON at byte offset %d: %s", e.Offset, e.Msg)
}

// Unwrap lets errors.Is(err, ErrInvalidJSON) match.
func (e *SyntaxError) Unwrap() error { return ErrInvalidJSON }
