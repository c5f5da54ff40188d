package client_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
)

// shortFlow is a flow of two Data Actions: n1 waits 3 s of custom_-_crm,
// n2 uses the suggested timeout of custom_-_pay.
var shortFlow = strings.TrimSuffix(string(must(os.ReadFile("testdata/crm-and-pay.json"))), "\n")

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func raise5s(doc *flow.Document) ([]flow.Change, error) { return doc.RaiseTimeouts(5*time.Second, nil) }

// setup starts a fake organisation with one flow and a client with fast,
// exact retries.
func setup(t *testing.T, opts *clienttest.Options, seed clienttest.FlowSeed) (*clienttest.Server, *client.Client, string) {
	t.Helper()
	srv := clienttest.Start(t, opts, false)
	if seed.Config == nil {
		seed.Config = []byte(shortFlow)
	}
	if seed.Name == "" {
		seed.Name, seed.Type = "Main", "inboundcall"
	}
	id, err := srv.AddFlow(seed)
	require.NoError(t, err)
	srv.AddDataAction("custom_-_crm", "CRM", 8)
	srv.AddDataAction("custom_-_pay", "Pay", 3)
	return srv, srv.Client(t), id
}

func TestUpdateFlowPublishes(t *testing.T) {
	srv, c, id := setup(t, &clienttest.Options{OperationReads: 1}, clienttest.FlowSeed{})
	var backup []byte
	res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true,
		Backup: func(_ context.Context, o *client.Original) error {
			assert.Equal(t, id, o.FlowID)
			assert.Equal(t, "1.0", o.VersionID)
			assert.Equal(t, "INBOUNDCALL", o.FlowType)
			assert.NotEmpty(t, o.FlowName)
			assert.Equal(t, 0, srv.Counters().Saves, "the backup comes before anything is written")
			backup = o.Config
			return nil
		}})
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.True(t, res.Published)
	assert.Equal(t, "2.0", res.NewVersion)
	assert.Equal(t, "1.0", res.FromVersion)
	assert.Equal(t, 1, res.Attempts)
	require.Len(t, res.Changes, 1)
	assert.Equal(t, "n1", res.Changes[0].Node.ID)
	assert.Equal(t, shortFlow, string(backup))

	want, err := flow.Parse([]byte(shortFlow))
	require.NoError(t, err)
	_, err = want.RaiseTimeouts(5*time.Second, nil)
	require.NoError(t, err)
	assert.Equal(t, string(want.Bytes()), string(srv.Published(id)), "exactly the local edit, every other byte unchanged")
	assert.Empty(t, srv.LockHolder(id))
	assert.LessOrEqual(t, len(srv.Requests()), 9, "requests on the happy path: 8, and one more read while the operation runs")

	// A second run reads and writes nothing.
	before := len(srv.Requests())
	res, err = c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
	require.NoError(t, err)
	assert.False(t, res.Changed)
	assert.Empty(t, res.Changes)
	assert.Equal(t, 2, len(srv.Requests())-before, "a run with nothing to change costs two reads")
	assert.Equal(t, 3, srv.Counters().Writes, "checkout, save, publish: nothing more")
	assert.Len(t, srv.Versions(id), 2)
}

func TestUpdateFlowChecksIn(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	res, err := c.UpdateFlow(context.Background(), id, raise5s, nil)
	require.NoError(t, err)
	assert.False(t, res.Published)
	vs := srv.Versions(id)
	require.Len(t, vs, 2)
	assert.Equal(t, "CHECKIN", vs[1].Type)
	assert.Equal(t, shortFlow, string(srv.Published(id)), "a check-in publishes nothing")
}

