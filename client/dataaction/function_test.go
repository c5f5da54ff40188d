package dataaction_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
)

const fnID = "custom_-_fn"

// functionOrg is an organisation with one function action whose function
// waits 4 s.
func functionOrg(t *testing.T) (*clienttest.Server, *client.Client) {
	t.Helper()
	srv := clienttest.Start(t, nil, false)
	srv.AddFunctionAction(fnID, "Score risk", 4)
	return srv, srv.Client(t)
}

// routes are the method and path of each API request since from.
func routes(srv *clienttest.Server, from int) []string {
	var out []string
	for _, r := range srv.Requests()[from:] {
		if strings.HasPrefix(r.Path, "/api/") {
			out = append(out, r.Method+" "+strings.TrimPrefix(r.Path, "/api/v2/integrations/actions/"+fnID))
		}
	}
	return out
}

// TestSetFunctionTimeout raises a function action through its draft: the
// requests are the SDK's, the function reads back changed only at
// timeoutSeconds, one version up, and no draft is left.
func TestSetFunctionTimeout(t *testing.T) {
	srv, c := functionOrg(t)
	before, _, ok := srv.ActionFunction(fnID)
	require.True(t, ok)
	from := len(srv.Requests())
	var backedUp []byte
	ch, err := dataaction.SetTimeout(context.Background(), c, fnID, 8*time.Second, &dataaction.SetOptions{AtLeast: true,
		Backup: func(_ context.Context, read []byte, to time.Duration) error {
			backedUp = read
			assert.Equal(t, 8*time.Second, to)
			return nil
		}})
	require.NoError(t, err)
	assert.Equal(t, &dataaction.Change{ActionID: fnID, Name: "Score risk", From: 4 * time.Second, To: 8 * time.Second,
		Version: 1, NewVersion: 2, Changed: true, Function: true}, ch)
	assert.Equal(t, []string{"GET ", "GET /function", "POST /draft", "GET /draft/function", "PUT /draft/function", "POST /draft/publish", "GET /function"},
		routes(srv, from))
	after, version, _ := srv.ActionFunction(fnID)
	assert.Equal(t, 2, version)
	assert.Equal(t, strings.Replace(string(before), `"timeoutSeconds":4`, `"timeoutSeconds":8`, 1), string(after), "only timeoutSeconds changed")
	assert.False(t, srv.HasActionDraft(fnID))
	assert.Equal(t, int64(4), gjson.GetBytes(backedUp, "function.timeoutSeconds").Int(), "the backup is the function as read")

	// Read as the audit reads it.
	fn, err := dataaction.GetFunction(context.Background(), c, fnID)
	require.NoError(t, err)
	assert.Equal(t, 8, fn.TimeoutSeconds)
	a, err := dataaction.Get(context.Background(), c, fnID)
	require.NoError(t, err)
	assert.True(t, a.IsFunction())
	assert.Nil(t, a.Function, "the action body carries no function")
}

