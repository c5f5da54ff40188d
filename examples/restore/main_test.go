package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/examples/internal/backup"
	"github.com/gcflow/timeouts/flow"
)

// TestRestoreByteIdentical raises flows the way examples/raise does, with
// backups, then restores the backups and checks the published bytes.
func TestRestoreByteIdentical(t *testing.T) {
	srv, err := clienttest.NewDemoServer(&clienttest.Options{RequestsPerMinute: -1})
	require.NoError(t, err)
	defer srv.Close()
	c := srv.Client(t)
	connect := func(bool) (*client.Client, func(), error) { return c, func() {}, nil }

	dir := t.TempDir()
	ids := []string{"demo-flow-01", "demo-flow-02", "demo-flow-10"}
	originals := map[string][]byte{}
	for _, id := range ids {
		originals[id] = srv.Published(id)
		_, err := c.UpdateFlow(context.Background(), id, func(d *flow.Document) ([]flow.Change, error) {
			return d.RaiseTimeouts(9*time.Second, &flow.RaiseOptions{OverrideSuggested: true, IncludeHTTP: true})
		}, &client.UpdateOptions{Publish: true, Backup: func(_ context.Context, o *client.Original) error {
			return (&backup.Dir{Path: dir}).Write(o)
		}})
		require.NoError(t, err)
		require.NotEqual(t, originals[id], srv.Published(id))
	}

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-dir", dir}, &out, &errOut, connect)
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "dry run, nothing written: 3 backups: would restore 3,")
	assert.Contains(t, out.String(), "-                \"text\": \"P0D0H0M9S0F\"")
	for _, id := range ids {
		assert.NotEqual(t, originals[id], srv.Published(id), "a dry run writes nothing")
	}

	out.Reset()
	code = run(context.Background(), []string{"-dir", dir, "-publish"}, &out, &errOut, connect)
	require.Equal(t, 0, code, errOut.String())
	for _, id := range ids {
		assert.Equal(t, string(originals[id]), string(srv.Published(id)), "%s restored byte for byte", id)
		assert.Empty(t, srv.LockHolder(id))
	}
	out.Reset()
	code = run(context.Background(), []string{"-file", filepath.Join(dir, "demo-flow-01.json"), "-publish"}, &out, &errOut, connect)
	require.Equal(t, 0, code)
	assert.Contains(t, out.String(), "already as backed up")
}

func TestRestoreRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f1.json"), []byte(`{"flowSequenceItemList":[`), 0o644))
	connect := func(bool) (*client.Client, func(), error) {
		t.Fatal("nothing is sent when a backup is bad")
		return nil, nil, nil
	}
	var out, errOut bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"-dir", dir, "-publish"}, &out, &errOut, connect))
	assert.Contains(t, errOut.String(), "invalid JSON at byte offset")
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errOut, connect))
	assert.Equal(t, 2, run(context.Background(), []string{"-dir", dir, "-file", "x.json"}, &out, &errOut, connect))
	assert.Equal(t, 1, run(context.Background(), []string{"-dir", t.TempDir()}, &out, &errOut, connect))
	assert.True(t, strings.Contains(errOut.String(), "no backup files"))
}
