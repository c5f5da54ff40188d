package client_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
)

// BenchmarkRaiseRequests counts the requests of raising one flow that needs
// a change, and of one that needs none.
func BenchmarkRaiseRequests(b *testing.B) {
	srv, c := bigOrg(b, 40, &clienttest.Options{RequestsPerMinute: -1})
	ctx := context.Background()
	for b.Loop() {
		id := "demo-flow-01"
		before := srv.Counters().Requests
		res, err := c.UpdateFlow(ctx, id, raise5s, &client.UpdateOptions{Publish: true})
		if err != nil || !res.Changed {
			b.Fatal(err)
		}
		b.ReportMetric(float64(srv.Counters().Requests-before), "requests-change")
		before, postsBefore := srv.Counters().Requests, srv.Counters().Writes
		if _, err := c.UpdateFlow(ctx, id, raise5s, &client.UpdateOptions{Publish: true}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(srv.Counters().Requests-before), "requests-nochange")
		b.ReportMetric(float64(srv.Counters().Writes-postsBefore), "writes-nochange")
		b.StopTimer()
		require.NoError(b, srv.CommitAsUser(id, "bench", srv.Versions(id)[0].Config, true)) // back to the short timeouts
		b.StartTimer()
	}
}

// BenchmarkConcurrency audits 500 flows with 20 ms of latency a request,
// bigOrg is an organisation of n flows made from the demo's documents.
func bigOrg(b *testing.B, n int, opts *clienttest.Options) (*clienttest.Server, *client.Client) {
	b.Helper()
	srv := clienttest.Start(b, opts, true)
	require.NoError(b, srv.GrowDemo(n))
	require.Len(b, srv.FlowIDs(), n)
	return srv, srv.Client(b)
}