// TestSetFunctionTimeoutLimits: a raise above 15 s raises to 15 s and says
// so; an exact setting above it is refused before any write; a dry run only
// reads; an action already at or above the target is left.
func TestSetFunctionTimeoutLimits(t *testing.T) {
	srv, c := functionOrg(t)
	ctx := context.Background()

	dry, err := dataaction.SetTimeout(ctx, c, fnID, 20*time.Second, &dataaction.SetOptions{AtLeast: true, DryRun: true})
	require.NoError(t, err)
	assert.True(t, dry.Capped)
	assert.Equal(t, 15*time.Second, dry.To)
	assert.Contains(t, dry.Diff, `-  "timeoutSeconds": 4`)
	assert.Contains(t, dry.Diff, `+  "timeoutSeconds": 15`)
	assert.Zero(t, srv.Counters().Writes, "a dry run only reads")

	_, err = dataaction.SetTimeout(ctx, c, fnID, 16*time.Second, nil)
	require.ErrorIs(t, err, dataaction.ErrTargetTooLong)
	assert.Zero(t, srv.Counters().Writes)

	ch, err := dataaction.SetTimeout(ctx, c, fnID, 20*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.True(t, ch.Changed && ch.Capped)
	assert.Equal(t, 15*time.Second, ch.To)

	writes := srv.Counters().Writes
	again, err := dataaction.SetTimeout(ctx, c, fnID, 10*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.False(t, again.Changed, "15 s is more than 10 s: never lowered")
	assert.Equal(t, writes, srv.Counters().Writes)
}

// TestSetFunctionTimeoutDraftPending leaves an action with somebody's
// unpublished draft as it is: the draft stays, the function is unchanged.
func TestSetFunctionTimeoutDraftPending(t *testing.T) {
	srv, c := functionOrg(t)
	require.NoError(t, srv.StartActionDraft(fnID))
	_, err := dataaction.SetTimeout(context.Background(), c, fnID, 8*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.ErrorIs(t, err, dataaction.ErrDraftPending)
	assert.Equal(t, "timeout of action custom_-_fn: dataaction: the action has an unpublished draft: somebody's unpublished work; left as it is", err.Error())
	assert.True(t, srv.HasActionDraft(fnID), "somebody's draft is never deleted")
	fn, _, _ := srv.ActionFunction(fnID)
	assert.Equal(t, int64(4), gjson.GetBytes(fn, "timeoutSeconds").Int())
}

// TestSetFunctionTimeoutWaitsForADraft: a draft that somebody (another run
// raising the same function, say) publishes while the raise waits is read
// again: their 6 s is enough for a raise to 5 s, so nothing is written.
func TestSetFunctionTimeoutWaitsForADraft(t *testing.T) {
	srv, c := functionOrg(t)
	require.NoError(t, srv.StartActionDraft(fnID))
	srv.Before(http.MethodPost, "/api/v2/integrations/actions/"+fnID+"/draft", func(o *clienttest.Org) {
		// Refused (409) now; published before the next read.
		o.Before(http.MethodGet, "/api/v2/integrations/actions/"+fnID+"/function", func(o *clienttest.Org) {
			require.NoError(t, o.PublishActionDraft(fnID, 6))
		})
	})
	writes := srv.Counters().Writes
	ch, err := dataaction.SetTimeout(context.Background(), c, fnID, 5*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.False(t, ch.Changed)
	assert.Equal(t, 6*time.Second, ch.From)
	assert.Equal(t, writes+1, srv.Counters().Writes, "the refused draft alone")
	assert.False(t, srv.HasActionDraft(fnID))
}

// TestSetFunctionTimeoutConcurrentChange: somebody publishes the function
// between the read and the draft; the draft made from it is dropped and
// the pass starts over on a fresh read, which decides again (their 12 s
// wins over a raise to 8 s).
func TestSetFunctionTimeoutConcurrentChange(t *testing.T) {
	srv, c := functionOrg(t)
	srv.Before(http.MethodPost, "/api/v2/integrations/actions/"+fnID+"/draft", func(o *clienttest.Org) {
		require.NoError(t, o.EditFunctionTimeout(fnID, 6))
	})
	// The first pass drafts from 6 s, not the 4 s it read: it drops the
	// draft and reads again; a second change by the other user then
	// makes 12 s, which the fresh read finds.
	srv.Before(http.MethodDelete, "/api/v2/integrations/actions/"+fnID+"/draft", func(o *clienttest.Org) {
		require.NoError(t, o.EditFunctionTimeout(fnID, 12))
	})
	ch, err := dataaction.SetTimeout(context.Background(), c, fnID, 8*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.False(t, ch.Changed, "their 12 s is more than the 8 s asked for")
	assert.Equal(t, 12*time.Second, ch.From)
	fn, version, _ := srv.ActionFunction(fnID)
	assert.Equal(t, int64(12), gjson.GetBytes(fn, "timeoutSeconds").Int())
	assert.Equal(t, 3, version)
	assert.False(t, srv.HasActionDraft(fnID), "the draft this run made is gone")
}

// TestSetFunctionTimeoutFailures: a refused PUT drops this run's draft; a
// publish whose answer is lost is confirmed by reading.
func TestSetFunctionTimeoutFailures(t *testing.T) {
	srv, c := functionOrg(t)
	ctx := context.Background()
	srv.FailNext(http.MethodPut, "/api/v2/integrations/actions/"+fnID+"/draft/function", 1, http.StatusBadRequest)
	_, err := dataaction.SetTimeout(ctx, c, fnID, 8*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing the draft's function")
	assert.False(t, srv.HasActionDraft(fnID), "the draft this run made is deleted")
	_, version, _ := srv.ActionFunction(fnID)
	assert.Equal(t, 1, version)

	srv.LoseNextAnswer(http.MethodPost, "/api/v2/integrations/actions/"+fnID+"/draft/publish", http.StatusBadGateway)
	ch, err := dataaction.SetTimeout(ctx, c, fnID, 8*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.True(t, ch.Changed)
	assert.Equal(t, 2, ch.NewVersion)
	assert.Equal(t, 1, srv.Counters().ActionPatches, "published once")

	// 503s that did nothing: on the draft's creation (none exists after:
	// start over) and on its publish (the draft is still this run's: it is
	// deleted, and the next pass publishes a new one).
	srv.FailNext(http.MethodPost, "/api/v2/integrations/actions/"+fnID+"/draft", 1, http.StatusServiceUnavailable)
	ch, err = dataaction.SetTimeout(ctx, c, fnID, 9*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.True(t, ch.Changed)
	srv.FailNext(http.MethodPost, "/api/v2/integrations/actions/"+fnID+"/draft/publish", 1, http.StatusServiceUnavailable)
	ch, err = dataaction.SetTimeout(ctx, c, fnID, 10*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.NoError(t, err)
	assert.True(t, ch.Changed)
	assert.False(t, srv.HasActionDraft(fnID))
	fn, version, _ := srv.ActionFunction(fnID)
	assert.Equal(t, int64(10), gjson.GetBytes(fn, "timeoutSeconds").Int())
	assert.Equal(t, 4, version, "three publishes, one each")

	// A lost answer to the draft's creation that did make it: the draft
	// may be somebody's as far as the run can tell, so it is left, and said.
	srv.LoseNextAnswer(http.MethodPost, "/api/v2/integrations/actions/"+fnID+"/draft", http.StatusBadGateway)
	_, err = dataaction.SetTimeout(ctx, c, fnID, 11*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.ErrorContains(t, err, "the action has a draft now, this run's or somebody's: it is left")
	assert.True(t, srv.HasActionDraft(fnID))
}

// TestFunctionRoutesRefuseBadTimeouts: the fake refuses a draft function
// whose timeoutSeconds is outside 1 to 15, as the platform does.
func TestFunctionRoutesRefuseBadTimeouts(t *testing.T) {
	srv, c := functionOrg(t)
	ctx := context.Background()
	base := "/api/v2/integrations/actions/" + fnID
	var draft struct{ Version int }
	require.NoError(t, c.Do(ctx, &client.Request{Method: http.MethodPost, Path: base + "/draft"}, &draft))
	for _, body := range []string{`{"timeoutSeconds":16}`, `{"timeoutSeconds":0}`, `{"timeoutSeconds":2.5}`} {
		err := c.Do(ctx, &client.Request{Method: http.MethodPut, Path: base + "/draft/function", Body: []byte(body)}, nil)
		var ae *client.APIError
		require.ErrorAs(t, err, &ae, body)
		assert.Equal(t, http.StatusBadRequest, ae.Status, body)
	}
	err := c.Do(ctx, &client.Request{Method: http.MethodPost, Path: base + "/draft/publish", Body: []byte(`{"version":7}`)}, nil)
	require.ErrorContains(t, err, "does not match the current version")
	err = c.Do(ctx, &client.Request{Method: http.MethodPost, Path: base + "/draft"}, nil)
	require.ErrorIs(t, err, client.ErrConflict, "a second draft")
	assert.True(t, srv.HasActionDraft(fnID))
}

// TestSetFunctionTimeoutCancelled: a raise stopped (Ctrl-C) after its
// draft was made deletes that draft before it returns: nothing is left
// half-done, and the function is as it was.
func TestSetFunctionTimeoutCancelled(t *testing.T) {
	srv, c := functionOrg(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv.Before(http.MethodGet, "/api/v2/integrations/actions/"+fnID+"/draft/function", func(*clienttest.Org) { cancel() })
	_, err := dataaction.SetTimeout(ctx, c, fnID, 8*time.Second, &dataaction.SetOptions{AtLeast: true})
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, srv.HasActionDraft(fnID), "the draft this run made is deleted, though it was stopped")
	fn, version, _ := srv.ActionFunction(fnID)
	assert.Equal(t, int64(4), gjson.GetBytes(fn, "timeoutSeconds").Int())
	assert.Equal(t, 1, version)
}
