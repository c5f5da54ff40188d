package client_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
)

// List flows and read a configuration, here from the fake organisation of
// clienttest: with client.ConfigFromEnv() the same code talks to a real one.
func ExampleClient_Flows() {
	srv := clienttest.NewServer(nil)
	defer srv.Close()
	for _, name := range []string{"Main IVR", "Payments"} {
		_, _ = srv.AddFlow(clienttest.FlowSeed{Name: name, Type: "inboundcall", Config: []byte(`{"flowSequenceItemList":[]}`)})
	}
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	for f, err := range c.Flows(context.Background(), &client.ListFlowsOptions{Types: []string{"inboundcall"}}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(f.Name, f.Type, f.PublishedVersion.ID)
	}
	// Output:
	// Main IVR INBOUNDCALL 1.0
	// Payments INBOUNDCALL 1.0
}

// Check out, save and publish a flow with one timeout raised.
func ExampleClient_Publish() {
	srv := clienttest.NewServer(nil)
	defer srv.Close()
	id, _ := srv.AddFlow(clienttest.FlowSeed{Name: "Main IVR", Type: "inboundcall", Config: []byte(
		`{"flowVersion":{"nodes":{"lookup":{"type":"DataAction","settings":{"timeout":3000}}}}}`)})
	c, _ := client.New(srv.ClientConfig())
	ctx := context.Background()

	doc, _ := c.LatestConfiguration(ctx, id)
	changes, _ := doc.RaiseTimeouts(5*time.Second, nil)
	_, _ = c.Checkout(ctx, id)
	_, _ = c.SaveVersion(ctx, id, doc)
	f, err := c.Publish(ctx, id)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(changes), "raised; published version", f.PublishedVersion.ID)
	fmt.Println(string(srv.Published(id)))
	// Output:
	// 1 raised; published version 2.0
	// {"flowVersion":{"nodes":{"lookup":{"type":"DataAction","settings":{"timeout":5000}}}}}
}

// Raise every Data Action below 5 s across an organisation: a flow that
// fails (here, one that does not exist) is yielded with its error and the
// run goes on.
func ExampleClient_RaiseTimeouts() {
	srv := clienttest.NewServer(nil)
	defer srv.Close()
	id, _ := srv.AddFlow(clienttest.FlowSeed{ID: "main-ivr", Name: "Main IVR", Type: "inboundcall", Config: []byte(
		`{"flowVersion":{"nodes":{"lookup":{"type":"DataAction","settings":{"timeout":3000}}}}}`)})
	c, _ := client.New(srv.ClientConfig())
	opts := &client.RaiseOptions{FlowIDs: []string{id, "no-such-flow"}, Min: 5 * time.Second,
		UpdateOptions: client.UpdateOptions{Publish: true}}
	for res, err := range c.RaiseTimeouts(context.Background(), opts) {
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

// Audit twice with a configuration cache: the second audit of an unchanged
// organisation reads no configuration, only the listing and the actions.
func ExampleDirCache() {
	srv, err := clienttest.NewDemoServer(&clienttest.Options{RequestsPerMinute: -1})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "configurations-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	opts := &client.AuditOptions{Below: 5 * time.Second, Cache: client.DirCache(dir)}
	for run := 1; run <= 2; run++ {
		before := srv.Counters().ConfigReads
		cached := 0
		for a, err := range c.AuditFlows(context.Background(), opts) {
			if err != nil {
				panic(err)
			}
			if a.FromCache {
				cached++
			}
		}
		fmt.Printf("audit %d: %d from the cache, %d read\n", run, cached, srv.Counters().ConfigReads-before)
	}
	// Output:
	// audit 1: 0 from the cache, 40 read
	// audit 2: 40 from the cache, 0 read
}

// Probe the modelled behaviours, here against a fake organisation made to
// deviate in one way: on a real sandbox organisation, the same call tells
// which of the module's models hold.
func ExampleClient_Probe() {
	srv, err := clienttest.NewDemoServer(&clienttest.Options{RequestsPerMinute: -1, Deviations: []clienttest.Deviation{clienttest.DeviatePublish202}})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	rep, err := c.Probe(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	for _, r := range rep.Rows {
		if r.Verdict != client.Confirmed {
			fmt.Printf("%s %s: %s; change %s\n", r.Behaviour, r.Verdict, r.Observed, r.FixIn)
		}
	}
	fmt.Println(rep.Count(client.Confirmed), "confirmed; scratch flow deleted:", rep.ScratchDeleted)
	// Output:
	// publish-status differs: 202; change client/clienttest/routes.go: startOperation (the client accepts any 2xx)
	// 7 confirmed; scratch flow deleted: true
}
