package client

import "time"

// Everything in this file is a (modelled) part of the Genesys Cloud API: a
// value or rule that could not be confirmed from a first-party source. Each is
// our best model, kept here so a user with a live organisation can correct it
// in one edit. See the README's section "What "modelled" means for a live
// organisation", and package probe, which settles them on a sandbox.

const (
	// MaxPageSize is the largest pageSize the flow listings accept
	// (documented default 25; 500 accepted in practice). (modelled)
	MaxPageSize = 500

	// MaxRequestBytes is the largest request body the platform takes
	// (request.bytes.max); a larger flow configuration cannot be saved.
	MaxRequestBytes = 512000

	// defaultRequestsPerMinute is the per-token rate limit to stay under
	// (client.credentials.token.rate.per.minute).
	defaultRequestsPerMinute = 300

	// operationPollTimeout bounds the wait for an asynchronous check-in or
	// publish: Architect's own code gives up at 180 s.
	operationPollTimeout = 180 * time.Second

	// operationPollMax is the longest pause between two polls of an
	// operation: Architect's own code falls back to polling every 10 s.
	operationPollMax = 10 * time.Second

	// tokenExpiryMargin is how long before its expiry a token is replaced.
	tokenExpiryMargin = 60 * time.Second

	// defaultMaxPages bounds a listing (Config.MaxPages): a server that
	// never stops paging is a bug, and the iterator ends with an error
	// rather than loop for ever.
	defaultMaxPages = 10000

	// defaultPollInterval is the first wait between two reads of an
	// asynchronous operation (Config.PollInterval).
	defaultPollInterval = 250 * time.Millisecond
)
