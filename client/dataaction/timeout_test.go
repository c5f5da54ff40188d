package dataaction_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
)

func actionOrg(t *testing.T) (*clienttest.Server, *client.Client) {
	t.Helper()
	srv := clienttest.Start(t, nil, false)
	srv.AddDataAction("custom_-_crm", "CRM lookup", 3)
	return srv, srv.Client(t)
}

func TestSetActionTimeout(t *testing.T) {
	srv, c := actionOrg(t)
	before, _, _ := srv.ActionConfig("custom_-_crm")
	ch, err := dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 5500*time.Millisecond, nil)
	require.NoError(t, err)
	assert.Equal(t, &dataaction.Change{ActionID: "custom_-_crm", Name: "CRM lookup", From: 3 * time.Second, To: 6 * time.Second,
		Version: 1, NewVersion: 2, Changed: true}, ch, "5.5 s rounds up to 6 s")
	after, version, _ := srv.ActionConfig("custom_-_crm")
	assert.Equal(t, 2, version)
	assert.Equal(t, strings.Replace(string(before), `"timeoutSeconds":3}`, `"timeoutSeconds":6}`, 1), string(after),
		"the config changes at timeoutSeconds and nowhere else")
	assert.Equal(t, 1, srv.Counters().ActionPatches)

	// Already there: nothing written.
	ch, err = dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 6*time.Second, nil)
	require.NoError(t, err)
	assert.False(t, ch.Changed)
	assert.Equal(t, 1, srv.Counters().ActionPatches)
}

func TestSetActionTimeoutDryRun(t *testing.T) {
	srv, c := actionOrg(t)
	ch, err := dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 8*time.Second, &dataaction.SetOptions{DryRun: true})
	require.NoError(t, err)
	assert.True(t, ch.DryRun)
	assert.False(t, ch.Changed)
	assert.Contains(t, ch.Diff, "--- actions/custom_-_crm (now)\n+++ actions/custom_-_crm (raised)\n")
	assert.Contains(t, ch.Diff, "-  \"timeoutSeconds\": 3\n+  \"timeoutSeconds\": 8\n")
	assert.Zero(t, srv.Counters().Writes, "a dry run writes nothing")
}

// TestSetActionTimeoutStaleVersion: another user changes the action between
// our read and our PATCH; both answers the platform gives a stale version
// (a 400 saying so, a 409) start again from a fresh read, and the other
// user's change survives.
func TestSetActionTimeoutStaleVersion(t *testing.T) {
	for _, answer := range []string{"400 does not match", "409"} {
		t.Run(answer, func(t *testing.T) {
			srv, c := actionOrg(t)
			path := "/api/v2/integrations/actions/custom_-_crm"
			theirs := strings.Replace(string(mustConfig(t, srv)), `"Accept":"application/json"`, `"Accept":"application/json","X-Edited":"by Jane"`, 1)
			if answer == "409" {
				srv.FailNext("PATCH", path, 1, 409)
			}
			srv.Before("PATCH", path, func(o *clienttest.Org) { require.NoError(t, o.EditAction("custom_-_crm", []byte(theirs))) })
			ch, err := dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 10*time.Second, nil)
			require.NoError(t, err)
			assert.True(t, ch.Changed)
			got, version, _ := srv.ActionConfig("custom_-_crm")
			assert.Equal(t, strings.Replace(theirs, `"timeoutSeconds":3}`, `"timeoutSeconds":10}`, 1), string(got), "their change kept, ours on top")
			assert.Equal(t, 3, version)
			assert.Equal(t, 3, ch.NewVersion)
		})
	}
}

func mustConfig(t *testing.T, srv *clienttest.Server) []byte {
	t.Helper()
	b, _, ok := srv.ActionConfig("custom_-_crm")
	require.True(t, ok)
	return b
}

// TestSetActionTimeoutLostAnswer: the PATCH lands but its answer is lost;
// the next read shows it done, and it is not sent again.
func TestSetActionTimeoutLostAnswer(t *testing.T) {
	srv, c := actionOrg(t)
	srv.LoseNextAnswer("PATCH", "/api/v2/integrations/actions/custom_-_crm", 502)
	ch, err := dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 7*time.Second, nil)
	require.NoError(t, err)
	assert.True(t, ch.Changed)
	assert.Equal(t, 2, ch.NewVersion)
	assert.Equal(t, 1, srv.Counters().ActionPatches, "sent once")
}

// TestSetActionTimeoutCancelledAfterPatch: Ctrl-C lands while the PATCH is
// on its way. The PATCH is seen through, and so is the read that settles
// it: the action was raised, and the call says so (found by hand: a raise
// -actions run interrupted at that moment said "not raised ... context
// canceled" of an action it had raised).
func TestSetActionTimeoutCancelledAfterPatch(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(map[bool]string{false: "answered", true: "answer lost"}[lost], func(t *testing.T) {
			srv, c := actionOrg(t)
			path := "/api/v2/integrations/actions/custom_-_crm"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv.Before("PATCH", path, func(*clienttest.Org) { cancel() })
			if lost {
				srv.LoseNextAnswer("PATCH", path, 502)
			}
			ch, err := dataaction.SetTimeout(ctx, c, "custom_-_crm", 9*time.Second, nil)
			require.NoError(t, err)
			assert.True(t, ch.Changed)
			assert.Equal(t, 2, ch.NewVersion)
			_, version, _ := srv.ActionConfig("custom_-_crm")
			assert.Equal(t, 2, version)
			assert.Equal(t, 1, srv.Counters().ActionPatches, "sent once")
		})
	}
}

