package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "folder")
	p := filepath.Join(dir, "a.json")
	require.NoError(t, Write(p, []byte("one")))
	require.NoError(t, Write(p, []byte("two")))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "two", string(b))
	info, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "no temporary file left")
}

// TestWriteReplacesSymlink: a symlink planted at the target is replaced,
// and what it pointed to is untouched.
func TestWriteReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
	p := filepath.Join(dir, "backups", "f.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(t, os.Symlink(victim, p))
	require.NoError(t, Write(p, []byte("new")))
	b, _ := os.ReadFile(victim)
	assert.Equal(t, "precious", string(b))
	info, err := os.Lstat(p)
	require.NoError(t, err)
	assert.True(t, info.Mode().IsRegular(), "the link is replaced by a file")
}

type failingFile struct {
	*os.File
	failWrite, failSync, failClose bool
}

func (f *failingFile) Write(b []byte) (int, error) {
	if f.failWrite {
		n, _ := f.File.Write(b[:len(b)/2])
		return n, syscall.ENOSPC
	}
	return f.File.Write(b)
}

func (f *failingFile) Sync() error {
	if f.failSync {
		return syscall.EIO
	}
	return f.File.Sync()
}

func (f *failingFile) Close() error {
	err := f.File.Close()
	if f.failClose {
		return syscall.EIO
	}
	return err
}

// TestWriteFailuresLeaveNoTemp: whatever step fails, the temporary file
// is gone and the target holds what it held.
func TestWriteFailuresLeaveNoTemp(t *testing.T) {
	for name, ff := range map[string]failingFile{
		"disk full":   {failWrite: true},
		"sync fails":  {failSync: true},
		"close fails": {failClose: true},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "t.json")
			require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))
			var made string
			err := write(p, []byte("new bytes"), func(dir string) (tempFile, error) {
				f, err := os.CreateTemp(dir, TempPrefix+"*")
				if err != nil {
					return nil, err
				}
				made = f.Name()
				ff := ff
				ff.File = f
				return &ff, nil
			})
			require.Error(t, err)
			assert.NoFileExists(t, made)
			b, _ := os.ReadFile(p)
			assert.Equal(t, "old", string(b))
		})
	}
	t.Run("rename fails", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "is-a-folder")
		require.NoError(t, os.Mkdir(p, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(p, "x"), nil, 0o600))
		require.Error(t, Write(p, []byte("x")))
		entries, _ := os.ReadDir(dir)
		assert.Len(t, entries, 1, "only the folder: the temporary file is gone")
	})
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	files := map[string]bool{ // name: removed
		TempPrefix + "crashed": true,
		TempPrefix + "fresh":   false,
		".tmp-someone-elses":   false,
		"notes.txt":            false,
	}
	for name := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o600))
		if name != TempPrefix+"fresh" {
			require.NoError(t, os.Chtimes(p, old, old))
		}
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, TempPrefix+"a-folder"), 0o700))
	assert.Equal(t, 1, RemoveStale(dir))
	for name, removed := range files {
		if removed {
			assert.NoFileExists(t, filepath.Join(dir, name))
		} else {
			assert.FileExists(t, filepath.Join(dir, name))
		}
	}
	assert.DirExists(t, filepath.Join(dir, TempPrefix+"a-folder"))
}

func TestOpenAppend(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "run.log")
	for _, line := range []string{"a\n", "b\n"} {
		f, err := OpenAppend(p)
		require.NoError(t, err)
		_, err = f.WriteString(line)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	b, _ := os.ReadFile(p)
	assert.Equal(t, "a\nb\n", string(b))
	info, _ := os.Stat(p)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
	link := filepath.Join(dir, "planted.log")
	require.NoError(t, os.Symlink(victim, link))
	_, err := OpenAppend(link)
	require.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), "symbolic link")
	b, _ = os.ReadFile(victim)
	assert.Equal(t, "precious", string(b))
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	require.NoError(t, os.WriteFile(p, []byte("12345"), 0o600))
	b, err := ReadFile(p, 5)
	require.NoError(t, err)
	assert.Equal(t, "12345", string(b))
	_, err = ReadFile(p, 4)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = ReadRegular(p, 4)
	assert.ErrorIs(t, err, ErrTooLarge)

	_, err = ReadFile("/dev/zero", 1<<20)
	assert.ErrorIs(t, err, ErrTooLarge, "an endless file stops at the cap")

	outside := filepath.Join(t.TempDir(), "secret.json")
	require.NoError(t, os.WriteFile(outside, []byte("{}"), 0o600))
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(outside, link))
	_, err = ReadRegular(link, 100)
	assert.ErrorIs(t, err, ErrNotRegular)
	b, err = ReadFile(link, 100)
	require.NoError(t, err, "ReadFile follows a link its caller named")
	assert.Equal(t, "{}", string(b))

	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.json"), 0o600))
	_, err = ReadRegular(filepath.Join(dir, "pipe.json"), 100)
	assert.ErrorIs(t, err, ErrNotRegular, "a named pipe is refused without waiting for a writer")
	_, err = ReadRegular(dir, 100)
	assert.ErrorIs(t, err, ErrNotRegular)
}

func TestName(t *testing.T) {
	for _, id := range []string{"3f2a-77", "custom_-_bda8a575", "a b", "id.with.dots", "é"} {
		name, err := Name(id)
		require.NoError(t, err, id)
		assert.NotContains(t, name, "/")
		assert.Equal(t, filepath.Base(name), name)
	}
	for id, says := range map[string]string{
		"":                       "empty",
		".":                      `"."`,
		"..":                     `".."`,
		"../etc/passwd":          "separator",
		`..\x`:                   "separator",
		"a/b":                    "separator",
		"nul\x00":                "control",
		"esc\x1b[2J":             "control",
		"new\nline":              "control",
		"\xff":                   "UTF-8",
		TempPrefix + "x":         "temporary",
		strings.Repeat("a", 201): "longer than",
		strings.Repeat("%", 100): "longer than", // 300 bytes escaped
	} {
		_, err := Name(id)
		require.ErrorIs(t, err, ErrBadName, "%q", id)
		assert.Contains(t, err.Error(), says, "%q", id)
		assert.False(t, errors.Is(err, ErrTooLarge))
	}
}
