package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for callers to branch on with errors.Is.
var (
	// ErrNotFound: 404, the flow, version or action does not exist.
	ErrNotFound = errors.New("client: not found")
	// ErrConflict: 409, a lock is held by someone else, the caller does not
	// hold the lock it needs, or another operation is running.
	ErrConflict = errors.New("client: conflict")
	// ErrRateLimited: 429, the request rate was over the limit.
	ErrRateLimited = errors.New("client: rate limited")
	// ErrUnauthorized: 401 after a fresh token, or a token request refused
	// (wrong client id, secret or region).
	ErrUnauthorized = errors.New("client: unauthorized")
	// ErrForbidden: 403, the OAuth client lacks a permission.
	ErrForbidden = errors.New("client: forbidden")
	// ErrGone: 410, the flow was deleted.
	ErrGone = errors.New("client: gone")
	// ErrConfig: the Config (or the environment it is read from) is not
	// usable.
	ErrConfig = errors.New("client: invalid configuration")
	// ErrInvalidArgument: a call's own arguments cannot work (an empty
	// flow id, a page size out of range, a timeout that is not positive);
	// nothing was sent.
	ErrInvalidArgument = errors.New("client: invalid argument")
	// ErrTooLarge: a configuration above MaxRequestBytes, refused before
	// anything is sent; an *APIError with status 413 (request.bytes.max)
	// matches it too.
	ErrTooLarge = errors.New("client: configuration too large")
	// ErrOperationFailed: an asynchronous check-in or publish ended in FAILURE.
	ErrOperationFailed = errors.New("client: operation failed")
	// ErrInvalidResponse: a 2xx answer whose body is not what the API promises.
	ErrInvalidResponse = errors.New("client: invalid response")
	// ErrReadOnly: a write asked of a ReadOnly client (a dry run); nothing
	// was sent.
	ErrReadOnly = errors.New("client: read-only client refuses to write")
	// ErrLocked: a lock this update did not take is on the flow: another
	// user's, another OAuth client's, or this OAuth client's held by another
	// run (see LockError).
	ErrLocked = errors.New("client: flow locked")
	// ErrDraftPending: the flow has a saved or checked-in version newer
	// than the published one; publishing would publish that work too.
	ErrDraftPending = errors.New("client: unpublished draft pending")
	// ErrVerify: what the server holds after the write is not what was
	// written.
	ErrVerify = errors.New("client: verification failed")
)

// The package's own sentinels, never returned to a caller as they are.
var (
	// errNoKey: the version cannot be cached; read it the usual way.
	errNoKey = errors.New("client: version not cacheable")
	// errNothingLeft ends an update whose edit found nothing to change
	// once the flow was checked out; the deferred release runs because it
	// is an error.
	errNothingLeft = errors.New("nothing left to change")
	// errNotMade: a zero Client, not made by New.
	errNotMade = fmt.Errorf("%w: a Client is made by client.New", ErrInvalidArgument)
)

// APIError is a non-2xx answer of the Genesys Cloud API.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Genesys' error code, such as architect.flow.locked.by.user.
	Code string
	// Message is Genesys' message.
	Message string
	// CorrelationID is what Genesys support asks for: the body's contextId
	// or the Inin-Correlation-Id header.
	CorrelationID string
	// Method and Path say which request failed.
	Method, Path string
	// Delay is the Retry-After the server sent, zero if none.
	Delay time.Duration
	// Details are the body's details, when present.
	Details []ErrorDetail
}

