package dataaction_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client/dataaction"
)

// TestSetTimeoutBackup: the backup hook gets the action as read, before
// anything is written; its failure writes nothing.
func TestSetTimeoutBackup(t *testing.T) {
	srv, c := actionOrg(t)
	var got []byte
	patchesAtBackup := -1
	opts := &dataaction.SetOptions{Backup: func(_ context.Context, read []byte, _ time.Duration) error {
		got, patchesAtBackup = read, srv.Counters().ActionPatches
		return nil
	}}
	_, err := dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 5*time.Second, opts)
	require.NoError(t, err)
	assert.Equal(t, 0, patchesAtBackup, "the backup comes before the PATCH")
	assert.Equal(t, int64(3), gjson.GetBytes(got, "config.timeoutSeconds").Int())
	assert.Equal(t, "custom_-_crm", gjson.GetBytes(got, "id").Str)

	opts.Backup = func(context.Context, []byte, time.Duration) error { return errors.New("disk full") }
	_, err = dataaction.SetTimeout(context.Background(), c, "custom_-_crm", 9*time.Second, opts)
	require.ErrorContains(t, err, "writing the backup failed: disk full")
	assert.Equal(t, 1, srv.Counters().ActionPatches, "nothing written without a backup")
}

// TestSetTimeoutExpect: a change that expects the timeout a run wrote goes
// ahead only while the action still has it; somebody else's later change
// wins (ErrMoved, nothing written, in a dry run too).
func TestSetTimeoutExpect(t *testing.T) {
	srv, c := actionOrg(t) // the action waits 3 s
	ctx := context.Background()
	for _, dry := range []bool{true, false} {
		_, err := dataaction.SetTimeout(ctx, c, "custom_-_crm", 2*time.Second, &dataaction.SetOptions{Expect: 5 * time.Second, DryRun: dry})
		require.ErrorIs(t, err, dataaction.ErrMoved)
		assert.ErrorContains(t, err, "its timeoutSeconds is 3 s, not the 5s expected")
	}
	assert.Zero(t, srv.Counters().ActionPatches)
	ch, err := dataaction.SetTimeout(ctx, c, "custom_-_crm", 2*time.Second, &dataaction.SetOptions{Expect: 3 * time.Second})
	require.NoError(t, err)
	assert.True(t, ch.Changed)
	_, version, _ := srv.ActionConfig("custom_-_crm")
	assert.Equal(t, 2, version)
}
