package client

import (
	"strings"
	"time"
)

// Everything in this file is a (modelled) part of the Genesys Cloud API: a
// value or rule that could not be confirmed from a first-party source. Each is
// our best model, kept here so a user with a live organisation can correct it
// in one edit. See the README's section "What "modelled" means for a live
// organisation", and package probe, which settles them on a sandbox.

const (
	// MaxPageSize is the largest pageSize the flow listings accept
	// (documented default 25; 500 accepted in practice). (modelled)
	MaxPageSize = 500

	// MaxActionPageSize is the largest pageSize the data action listing
	// takes. (modelled: 25 is the documented default; 100 is our best
	// model of the largest)
	MaxActionPageSize = 100

	// MaxRequestBytes is the largest request body the platform takes
	// (request.bytes.max); a larger flow configuration cannot be saved.
	MaxRequestBytes = 512000

	// DefaultRequestsPerMinute is the per-token rate limit to stay under
	// (client.credentials.token.rate.per.minute).
	DefaultRequestsPerMinute = 300

	// operationPollTimeout bounds the wait for an asynchronous check-in or
	// publish: Architect's own code gives up at 180 s.
	operationPollTimeout = 180 * time.Second

	// operationPollMax is the longest pause between two polls of an
	// operation: Architect's own code falls back to polling every 10 s.
	operationPollMax = 10 * time.Second

	// tokenExpiryMargin is how long before its expiry a token is replaced.
	tokenExpiryMargin = 60 * time.Second

	// customAuthCategory is the category that marks a custom
	// authentication action, which has no timeout to change. (modelled: no
	// first-party source showed how to tell one; a function action is
	// told by its "function" object, also modelled.)
	customAuthCategory = "Custom Authentication"

	// defaultMaxPages bounds a listing (Config.MaxPages): a server that
	// never stops paging is a bug, and the iterator ends with an error
	// rather than loop for ever.
	defaultMaxPages = 10000

	// defaultPollInterval is the first wait between two reads of an
	// asynchronous operation (Config.PollInterval).
	defaultPollInterval = 250 * time.Millisecond
)

// KnownErrorCode reports whether code is one of the platform's error
// codes for status (every 5xx counts as 500) in the spec's table, compared
// loosely, as Genesys' own client does: dotted or UPPER_SNAKE, any case.
// (modelled: see knownErrorCodes)
func KnownErrorCode(status int, code string) bool {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", ".") }
	key := status
	if status >= 500 {
		key = 500
	}
	for _, k := range knownErrorCodes[key] {
		if norm(k) == norm(code) {
			return true
		}
	}
	return false
}

// knownErrorCodes are the platform's error codes by HTTP status (500 for
// every 5xx), from the spec's table, itself from a 2018 API definition.
// (modelled: codes may have changed since. The client branches on statuses,
// never on a code alone; Probe compares the codes it meets with this.)
var knownErrorCodes = map[int][]string{
	400: {"invalid.schema", "bad.request"},
	401: {"authentication.required", "bad.credentials", "credentials.expired"},
	403: {"missing.permissions", "missing.any.permissions", "not.authorized"},
	404: {"not.found"},
	409: {"architect.flow.locked.by.user", "architect.flow.not.locked.by.user", "architect.operation.already.in.progress"},
	410: {"architect.flow.deleted"},
	429: {"too.many.requests.retry.after", "too.many.requests"},
	500: {"service.unavailable", "request.timeout"},
}
