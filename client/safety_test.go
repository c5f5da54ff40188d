package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/fakeclock"
	"github.com/gcflow/timeouts/retry"
)

// sameCredentials returns a second Client with the credentials of the
// first: another process of the same OAuth client, to the platform.
func sameCredentials(t *testing.T, srv *clienttest.Server) *client.Client {
	t.Helper()
	return srv.Client(t)
}

// raisedBytes is shortFlow with its Data Actions raised to 5 s.
func raisedBytes(t *testing.T) *flow.Document {
	t.Helper()
	d, err := flow.Parse([]byte(shortFlow))
	require.NoError(t, err)
	_, err = raise5s(d)
	require.NoError(t, err)
	return d
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	ro := c.ReadOnly()
	assert.Same(t, ro, ro.ReadOnly(), "a view of a view is itself")
	_, err := ro.Flow(context.Background(), id)
	require.NoError(t, err, "reads pass")
	for name, write := range map[string]func() error{
		"checkout": func() error { _, err := ro.Checkout(context.Background(), id); return err },
		"save":     func() error { _, err := ro.SaveVersion(context.Background(), id, raisedBytes(t)); return err },
		"checkin":  func() error { _, err := ro.Checkin(context.Background(), id); return err },
		"publish":  func() error { _, err := ro.Publish(context.Background(), id); return err },
		"revert":   func() error { _, err := ro.Revert(context.Background(), id); return err },
		"unlock":   func() error { _, err := ro.Unlock(context.Background(), id); return err },
	} {
		err := write()
		require.ErrorIs(t, err, client.ErrReadOnly, name)
		assert.Contains(t, err.Error(), "was not sent", name)
	}
	assert.Zero(t, srv.Counters().Writes, "nothing reached the server")
	_, err = c.Checkout(context.Background(), id)
	require.NoError(t, err, "the original client is unchanged: it writes")
}

// TestDryRunNeverWrites runs a dry run against every state that once made
// one write, and checks that nothing but GETs left the client.
func TestDryRunNeverWrites(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, srv *clienttest.Server, id string)
		opts    client.UpdateOptions
		wantErr error
	}{
		{name: "a crashed run's lock and saved draft", prepare: crashedRun, wantErr: client.ErrLocked},
		{name: "the same, with ReleaseStaleLocks", prepare: crashedRun, opts: client.UpdateOptions{ReleaseStaleLocks: true, AllowDraft: true}},
		{name: "another user's lock", prepare: func(t *testing.T, srv *clienttest.Server, id string) {
			require.NoError(t, srv.LockByUser(id, "Jane Doe"))
		}, wantErr: client.ErrLocked},
		{name: "another user's lock, with ForceUnlock", prepare: func(t *testing.T, srv *clienttest.Server, id string) {
			require.NoError(t, srv.LockByUser(id, "Jane Doe"))
		}, opts: client.UpdateOptions{ForceUnlock: true}},
		{name: "a draft pending", prepare: func(t *testing.T, srv *clienttest.Server, id string) {
			require.NoError(t, srv.CommitAsUser(id, "Jane Doe", []byte(shortFlow), false))
		}, wantErr: client.ErrDraftPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, id := setup(t, nil, clienttest.FlowSeed{})
			tc.prepare(t, srv, id)
			before, versions, holder := srv.Counters().Writes, srv.Versions(id), srv.LockHolder(id)
			opts := tc.opts
			opts.DryRun, opts.Publish = true, true
			res, err := c.UpdateFlow(context.Background(), id, raise5s, &opts)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Equal(t, 1, res.Attempts, "a dry run does not wait for a lock: reading needs none")
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, before, srv.Counters().Writes, "a dry run sends no write")
			assert.Equal(t, versions, srv.Versions(id), "every version and draft as it was")
			assert.Equal(t, holder, srv.LockHolder(id), "the lock as it was")
		})
	}
}

// crashedRun leaves the flow as a run killed between its save and its
// publish leaves it: locked by our OAuth client, with a saved draft.
func crashedRun(t *testing.T, srv *clienttest.Server, id string) {
	t.Helper()
	other := sameCredentials(t, srv)
	_, err := other.Checkout(context.Background(), id)
	require.NoError(t, err)
	_, err = other.SaveVersion(context.Background(), id, raisedBytes(t))
	require.NoError(t, err)
}

func TestSameClientLockIsSomebodysWork(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	other := sameCredentials(t, srv)
	_, err := other.Checkout(context.Background(), id)
	require.NoError(t, err)
	theirs, err := flow.Parse([]byte(strings.Replace(shortFlow, `"name":"Pay"`, `"name":"Pay (their work)"`, 1)))
	require.NoError(t, err)
	_, err = other.SaveVersion(context.Background(), id, theirs)
	require.NoError(t, err)
	before := srv.Counters().Writes

	res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, AllowDraft: true})
	require.ErrorIs(t, err, client.ErrLocked)
	var le *client.LockError
	require.ErrorAs(t, err, &le)
	assert.True(t, le.SameClient)
	assert.Contains(t, err.Error(), "update of flow "+id+" (Main): client: flow locked by OAuth client clienttest (clienttest-client), the OAuth client this run uses, but not by this run")
	var re *retry.Error
	require.ErrorAs(t, err, &re, "the attempts are counted, not said")
	assert.Equal(t, 4, re.Attempts)
	assert.Equal(t, 4, res.Attempts, "waited for it, with backoff")
	assert.Equal(t, before, srv.Counters().Writes, "never reverted, unlocked or written over")
	assert.Equal(t, string(theirs.Bytes()), string(srv.Latest(id)), "their saved work is intact")
	assert.Equal(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), "their lock is intact")

	// Told that it is stale: released, their draft discarded, then raised.
	res, err = c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, AllowDraft: true, ReleaseStaleLocks: true})
	require.NoError(t, err)
	assert.True(t, res.Changed)
	require.NotEmpty(t, res.Warnings)
	assert.Contains(t, res.Warnings[0], "released a stale lock of this OAuth client")
	assert.Equal(t, string(raisedBytes(t).Bytes()), string(srv.Published(id)))
	assert.Empty(t, srv.LockHolder(id))
}

