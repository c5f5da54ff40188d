package clienttest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
)

const archConfig = `{"name":"Main","type":"inboundcall","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[
 {"__type":"DataAction","id":"n1","name":"CRM","actionId":"custom_-_crm","useSuggestedTimeout":false,
  "timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M3S0F","type":"dur"}},"text":"P0D0H0M3S0F","type":"dur"}}]}]}`

// TestClientEndToEnd runs the client against the fake organisation: list
// all, read, check out, save, publish, and check the published bytes.
func TestClientEndToEnd(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{OperationReads: 2}, false)
	var ids []string
	for i := range 7 {
		id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Flow " + string(rune('A'+i)), Type: "inboundcall", Config: []byte(archConfig)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	srv.AddDataAction("custom_-_crm", "CRM lookup", 8)
	c, err := client.New(srv.ClientConfig())
	require.NoError(t, err)
	ctx := context.Background()

	var listed []string
	for f, err := range c.Flows(ctx, &client.ListFlowsOptions{PageSize: 3}) {
		require.NoError(t, err)
		listed = append(listed, f.ID)
	}
	assert.Equal(t, ids, listed)

	id := ids[0]
	doc, err := c.LatestConfiguration(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, archConfig, string(doc.Bytes()))
	a, err := dataaction.Get(ctx, c, "custom_-_crm")
	require.NoError(t, err)
	assert.Equal(t, 8, a.Config.TimeoutSeconds)

	changes, err := doc.RaiseTimeouts(5*time.Second, nil)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	fl, err := c.Checkout(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, clienttest.DefaultClientID, fl.LockedClient.ID)
	assert.Equal(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id))
	saved, err := c.SaveVersion(ctx, id, doc)
	require.NoError(t, err)
	assert.Equal(t, "SAVE", saved.Type)
	fl, err = c.Publish(ctx, id)
	require.NoError(t, err)
	require.NotNil(t, fl.PublishedVersion)
	assert.Equal(t, "2.0", fl.PublishedVersion.ID)
	assert.Empty(t, srv.LockHolder(id), "publishing checks in")
	assert.Equal(t, string(doc.Bytes()), string(srv.Published(id)))

	pub, err := c.Configuration(ctx, id, fl.PublishedVersion.ID)
	require.NoError(t, err)
	assert.Equal(t, doc.Bytes(), pub.Bytes())
	n := pub.DataActions()[0]
	assert.Equal(t, 5*time.Second, n.Timeout)
	assert.Equal(t, flow.TimeoutLiteral, n.TimeoutKind)

	var versions []string
	for v, err := range c.FlowVersions(ctx, id) {
		require.NoError(t, err)
		versions = append(versions, v.ID+" "+v.Type)
	}
	assert.Equal(t, []string{"2.0 PUBLISH", "1.0 PUBLISH"}, versions)
	counters := srv.Counters()
	assert.Equal(t, 1, counters.Publishes)
	assert.Equal(t, 1, counters.Versions)
	assert.Equal(t, 1, counters.Tokens)
}

// TestConcurrentClients runs eight clients at once, each with its own
// credentials, through whole cycles on their own flows while listing all.
func TestConcurrentClients(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{OperationReads: 1}, false)
	const n = 8
	ids := make([]string, n)
	for i := range n {
		id, err := srv.AddFlow(clienttest.FlowSeed{Name: fmt.Sprintf("Flow %d", i), Type: "inboundcall", Config: []byte(archConfig)})
		require.NoError(t, err)
		ids[i] = id
		srv.AddClient(fmt.Sprintf("c%d", i), "secret", fmt.Sprintf("Client %d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := srv.ClientConfig()
			cfg.ClientID, cfg.ClientSecret = fmt.Sprintf("c%d", i), "secret"
			cfg.Retry.InitialInterval = time.Millisecond
			c, err := client.New(cfg)
			if err != nil {
				errs <- err
				return
			}
			ctx := context.Background()
			for round := range 3 {
				for _, err := range c.Flows(ctx, &client.ListFlowsOptions{PageSize: 3}) {
					if err != nil {
						errs <- err
						return
					}
				}
				doc, err := c.LatestConfiguration(ctx, ids[i])
				if err == nil {
					_, err = doc.SetTimeouts(flow.Edit{NodeID: "n1", Timeout: time.Duration(4+round) * time.Second})
				}
				if err == nil {
					_, err = c.Checkout(ctx, ids[i])
				}
				if err == nil {
					_, err = c.SaveVersion(ctx, ids[i], doc)
				}
				if err == nil {
					_, err = c.Publish(ctx, ids[i])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, id := range ids {
		assert.Len(t, srv.Versions(id), 4, "flow %d: the seed and three publishes", i)
		assert.Contains(t, string(srv.Published(id)), "P0D0H0M6S0F")
		assert.Empty(t, srv.LockHolder(id))
	}
	assert.Equal(t, 3*n, srv.Counters().Publishes)
}

// TestClientTokenExpiresMidRun: the organisation expires every token; the
// client's next request is answered 401, and it gets a fresh token and goes on.
func TestClientTokenExpiresMidRun(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Main", Type: "inboundcall", Config: []byte(archConfig)})
	require.NoError(t, err)
	c, err := client.New(srv.ClientConfig())
	require.NoError(t, err)
	_, err = c.Flow(context.Background(), id)
	require.NoError(t, err)
	srv.ExpireTokens()
	_, err = c.LatestConfiguration(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Counters().Tokens)
	assert.Equal(t, 1, srv.Counters().ByStatus[401], "one 401, then a fresh token")
}
