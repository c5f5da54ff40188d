package probe

import "strings"

// This file holds what the probe compares with the platform and nothing
// else uses: the spec's table of error codes. (modelled)

// knownErrorCode reports whether code is one of the platform's error
// codes for status (every 5xx counts as 500) in the spec's table, compared
// loosely, as Genesys' own client does: dotted or UPPER_SNAKE, any case.
// (modelled: see knownErrorCodes)
func knownErrorCode(status int, code string) bool {
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
