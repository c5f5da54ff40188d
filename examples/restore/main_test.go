package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/examples/internal/backup"
	"github.com/gcflow/timeouts/flow"
)

// TestRestoreByteIdentical raises flows the way examples/raise does, with
// backups, then restores the backups and checks the published bytes.
func TestRestoreByteIdentical(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
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

// TestRestoreUnknownShape: a flow whose configuration package flow does not
// read (a shape Genesys may add) is backed up by its bytes and restored
// byte for byte; the update path parses it as opaque only when asked
// (UpdateOptions.AnyShape).
func TestRestoreUnknownShape(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, false)
	c := srv.Client(t)
	connect := func(bool) (*client.Client, func(), error) { return c, func() {}, nil }
	original := []byte(`{"name":"Odd","flowKind":"next-generation","steps":[{"id":"s1","wait":"PT3S"}]}`)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Odd", Type: "workflow", Config: original})
	require.NoError(t, err)

	// Back it up as the platform serves it, without parsing it.
	req, err := c.NewRequest(http.MethodGet, "/api/v2/flows/"+id+"/versions/1.0/configuration", nil, nil)
	require.NoError(t, err)
	var got []byte
	err = c.Do(context.Background(), req, &got)
	require.NoError(t, err)
	require.Equal(t, original, got)
	dir := t.TempDir()
	require.NoError(t, (&backup.Dir{Path: dir}).Write(&client.Original{FlowID: id, FlowName: "Odd", FlowType: "WORKFLOW", VersionID: "1.0", Config: got}))

	// Someone changes it; without AnyShape an update cannot even read it.
	changed := []byte(`{"name":"Odd","flowKind":"next-generation","steps":[{"id":"s1","wait":"PT9S"}]}`)
	require.NoError(t, srv.CommitAsUser(id, "Jane Doe", changed, true))
	overwrite := func(d *flow.Document) ([]flow.Change, error) {
		o, err := flow.ParseAny(original)
		if err != nil {
			return nil, err
		}
		return d.Overwrite(o), nil
	}
	_, err = c.UpdateFlow(context.Background(), id, overwrite, &client.UpdateOptions{DryRun: true})
	require.ErrorIs(t, err, flow.ErrUnknownShape)
	require.ErrorIs(t, err, client.ErrInvalidResponse)

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-file", filepath.Join(dir, id+".json")}, &out, &errOut, connect)
	require.Equal(t, 0, code, errOut.String())
	assert.Regexp(t, `(?m)^ *-\s+"wait": "PT9S"$`, out.String())
	assert.Regexp(t, `(?m)^ *\+\s+"wait": "PT3S"$`, out.String())
	assert.Equal(t, changed, srv.Published(id), "a dry run writes nothing")

	code = run(context.Background(), []string{"-file", filepath.Join(dir, id+".json"), "-publish"}, &out, &errOut, connect)
	require.Equal(t, 0, code, errOut.String())
	assert.Equal(t, string(original), string(srv.Published(id)), "restored byte for byte")
	assert.Empty(t, srv.LockHolder(id))
}

