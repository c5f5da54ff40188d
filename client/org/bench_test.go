package org_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
)

// bigOrg is an organisation of n flows made from the demo's documents.
func bigOrg(b *testing.B, n int, opts *clienttest.Options) (*clienttest.Server, *client.Client) {
	b.Helper()
	srv := clienttest.Start(b, opts, true)
	require.NoError(b, srv.GrowDemo(n))
	require.Len(b, srv.FlowIDs(), n)
	return srv, srv.Client(b)
}

// BenchmarkAuditRequests counts the requests of an audit of 500 flows.
func BenchmarkAuditRequests(b *testing.B) {
	srv, c := bigOrg(b, 500, &clienttest.Options{RequestsPerMinute: -1})
	for b.Loop() {
		before := srv.Counters().Requests
		flows, nodes := 0, 0
		for a, err := range mustAudit(b, context.Background(), c, &org.AuditOptions{Selection: org.Selection{Concurrency: 8}}) {
			if err != nil {
				b.Fatal(err)
			}
			flows++
			nodes += len(a.Nodes)
		}
		b.ReportMetric(float64(srv.Counters().Requests-before), "requests/op")
		b.ReportMetric(float64(flows), "flows/op")
	}

}

// one flow at a time and eight at a time.
func BenchmarkConcurrency(b *testing.B) {
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("audit-500-flows/concurrency=%d", n), func(b *testing.B) {
			_, c := bigOrg(b, 500, &clienttest.Options{RequestsPerMinute: -1, Faults: clienttest.Faults{Latency: 20 * time.Millisecond}})
			for b.Loop() {
				for _, err := range mustAudit(b, context.Background(), c, &org.AuditOptions{Selection: org.Selection{Concurrency: n}}) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkPacing reads flows for a while against an organisation limited
// to 600 requests a minute, with the client paced at the same limit: it
// reports the rate achieved and the 429s seen.
func BenchmarkPacing(b *testing.B) {
	srv := clienttest.Start(b, &clienttest.Options{RequestsPerMinute: 600}, true)
	cfg := srv.ClientConfig()
	cfg.RequestsPerMinute = 600
	c, err := client.New(cfg)
	require.NoError(b, err)
	ids := srv.FlowIDs()
	for b.Loop() {
		// Use up the server's burst first, as a long run would have.
		const requests = 300
		before := srv.Counters()
		start := time.Now()
		done := make(chan error, 4)
		per := requests / 4
		for w := range 4 {
			go func() {
				for i := range per {
					if _, err := c.Flow(context.Background(), ids[(w*per+i)%len(ids)]); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		for range 4 {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		after := srv.Counters()
		b.ReportMetric(float64(after.Requests-before.Requests)/elapsed.Minutes(), "requests/min")
		b.ReportMetric(float64(after.ByStatus[429]-before.ByStatus[429]), "429s")
	}
}

// BenchmarkAuditCache counts the requests of a first audit of 500 flows
// with an empty DirCache and of a repeat audit of the unchanged
// organisation, by the fake organisation's counters.
func BenchmarkAuditCache(b *testing.B) {
	srv, c := bigOrg(b, 500, &clienttest.Options{RequestsPerMinute: -1})
	audit := func(cache client.ConfigCache) (requests, reads int, d time.Duration) {
		before, start := srv.Counters(), time.Now()
		for _, err := range mustAudit(b, context.Background(), c, &org.AuditOptions{Selection: org.Selection{Concurrency: 4, Cache: cache}}) {
			if err != nil {
				b.Fatal(err)
			}
		}
		after := srv.Counters()
		return after.Requests - before.Requests, after.ConfigReads - before.ConfigReads, time.Since(start)
	}
	for b.Loop() {
		cache := mustDir(b.TempDir())
		first, firstReads, firstTime := audit(cache)
		repeat, repeatReads, repeatTime := audit(cache)
		if repeatReads != 0 {
			b.Fatalf("the repeat audit read %d configurations", repeatReads)
		}
		b.ReportMetric(float64(first), "first-requests")
		b.ReportMetric(float64(firstReads), "first-config-reads")
		b.ReportMetric(float64(repeat), "repeat-requests")
		b.ReportMetric(float64(first)/float64(repeat), "requests-ratio")
		b.ReportMetric(float64(firstTime)/float64(repeatTime), "time-ratio")
	}
}
