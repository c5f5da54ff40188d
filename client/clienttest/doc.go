// Package clienttest is an in-memory Genesys Cloud organisation served over
// HTTP: the OAuth token endpoint, every flow endpoint the client package uses
// and the data actions, with the platform's locks, versions, asynchronous
// operations, error bodies, body size limit and per-token rate limit, and
// faults on request. Tests, the examples' demo mode and users' own tests run
// against it instead of a real organisation.
//
//	srv := clienttest.NewServer(nil)
//	defer srv.Close()
//	id, _ := srv.AddFlow(clienttest.FlowSeed{Name: "Main", Type: "inboundcall", Config: config})
//	c, _ := client.New(srv.ClientConfig())
//	doc, _ := c.LatestConfiguration(ctx, id)
//
// NewServer starts an httptest server; an *Org is also an http.Handler, for
// serving on a listener of one's own (examples/fakeorg does). What the real
// platform does and this package models without a first-party source is
// marked (modelled) in the doc comments.
//
// An Org and a Server are safe for concurrent use.
package clienttest