// TestRestoreFunctionAction: a function action raised through its draft,
// with its backup, is put back through a draft; a backup whose function
// timeout is 16 s or 0 is refused with one line before any request.
func TestRestoreFunctionAction(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, false)
	const id = "custom_-_fn"
	srv.AddFunctionAction(id, "Score", 3)
	c := srv.Client(t)
	connect := func(bool) (*client.Client, func(), error) { return c, func() {}, nil }
	dir := t.TempDir()
	d := &backup.Dir{Path: dir}
	ch, err := dataaction.SetTimeout(context.Background(), c, id, 5*time.Second, &dataaction.SetOptions{AtLeast: true,
		Backup: func(_ context.Context, read []byte, to time.Duration) error {
			return d.WriteAction(id, read, int(to/time.Second))
		}})
	require.NoError(t, err)
	require.True(t, ch.Changed)
	require.NoError(t, d.ActionWritten(id, ch.NewVersion))

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-dir", dir, "-publish"}, &out, &errOut, connect)
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "action custom_-_fn (Score): timeout restored to 3s as version 3\n")
	fn, _, _ := srv.ActionFunction(id)
	assert.Contains(t, string(fn), `"timeoutSeconds":3`)
	assert.False(t, srv.HasActionDraft(id))

	for _, bad := range []int{16, 0} {
		path := filepath.Join(dir, "actions", id+".json")
		read, err := os.ReadFile(path)
		require.NoError(t, err)
		tampered := regexp.MustCompile(`"timeoutSeconds":\d+`).ReplaceAll(read, []byte(`"timeoutSeconds":`+strconv.Itoa(bad)))
		require.NoError(t, os.Remove(path))
		require.NoError(t, os.Remove(filepath.Join(dir, "actions", id+".manifest.json")))
		require.NoError(t, d.WriteAction(id, tampered, 5)) // a manifest that matches the tampered bytes
		before := len(srv.Requests())
		out.Reset()
		errOut.Reset()
		code = run(context.Background(), []string{"-dir", dir, "-publish"}, &out, &errOut, connect)
		assert.Equal(t, 1, code)
		assert.Equal(t, fmt.Sprintf("restore: %s: its function's timeoutSeconds is %d, not 1 to 15; nothing was restored\n", path, bad), errOut.String())
		assert.Equal(t, before, len(srv.Requests()), "refused before any request")
	}
}

// TestRestoreRefusesLaterChanges: a flow changed by somebody after the
// raise (its manifest records what the raise left) is not restored over:
// that would undo their change too. Nothing is written and the run exits
// 1; -force restores it anyway. A flow still as the raise left it is
// restored.
func TestRestoreRefusesLaterChanges(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	c := srv.Client(t)
	connect := func(bool) (*client.Client, func(), error) { return c, func() {}, nil }
	dir := t.TempDir()
	d := &backup.Dir{Path: dir}
	ids := []string{"demo-flow-01", "demo-flow-02"}
	originals := map[string][]byte{}
	for _, id := range ids {
		originals[id] = srv.Published(id)
		res, err := c.UpdateFlow(context.Background(), id, func(doc *flow.Document) ([]flow.Change, error) {
			return doc.RaiseTimeouts(9*time.Second, nil)
		}, &client.UpdateOptions{Publish: true, Backup: func(_ context.Context, o *client.Original) error { return d.Write(o) }})
		require.NoError(t, err)
		sum := sha256.Sum256(srv.Published(id))
		require.Equal(t, hex.EncodeToString(sum[:]), res.ToSHA256, "what the new version holds")
		require.NoError(t, d.FlowWritten(id, res.ToSHA256))
	}
	// Jane renames a task in demo-flow-02 and publishes: a change of hers.
	janes := strings.Replace(string(srv.Published("demo-flow-02")), `"Call Data Action"`, `"Call Data Action (Jane)"`, 1)
	require.NoError(t, srv.CommitAsUser("demo-flow-02", "Jane Doe", []byte(janes), true))

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-dir", dir, "-publish"}, &out, &errOut, connect)
	assert.Equal(t, 1, code, errOut.String())
	assert.Contains(t, errOut.String(), "restore: update of flow demo-flow-02 (Billing Inbound 1): the edit failed: the flow was changed after the raise wrote it, and restoring the backup would undo that change too; nothing was written (-force restores it anyway)\n")
	assert.Equal(t, janes, string(srv.Published("demo-flow-02")), "Jane's change stands")
	assert.Equal(t, string(originals["demo-flow-01"]), string(srv.Published("demo-flow-01")), "a flow as the raise left it is restored")
	assert.Empty(t, srv.LockHolder("demo-flow-02"))

	errOut.Reset()
	code = run(context.Background(), []string{"-dir", dir, "-publish", "-force", "-flows", "demo-flow-02"}, &out, &errOut, connect)
	require.Equal(t, 0, code, errOut.String())
	assert.Equal(t, string(originals["demo-flow-02"]), string(srv.Published("demo-flow-02")), "-force restores it anyway")
}