// ErrorDetail is one entry of an error body's details.
type ErrorDetail struct {
	ErrorCode  string `json:"errorCode,omitempty"`
	FieldName  string `json:"fieldName,omitempty"`
	EntityID   string `json:"entityId,omitempty"`
	EntityName string `json:"entityName,omitempty"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Status == http.StatusForbidden {
		b.WriteString(" (the OAuth client's role lacks a permission; the message names it)")
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " [correlation id %s]", e.CorrelationID)
	}
	return b.String()
}

// Is maps the status to the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrGone:
		return e.Status == http.StatusGone
	case ErrTooLarge:
		return e.Status == http.StatusRequestEntityTooLarge
	}
	return false
}

// RetryAfter reports the wait the server asked for; it lets retry.Do honour it.
func (e *APIError) RetryAfter() (time.Duration, bool) {
	return e.Delay, e.Delay > 0
}

// errorBody is the platform's error body.
type errorBody struct {
	Message   string        `json:"message"`
	Code      string        `json:"code"`
	Status    int           `json:"status"`
	ContextID string        `json:"contextId"`
	Details   []ErrorDetail `json:"details"`
}

// newAPIError reads a non-2xx answer. Every text in it from the server
// goes through red after JSON decoding, so an echoed token or secret is
// removed however it was escaped.
func newAPIError(resp *http.Response, body []byte, method, path string, now time.Time, red *redactor) *APIError {
	e := &APIError{Status: resp.StatusCode, Method: method, Path: red.text(path)}
	var eb errorBody
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		e.Message = "redirected to " + redirectTarget(resp) + "; not followed, because a redirect could carry the credentials elsewhere"
	case json.Unmarshal(body, &eb) == nil:
		e.Code, e.Message, e.CorrelationID = red.text(eb.Code), red.text(eb.Message), red.text(eb.ContextID)
		for _, d := range eb.Details {
			e.Details = append(e.Details, ErrorDetail{ErrorCode: red.text(d.ErrorCode), FieldName: red.text(d.FieldName),
				EntityID: red.text(d.EntityID), EntityName: red.text(d.EntityName)})
		}
	case len(body) > 0:
		e.Message = "(a body that is not JSON: " + red.bodyText(body, 200) + ")"
	}
	if e.CorrelationID == "" {
		e.CorrelationID = red.text(resp.Header.Get("Inin-Correlation-Id"))
	}
	e.Delay = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	return e
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// OperationError is an asynchronous check-in or publish that ended in
// FAILURE. It unwraps to ErrOperationFailed.
type OperationError struct {
	FlowID    string
	Operation Operation
}

func (e *OperationError) Error() string {
	op := e.Operation
	msg := fmt.Sprintf("client: %s failed", strings.ToLower(op.ActionName)) // the caller names the flow
	if op.ErrorCode != "" {
		msg += " (" + op.ErrorCode + ")"
	}
	if op.ErrorMessage != "" {
		msg += ": " + op.ErrorMessage
	}
	return msg
}

func (e *OperationError) Unwrap() error { return ErrOperationFailed }

// LockError reports a flow locked by someone other than this update. It
// matches ErrLocked.
//
// The platform knows a lock's holder only as a user or an OAuth client:
// every process that uses the same client credentials is one holder to it.
// So a lock of this client's own id (SameClient) is not this process's
// unless this update took it: it belongs to another run that is working
// now, or to a run that crashed. UpdateFlow treats it like anybody else's
// lock, and releases it only with UpdateOptions.ReleaseStaleLocks.
type LockError struct {
	// Holder describes the holder ("user Jane Doe (id)", "OAuth client
	// Nightly (id)").
	Holder string
	// SameClient is set when the holder is the OAuth client this Client
	// authenticates as.
	SameClient bool
}

func (e *LockError) Error() string {
	if e.SameClient {
		return "client: flow locked by " + e.Holder + ", the OAuth client this run uses, but not by this run: another run with the same credentials is working on it, or a crashed run left it"
	}
	return "client: flow locked by " + e.Holder
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockError) Is(target error) bool { return target == ErrLocked }

// ObjectError is an error about one flow or one action: what was being
// done to it, and the object, named once. UpdateFlow, SetActionTimeout and
// the organisation-wide audit and raise return it, so a caller finds the
// object with errors.As rather than in the text. When the error inside is
// an *APIError whose path already holds the id, the id is not said twice:
// the object is then named by its name alone.
type ObjectError struct {
	// Op is what was being done: "update", "audit", "timeout".
	Op string
	// Kind is "flow" or "action".
	Kind string
	// ID and Name are the object's; Name may be empty.
	ID, Name string
	// Stopped is set when the caller's context ended the work.
	Stopped bool
	// Err is what went wrong.
	Err error
}

func (e *ObjectError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op + " of " + e.Kind)
	var ae *APIError
	idInPath := errors.As(e.Err, &ae) && strings.Contains(ae.Path, "/"+url.PathEscape(e.ID))
	switch {
	case idInPath && e.Name != "":
		b.WriteString(" " + e.Name)
	case idInPath:
	case e.Name != "":
		b.WriteString(" " + e.ID + " (" + e.Name + ")")
	default:
		b.WriteString(" " + e.ID)
	}
	if e.Stopped {
		b.WriteString(" stopped")
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

// Unwrap returns the error inside.
func (e *ObjectError) Unwrap() error { return e.Err }
