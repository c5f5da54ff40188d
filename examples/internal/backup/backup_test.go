package backup

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/internal/safefile"
)

// TestWriteRefusesIDsThatArePaths: a flow id a server answered never
// writes outside the backup folder.
func TestWriteRefusesIDsThatArePaths(t *testing.T) {
	parent := t.TempDir()
	d := &Dir{Path: filepath.Join(parent, "backups", "run")}
	for _, id := range []string{"..", ".", "../escape", "a/../../b", "x\x00y", "\x1b[2J", ""} {
		err := d.Write(&client.Original{FlowID: id, FlowName: "n", FlowType: "INBOUNDCALL", Config: []byte(`{}`)})
		require.ErrorIs(t, err, safefile.ErrBadName, "%q", id)
	}
	assert.Zero(t, d.Count())
	var files []string
	_ = filepath.Walk(parent, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	assert.Empty(t, files, "nothing written anywhere")

	require.NoError(t, d.Write(&client.Original{FlowID: "3f2a-77", FlowName: "n", FlowType: "INBOUNDCALL", VersionID: "2.0", Config: []byte(`{"a":1}`)}))
	for _, name := range []string{"3f2a-77.json", "3f2a-77.manifest.json"} {
		info, err := os.Stat(filepath.Join(d.Path, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	}
	info, err := os.Stat(d.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	b, err := Read(filepath.Join(d.Path, "3f2a-77.json"))
	require.NoError(t, err)
	assert.Equal(t, "3f2a-77", b.FlowID)
	require.NotNil(t, b.Manifest)
	assert.Equal(t, "2.0", b.Manifest.Version)
}

// TestReadRefusesSymlinks: a backup folder cannot point a restore at a
// file elsewhere, through the backup or its manifest.
func TestReadRefusesSymlinks(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	outside := filepath.Join(elsewhere, "secret.json")
	require.NoError(t, os.WriteFile(outside, []byte(`{"not":"a backup"}`), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "f1.json")))
	_, err := Read(filepath.Join(dir, "f1.json"))
	require.ErrorIs(t, err, safefile.ErrNotRegular)
	assert.Contains(t, err.Error(), "symbolic link")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "f2.json"), []byte(`{}`), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "f2.manifest.json")))
	_, err = Read(filepath.Join(dir, "f2.json"))
	require.ErrorIs(t, err, safefile.ErrNotRegular, "the manifest too")
}

// TestStaleTempRemoved: a crashed run's temporary file in a reused folder
// goes at the next run's first backup; other files stay.
func TestStaleTempRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, safefile.TempPrefix+"123")
	mine := filepath.Join(dir, "notes.txt")
	for _, p := range []string{stale, mine} {
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o600))
		old := time.Now().Add(-2 * time.Hour)
		require.NoError(t, os.Chtimes(p, old, old))
	}
	d := &Dir{Path: dir}
	require.NoError(t, d.Write(&client.Original{FlowID: "f1", FlowType: "WORKFLOW", Config: []byte(`{}`)}))
	assert.NoFileExists(t, stale)
	assert.FileExists(t, mine)
}

// TestWriteActionKeepsTheEarliest: a second backup of an action in the
// same folder (raised again, higher) keeps the first original, and moves
// the manifest's timeout written to the second change.
func TestWriteActionKeepsTheEarliest(t *testing.T) {
	d := &Dir{Path: t.TempDir()}
	first := []byte(`{"id":"a1","name":"CRM","version":1,"config":{"timeoutSeconds":3}}`)
	require.NoError(t, d.WriteAction("a1", first, 5))
	require.NoError(t, d.ActionWritten("a1", 2))
	require.NoError(t, d.WriteAction("a1", []byte(`{"id":"a1","name":"CRM","version":2,"config":{"timeoutSeconds":5}}`), 10))
	all, err := ReadActions(d.Path)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, string(first), string(all[0].Read), "the earliest original")
	from, ok := all[0].FromSeconds()
	assert.True(t, ok)
	assert.Equal(t, 3, from)
	assert.Equal(t, 10, all[0].Manifest.ToSeconds, "what was written last")
	assert.Equal(t, 0, all[0].Manifest.NewVersion, "until the second change is confirmed")
	assert.Equal(t, 1, all[0].Manifest.Version)
	assert.NoError(t, all[0].Check())
}
