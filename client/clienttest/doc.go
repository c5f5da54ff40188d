// Package clienttest serves an in-memory Genesys Cloud organisation over
// HTTP on a loopback address: the OAuth token endpoint, every flow endpoint the client package uses
// and the data actions, with the platform's locks, versions, asynchronous
// operations, error bodies, body size limit and per-token rate limit, and
// faults on request. Tests, the examples' demo mode and users' own tests run
// against it instead of a real organisation.
//
//	srv := clienttest.Start(t, nil, false) // closed when the test ends
//	id, _ := srv.AddFlow(clienttest.FlowSeed{Name: "Main", Type: "inboundcall", Config: config})
//	c := srv.Client(t)
//	doc, _ := c.LatestConfiguration(ctx, id)
//
// Start is the builder the tests share (with demo set, it holds the
// 40-flow demo organisation); NewServer and NewDemoServer serve one
// outside a test, as the example commands' -demo does. The package imports
// neither testing nor net/http/httptest, so a program that serves it links
// no test machinery. An *Org is also an http.Handler, for serving on a
// listener of one's own (examples/fakeorg does). What the real
// platform does and this package models without a first-party source is
// marked (modelled) in the doc comments.
//
// An Org and a Server are safe for concurrent use.
package clienttest