func TestUpdateFlowRefusals(t *testing.T) {
	t.Run("locked by another user", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{LockedByUser: "Jane Doe"})
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.ErrorIs(t, err, client.ErrLocked)
		assert.Contains(t, err.Error(), "locked by user Jane Doe")
		assert.Equal(t, 4, res.Attempts, "waited and read again, up to the policy")
		assert.Equal(t, 0, srv.Counters().Writes)
		assert.Equal(t, "user Jane Doe", srv.LockHolder(id))
	})
	t.Run("force unlock", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{LockedByUser: "Jane Doe"})
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, ForceUnlock: true})
		require.NoError(t, err)
		require.Len(t, res.Warnings, 1)
		assert.Contains(t, res.Warnings[0], "broke the lock of user Jane Doe")
		assert.Contains(t, string(srv.Published(id)), "P0D0H0M5S0F")
	})
	t.Run("draft pending", func(t *testing.T) {
		draft := strings.Replace(shortFlow, `"name":"Main"`, `"name":"Main (edited)"`, 1)
		srv, c, id := setup(t, nil, clienttest.FlowSeed{Draft: []byte(draft)})
		_, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.ErrorIs(t, err, client.ErrDraftPending)
		assert.Equal(t, 0, srv.Counters().Writes)
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, AllowDraft: true})
		require.NoError(t, err)
		assert.True(t, res.Changed)
		assert.Contains(t, string(srv.Published(id)), "Main (edited)", "allowed: the draft is published too")
	})
	t.Run("too large", func(t *testing.T) {
		big := strings.Replace(shortFlow, `"name":"Main"`, `"name":"Main","pad":"`+strings.Repeat("x", client.MaxRequestBytes)+`"`, 1)
		srv, c, id := setup(t, nil, clienttest.FlowSeed{Config: []byte(big)})
		_, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.ErrorIs(t, err, client.ErrTooLarge)
		assert.Equal(t, 0, srv.Counters().Writes, "refused before anything is written or locked")
	})
	t.Run("bad edit", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		_, err := c.UpdateFlow(context.Background(), id, func(d *flow.Document) ([]flow.Change, error) {
			return d.SetTimeouts(flow.Edit{NodeID: "nope", Timeout: time.Second})
		}, nil)
		require.ErrorIs(t, err, flow.ErrNodeNotFound)
		assert.Equal(t, 0, srv.Counters().Writes)
	})
}

func TestUpdateFlowDryRun(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, DryRun: true})
	require.NoError(t, err)
	assert.True(t, res.DryRun)
	assert.False(t, res.Changed)
	assert.Len(t, res.Changes, 1)
	assert.Equal(t, 0, srv.Counters().Writes, "a dry run writes nothing")
	assert.Contains(t, res.Diff, "--- flows/"+id+" (now)\n+++ flows/"+id+" (edited)\n")
	assert.Contains(t, res.Diff, "-                \"text\": \"P0D0H0M3S0F\",\n+                \"text\": \"P0D0H0M5S0F\",\n")
	assert.Contains(t, res.Diff, "-            \"text\": \"P0D0H0M3S0F\",\n+            \"text\": \"P0D0H0M5S0F\",\n")
	assert.Equal(t, 4, strings.Count(res.Diff, "\n-")+strings.Count(res.Diff, "\n+")-1, "two lines out, two in")
}

func TestUpdateFlowConflicts(t *testing.T) {
	t.Run("another user's change between read and save survives", func(t *testing.T) {
		theirs := strings.Replace(shortFlow, `"name":"Pay"`, `"name":"Pay (renamed by Jane)"`, 1)
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		srv.Before("POST", "/api/v2/flows/actions/checkout", func(o *clienttest.Org) {
			require.NoError(t, o.CommitAsUser(id, "Jane Doe", []byte(theirs), true))
		})
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.NoError(t, err)
		assert.True(t, res.Changed)
		published := string(srv.Published(id))
		assert.Contains(t, published, "Pay (renamed by Jane)", "their change survives")
		assert.Contains(t, published, "P0D0H0M5S0F", "ours is applied to their bytes")
		assert.Equal(t, "2.0", res.FromVersion)
	})
	t.Run("409 on save starts again from a fresh read", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		srv.FailNext("POST", "/api/v2/flows/"+id+"/versions", 1, 409)
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.NoError(t, err)
		assert.Equal(t, 2, res.Attempts)
		assert.Empty(t, srv.LockHolder(id))
		assert.Len(t, srv.Versions(id), 2, "one new version")
	})
	t.Run("checkout refused while another holds the lock, then free", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		srv.Before("POST", "/api/v2/flows/actions/checkout", func(o *clienttest.Org) {
			n := o.Counters().Requests
			o.LockByUserDuring(id, "Jane Doe", n, n+3) // taken now, released three requests later
		})
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.NoError(t, err)
		assert.Greater(t, res.Attempts, 1)
		assert.Contains(t, string(srv.Published(id)), "P0D0H0M5S0F")
	})
	t.Run("publish FAILURE releases the lock", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		require.NoError(t, srv.FailNextPublish(id, "architect.publish.failed", "Flow 'Main' failed validation: 2 errors."))
		_, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.ErrorIs(t, err, client.ErrOperationFailed)
		assert.Contains(t, err.Error(), "Flow 'Main' failed validation: 2 errors.")
		assert.Empty(t, srv.LockHolder(id), "our lock is released")
		assert.Equal(t, shortFlow, string(srv.Latest(id)), "our saved draft is discarded")
	})
	t.Run("a 500 on publish that did not happen", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		srv.FailNext("POST", "/api/v2/flows/actions/publish", 1, 500)
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.NoError(t, err)
		assert.True(t, res.Changed)
		assert.Equal(t, 2, res.Attempts)
		assert.Len(t, srv.Versions(id), 2, "one new version")
		assert.Equal(t, 1, srv.Counters().Publishes)
		assert.Empty(t, srv.LockHolder(id))
	})
	t.Run("a publish whose answer was lost", func(t *testing.T) {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		srv.LoseNextAnswer("POST", "/api/v2/flows/actions/publish", 500)
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
		require.NoError(t, err)
		assert.True(t, res.Changed, "the change is reported though its answer was lost")
		assert.Equal(t, "2.0", res.NewVersion)
		assert.Len(t, res.Changes, 1)
		require.Len(t, res.Warnings, 1)
		assert.Contains(t, res.Warnings[0], "an answer was lost")
		assert.Len(t, srv.Versions(id), 2, "never published twice")
		assert.Equal(t, 1, srv.Counters().Publishes)
		assert.Empty(t, srv.LockHolder(id))
	})
}