// TestReleaseLeavesAnotherRunsDraft: both runs check the flow out (the
// platform cannot tell them apart); the other saves first, so this one finds
// nothing left, and must not discard the other's draft when it lets go.
func TestReleaseLeavesAnotherRunsDraft(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	other := sameCredentials(t, srv)
	srv.Before("POST", "/api/v2/flows/actions/checkout?flow="+id, func(*clienttest.Org) {
		_, err := other.Checkout(context.Background(), id)
		assert.NoError(t, err)
		_, err = other.SaveVersion(context.Background(), id, raisedBytes(t))
		assert.NoError(t, err)
	})
	res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
	require.NoError(t, err)
	assert.False(t, res.Changed, "the other run makes the change")
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "left it, and the lock, to that run")
	assert.Zero(t, srv.Counters().Reverts+srv.Counters().Unlocks, "nothing reverted or unlocked")
	assert.Equal(t, string(raisedBytes(t).Bytes()), string(srv.Latest(id)), "the other run's draft is intact")

	_, err = other.Publish(context.Background(), id)
	require.NoError(t, err, "the other run finishes its work")
	assert.Equal(t, string(raisedBytes(t).Bytes()), string(srv.Published(id)))
	assert.Empty(t, srv.LockHolder(id))
}

// TestDuplicateVersionDetected: both runs saved the same change and both
// published; the second publish makes a second, identical version. No false
// verification alarm, and the duplicate is reported.
func TestDuplicateVersionDetected(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	other := sameCredentials(t, srv)
	srv.Before("POST", "/api/v2/flows/actions/publish?flow="+id, func(*clienttest.Org) {
		_, err := other.SaveVersion(context.Background(), id, raisedBytes(t))
		assert.NoError(t, err)
		_, err = other.Publish(context.Background(), id)
		assert.NoError(t, err)
	})
	res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
	require.NoError(t, err, "verification raises no false alarm")
	assert.True(t, res.Changed)
	assert.Equal(t, "3.0", res.NewVersion)
	assert.Equal(t, "2.0", res.DuplicateOf)
	require.NotEmpty(t, res.Warnings)
	assert.Contains(t, res.Warnings[len(res.Warnings)-1], "committed the same configuration as version 2.0")
	vs := srv.Versions(id)
	require.Len(t, vs, 3)
	assert.Equal(t, vs[1].Config, vs[2].Config)
}

func TestNoDuplicateCheckWhenVersionsFollow(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
	require.NoError(t, err)
	assert.Empty(t, res.DuplicateOf)
	for _, r := range srv.Requests() {
		assert.NotEqual(t, "/api/v2/flows/"+id+"/versions", r.Path+"|"+r.Method, "no version listing when 2.0 follows 1.0")
		if r.Method == "GET" {
			assert.NotEqual(t, "/api/v2/flows/"+id+"/versions", r.Path)
		}
	}
}

// TestOneRetryBudget: a read that always answers 503 costs one retry
// budget, not one per layer, and the error is the last answer, with the
// flow named once and the attempts reachable with errors.As.
func TestOneRetryBudget(t *testing.T) {
	srv, _, id := setup(t, nil, clienttest.FlowSeed{})
	cfg := srv.ClientConfig()
	cfg.Retry = retry.Policy{Clock: fakeclock.New()} // the defaults: 5 attempts
	c, err := client.New(cfg)
	require.NoError(t, err)
	srv.FailNext("GET", "/api/v2/flows/"+id+"/latestconfiguration", 1000, 503)
	_, err = c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
	require.Error(t, err)
	assert.LessOrEqual(t, srv.Counters().Requests, 6, "one flow read and five configuration reads")
	assert.Equal(t, 6, srv.Counters().Requests)
	assert.True(t, strings.HasPrefix(err.Error(), "update of flow Main: client: GET /api/v2/flows/"+id+"/latestconfiguration: 503"), err.Error())
	assert.Equal(t, 1, strings.Count(err.Error(), id), "the id once: in the path")
	var re *retry.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 5, re.Attempts)
	var oe *client.ObjectError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, id, oe.ID)
	assert.Zero(t, srv.Counters().Writes)
}

func TestCancelledUpdateSaysSoOnce(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	ctx, cancel := context.WithCancel(context.Background())
	srv.Before("GET", "/api/v2/flows/"+id+"/latestconfiguration", func(*clienttest.Org) { cancel() })
	_, err := c.UpdateFlow(ctx, id, raise5s, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "update of flow "+id+" (Main) stopped: context canceled", err.Error())
}
