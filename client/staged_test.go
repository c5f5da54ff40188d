package client_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
)

// stage checks in raise5s's change without publishing it, as `raise
// -apply` does, and returns the staged bytes.
func stage(t *testing.T, srv *clienttest.Server, c *client.Client, id string) []byte {
	t.Helper()
	res, err := c.UpdateFlow(context.Background(), id, raise5s, nil)
	require.NoError(t, err)
	require.True(t, res.Changed)
	require.False(t, res.Published)
	v := srv.Versions(id)
	return v[len(v)-1].Config
}

// TestPublishStagedDraft: a check-in of this edit's own change is published
// as it is by the next update with Publish, without AllowDraft: locked
// while it is checked, backed up, verified. Before, it was skipped as a
// pending draft, and with AllowDraft it was "unchanged": never published.
func TestPublishStagedDraft(t *testing.T) {
	for _, allowDraft := range []bool{false, true} {
		srv, c, id := setup(t, nil, clienttest.FlowSeed{})
		original := srv.Published(id)
		staged := stage(t, srv, c, id)
		var backedUp []byte
		res, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, AllowDraft: allowDraft,
			Backup: func(_ context.Context, o *client.Original) error { backedUp = o.Config; return nil }})
		require.NoError(t, err, "allowDraft %v", allowDraft)
		assert.True(t, res.Staged)
		assert.True(t, res.Changed)
		assert.True(t, res.Published)
		assert.Len(t, res.Changes, 1, "the change the draft holds")
		assert.Equal(t, staged, srv.Published(id), "the staged bytes, published as they are")
		assert.Equal(t, original, backedUp, "the backup is what callers ran before")
		assert.Equal(t, 1, srv.Counters().Saves, "one save: the staging run's; the publish saves nothing")
		assert.Empty(t, srv.LockHolder(id))
		assert.Equal(t, res.NewVersion, srv.Versions(id)[len(srv.Versions(id))-1].ID)
	}
}

// TestStagedDraftWithoutPublish: a second check-in run finds its change
// staged and writes nothing; a dry run with Publish says what publishing
// would do and writes nothing.
func TestStagedDraftWithoutPublish(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	stage(t, srv, c, id)
	before := srv.Counters().Writes
	res, err := c.UpdateFlow(context.Background(), id, raise5s, nil)
	require.NoError(t, err)
	assert.True(t, res.Staged)
	assert.False(t, res.Changed)
	assert.Empty(t, res.Changes)
	res, err = c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true, DryRun: true})
	require.NoError(t, err)
	assert.True(t, res.Staged)
	assert.Contains(t, res.Diff, "P0D0H0M5S0F")
	assert.Equal(t, before, srv.Counters().Writes)
}

// TestOtherDraftStaysPending: a draft that is not this edit's work on the
// published version (another user's, or a stage of another target) is
// still refused without AllowDraft.
func TestOtherDraftStaysPending(t *testing.T) {
	srv, c, id := setup(t, nil, clienttest.FlowSeed{})
	other := append([]byte(nil), srv.Published(id)...)
	other = append(other[:len(other)-1], []byte(`,"note":"Jane's work"}`)...)
	require.NoError(t, srv.CommitAsUser(id, "Jane Doe", other, false))
	before := srv.Counters().Writes
	_, err := c.UpdateFlow(context.Background(), id, raise5s, &client.UpdateOptions{Publish: true})
	require.ErrorIs(t, err, client.ErrDraftPending)
	assert.Equal(t, before, srv.Counters().Writes)
	// A stage of another target is not this edit's either.
	srv2, c2, id2 := setup(t, nil, clienttest.FlowSeed{})
	stage(t, srv2, c2, id2)
	raise6s := func(d *flow.Document) ([]flow.Change, error) { return d.RaiseTimeouts(6e9, nil) }
	_, err = c2.UpdateFlow(context.Background(), id2, raise6s, &client.UpdateOptions{Publish: true})
	require.ErrorIs(t, err, client.ErrDraftPending)
}