// TestSetActionTimeoutCancelledBefore: cancelled before anything was
// written, the call says it stopped, once, without the retry layer's words.
func TestSetActionTimeoutCancelledBefore(t *testing.T) {
	srv, c := actionOrg(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ch, err := dataaction.SetTimeout(ctx, c, "custom_-_crm", 9*time.Second, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "timeout of action custom_-_crm stopped: context canceled", err.Error())
	assert.False(t, ch.Changed)
	assert.Zero(t, srv.Counters().ActionPatches)
}

func TestSetActionTimeoutRefusals(t *testing.T) {
	srv, c := actionOrg(t)
	srv.AddDataAction("static_-_lookup", "Built-in", 3)
	srv.AddFunctionAction("custom_-_fn", "Score", 4)
	srv.AddCustomAuthAction("custom_-_auth", "Login")
	ctx := context.Background()
	for _, tc := range []struct {
		id   string
		d    time.Duration
		is   error
		says string
	}{
		{"static_-_lookup", 5 * time.Second, dataaction.ErrStatic, "timeout of action static_-_lookup: dataaction: built-in (static) action: it cannot be changed through the API"},
		{"custom_-_fn", 16 * time.Second, dataaction.ErrTargetTooLong, "timeout of action custom_-_fn: dataaction: target above what any data action waits: it is a function action, which waits at most 15s"},
		{"custom_-_auth", 5 * time.Second, dataaction.ErrCustomAuth, "has no timeout of its own"},
		{"custom_-_crm", 61 * time.Second, dataaction.ErrTargetTooLong, "above 1m0s"},
		{"custom_-_crm", 0, client.ErrInvalidArgument, "not positive"},
		{"", 5 * time.Second, client.ErrInvalidArgument, "needs an action id"},
		{"custom_-_gone", 5 * time.Second, client.ErrNotFound, "Action 'custom_-_gone' not found."},
	} {
		_, err := dataaction.SetTimeout(ctx, c, tc.id, tc.d, nil)
		require.ErrorIs(t, err, tc.is, tc.id)
		assert.ErrorContains(t, err, tc.says)
	}
	assert.Zero(t, srv.Counters().Writes, "nothing written")
}

// TestActionConsumers lists the flows that use an action through
// dependency tracking, and says when the index is being built.
func TestActionConsumers(t *testing.T) {
	srv := clienttest.Start(t, nil, true)
	c := srv.Client(t)
	ctx := context.Background()
	const action = "custom_-_0a1b2c3d-0001-4000-8000-000000000001"
	consumers, status, complete, err := dataaction.Consumers(ctx, c, action)
	require.NoError(t, err)
	assert.True(t, complete)
	assert.Equal(t, "OPERATIONAL", status)
	// What the flows themselves say, read independently.
	var want []string
	for _, id := range srv.FlowIDs() {
		if strings.Contains(string(srv.Published(id))+string(srv.Latest(id)), `"actionId":"`+action+`"`) {
			want = append(want, id)
		}
	}
	var got []string
	for _, cn := range consumers {
		got = append(got, cn.ID)
		assert.NotEmpty(t, cn.Name)
		assert.True(t, strings.HasSuffix(cn.Type, "FLOW"), cn.Type)
	}
	assert.ElementsMatch(t, want, got)
	assert.Greater(t, len(got), 10)

	srv.SetDependencyBuild("BUILDINPROGRESS")
	partial, status, complete, err := dataaction.Consumers(ctx, c, action)
	require.NoError(t, err)
	assert.False(t, complete, "the list may be partial while the index builds")
	assert.Equal(t, "BUILDINPROGRESS", status)
	assert.Less(t, len(partial), len(consumers))

	_, _, _, err = dataaction.Consumers(ctx, c, "")
	require.ErrorIs(t, err, client.ErrInvalidArgument)

	// A fault is repeated; a missing permission is not, and says so.
	srv.SetDependencyBuild("OPERATIONAL")
	srv.FailNext("GET", "/api/v2/architect/dependencytracking/consumingresources", 1, 503)
	again, _, complete, err := dataaction.Consumers(ctx, c, action)
	require.NoError(t, err)
	assert.True(t, complete)
	assert.Len(t, again, len(consumers))
	srv.FailNext("GET", "/api/v2/architect/dependencytracking/build", 1, 403)
	_, _, complete, err = dataaction.Consumers(ctx, c, action)
	require.ErrorIs(t, err, client.ErrForbidden)
	assert.False(t, complete)
}
