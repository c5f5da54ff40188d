package cache_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/cache"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
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
	opts := &org.AuditOptions{Selection: org.Selection{Cache: configs}, Min: 5 * time.Second}
	for run := 1; run <= 2; run++ {
		before := srv.Counters().ConfigReads
		cached := 0
		audit, err := org.Audit(context.Background(), c, opts)
		if err != nil {
			panic(err)
		}
		for a, err := range audit {
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
