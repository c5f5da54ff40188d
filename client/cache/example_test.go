package cache_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/cache"
	"github.com/gcflow/timeouts/client/clienttest"
)

// Audit twice with a configuration cache: the second audit of an unchanged
// organisation reads no configuration, only the listing and the actions.
func ExampleNewDirCache() {
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
	configs, err := cache.NewDirCache(dir, nil)
	if err != nil {
		panic(err)
	}
	opts := &client.AuditOptions{Below: 5 * time.Second, Cache: configs}
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