func TestUpdateFlowCancelled(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	ctx, cancel := context.WithCancel(context.Background())
	srv.Before("POST", "/api/v2/flows/"+id+"/versions", func(*clienttest.Org) { cancel() })
	_, err := c.UpdateFlow(ctx, id, raise5s, &client.UpdateOptions{Publish: true})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, srv.LockHolder(id), "the lock is released even though the context ended")
	assert.Equal(t, shortFlow, string(srv.Latest(id)))
	assert.True(t, bytes.Equal([]byte(shortFlow), srv.Published(id)))
}

// TestConfigurationBytes reads a configuration that package flow cannot
// parse: its exact bytes can still be read (through Do, into a []byte) and
// backed up.
func TestConfigurationBytes(t *testing.T) {
	odd := []byte(`{"someOtherShape": [1, 2, 3]}`)
	srv, c, id := setup(t, nil, clienttest.FlowSeed{Config: odd})
	_, err := c.LatestConfiguration(context.Background(), id)
	require.ErrorIs(t, err, flow.ErrUnknownShape)
	read := func(path string) ([]byte, error) {
		req, err := c.NewRequest(http.MethodGet, "/api/v2/flows/"+id+path, nil, nil)
		require.NoError(t, err)
		var got []byte
		return got, c.Do(context.Background(), req, &got)
	}
	got, err := read("/latestconfiguration")
	require.NoError(t, err)
	assert.Equal(t, odd, got)
	got, err = read("/versions/1.0/configuration")
	require.NoError(t, err)
	assert.Equal(t, odd, got)
	_, err = read("/versions/9.0/configuration")
	require.ErrorIs(t, err, client.ErrNotFound)
	assert.Zero(t, srv.Counters().Writes)
}

// TestUpdateFlowStoppedDuringPublish: a stop while the publish is on its
// way: the platform publishes, and the update, finishing what it holds,
// finds the version its client made and says the run stopped before the
// answer came (not that an answer was lost).
func TestUpdateFlowStoppedDuringPublish(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	ctx, cancel := context.WithCancel(context.Background())
	srv.Before("POST", "/api/v2/flows/actions/publish?flow="+id, func(*clienttest.Org) { cancel() })
	res, err := c.UpdateFlow(ctx, id, raise5s, &client.UpdateOptions{Publish: true})
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, res.Changed && res.Published, "the platform published it")
	assert.Equal(t, "2.0", res.NewVersion)
	assert.Equal(t, []string{"the run stopped before a write's answer came; version 2.0, made by this OAuth client, already holds the change"}, res.Warnings)
	assert.Equal(t, 1, srv.Counters().Publishes)
	assert.Empty(t, srv.LockHolder(id))
}
