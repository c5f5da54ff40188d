package client_test

import (
	"context"
	"fmt"
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
