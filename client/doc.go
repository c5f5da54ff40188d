// Package client is a small Genesys Cloud Platform API client for what
// finding and fixing Data Action timeouts needs: OAuth client credentials,
// regions, flow listings, versions and configurations, check-out, save,
// check-in and publish, and the safe read-modify-write of one flow
// (UpdateFlow). Its sub-packages build on it: org (Audit and Raise across an
// organisation), dataaction (integration actions), cache (configurations on
// disk by version), probe (the modelled behaviours, on a sandbox) and
// clienttest (an in-memory organisation over HTTP).
//
//	cfg, err := client.ConfigFromEnv() // GENESYS_CLOUD_* variables
//	if err != nil {
//		return err
//	}
//	c, err := client.New(cfg)
//	if err != nil {
//		return err
//	}
//	for f, err := range c.Flows(ctx, &client.ListFlowsOptions{Types: []string{"inboundcall"}}) {
//		if err != nil {
//			return err
//		}
//		doc, err := c.LatestConfiguration(ctx, f.ID) // a *flow.Document
//		...
//	}
//
// Every request goes through one place, which does five things:
//
//   - It paces the client under the per-token rate limit
//     (Config.RequestsPerMinute, or a shared Config.Limiter).
//   - It authenticates: a token is reused until shortly before it expires,
//     and a 401 gets one fresh token and one repeat.
//   - It retries what is safe to retry: GETs on transport errors, 429 and
//     5xx; POSTs only on 429 and refused connections, because a publish
//     repeated is a second version. Retry-After is waited out, up to
//     retry.Policy.MaxRetryAfter; a longer wait asked for ends the request
//     with an error that says so, never a shorter wait.
//   - It sees every write it has sent through to its answer, even when ctx
//     ends meanwhile, so that no outcome is left unknown.
//   - It turns every non-2xx answer into an *APIError, which errors.Is maps
//     to ErrNotFound, ErrConflict, ErrRateLimited, ErrUnauthorized,
//     ErrForbidden and ErrGone.
//
// Bodies are read with a size cap. The client secret and the bearer token
// never appear in an error or a log line.
//
// Writes are safe to run twice. UpdateFlow and org.Raise run a dry run
// on ReadOnly, a view that refuses every request but GET before it is sent.
// The platform knows a lock's holder only as a user or an OAuth client, so
// every process with the same credentials is one holder: a lock of this
// client's id is this update's only if this update took it; any other is
// another run's, or a crashed run's, and is waited for and reported
// (*LockError), or released only with UpdateOptions.ReleaseStaleLocks.
//
// Repeat runs are cheap. A flow version's configuration never changes once
// written, so UpdateOptions.Cache and org.Selection.Cache (a ConfigCache,
// such as cache.Dir) keep configurations by version: a repeat audit of an
// unchanged organisation reads the listing and the actions only.
//
// The parts of the API that could not be confirmed from a first-party source
// are in modelled.go, one constant each. Package probe settles them on a sandbox
// organisation, with one scratch flow that it deletes, and names the place
// to change for each that differs.
//
// A Client is safe for concurrent use by multiple goroutines.
package client
