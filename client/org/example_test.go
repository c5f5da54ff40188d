package org_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
)

// Raise every Data Action below 5 s across an organisation. An id that does
// not exist fails the whole raise before anything is written; once the
// selection is right, each flow is yielded with its result, and one flow's
// failure (a lock, a pending draft) never stops another.
func ExampleRaise() {
	srv := clienttest.NewServer(nil)
	defer srv.Close()
	id, _ := srv.AddFlow(clienttest.FlowSeed{ID: "main-ivr", Name: "Main IVR", Type: "inboundcall", Config: []byte(
		`{"flowVersion":{"nodes":{"lookup":{"type":"DataAction","settings":{"timeout":3000}}}}}`)})
	c, _ := client.New(srv.ClientConfig())
	opts := &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id, "no-such-flow"}}, Min: 5 * time.Second,
		Update: client.UpdateOptions{Publish: true}}
	_, err := org.Raise(context.Background(), c, opts)
	fmt.Println(err)

	opts.FlowIDs = []string{id}
	results, err := org.Raise(context.Background(), c, opts)
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
	// client: not found: flow no-such-flow does not exist, or this OAuth client cannot see it; nothing was written
	// Main IVR 1 raised; published version 2.0
}

// Judge every Data Action by a timeout policy: each node gets the verdict
// of the first rule that matches it, by what it really waits.
func ExampleAudit_policy() {
	srv := clienttest.NewServer(nil)
	defer srv.Close()
	_, _ = srv.AddFlow(clienttest.FlowSeed{ID: "main-ivr", Name: "Main IVR", Type: "inboundcall", Config: []byte(
		`{"flowVersion":{"nodes":{"lookup":{"type":"DataAction","settings":{"timeout":3000}},"slow":{"type":"DataAction","settings":{"timeout":45000}}}}}`)})
	c, _ := client.New(srv.ClientConfig())
	p, err := org.ParsePolicy(strings.NewReader(`version: 1
rules:
  - name: voice
    types: [inboundcall]
    min: 5s
    max: 20s
`))
	if err != nil {
		panic(err)
	}
	audits, err := org.Audit(context.Background(), c, &org.AuditOptions{Policy: p})
	if err != nil {
		panic(err)
	}
	for a, err := range audits {
		if err != nil {
			panic(err)
		}
		for _, n := range a.Nodes {
			fmt.Println(a.Flow.Name, n.ID, n.Effective, n.Verdict.Rule.Name, n.Verdict.Findings)
		}
	}
	// Output:
	// Main IVR lookup 3s voice [below-min]
	// Main IVR slow 45s voice [above-max]
}
