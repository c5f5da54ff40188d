package org_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
)

// Raise every Data Action below 5 s across an organisation: a flow that
// fails (here, one that does not exist) is yielded with its error and the
// run goes on.
func ExampleRaise() {
	srv := clienttest.NewServer(nil)
	defer srv.Close()
	id, _ := srv.AddFlow(clienttest.FlowSeed{ID: "main-ivr", Name: "Main IVR", Type: "inboundcall", Config: []byte(
		`{"flowVersion":{"nodes":{"lookup":{"type":"DataAction","settings":{"timeout":3000}}}}}`)})
	c, _ := client.New(srv.ClientConfig())
	opts := &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id, "no-such-flow"}}, Min: 5 * time.Second,
		Update: client.UpdateOptions{Publish: true}}
	results, err := org.Raise(context.Background(), c, opts) // an error here: nothing was listed, nothing done
	if err != nil {
		panic(err)
	}
	for res, err := range results {
		if err != nil {
			fmt.Println(res.FlowID, "failed:", err)
			continue
		}
		fmt.Println(res.FlowName, len(res.Changes), "raised; published version", res.NewVersion)
	}
	// Output:
	// no-such-flow failed: client: not found: flow no-such-flow does not exist, or this OAuth client cannot see it
	// Main IVR 1 raised; published version 2.0
}
