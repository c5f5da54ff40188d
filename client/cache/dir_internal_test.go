package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/internal/safefile"
)

const scopeA = "0123456789abcdef"

func TestDirCacheRoundTrip(t *testing.T) {
	d := newDir(t, t.TempDir())
	ctx := context.Background()
	_, ok, err := d.Get(ctx, scopeA+"/f1/1.0/5//1.0")
	require.NoError(t, err)
	assert.False(t, ok, "empty: a miss")
	config := []byte(`{"flow":{"name":"x"},"a":"` + "\u00e9\n" + `"}`)
	require.NoError(t, d.Put(ctx, scopeA+"/f1/1.0/5//1.0", config))
	got, ok, err := d.Get(ctx, scopeA+"/f1/1.0/5//1.0")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, config, got, "byte for byte")
	_, ok, _ = d.Get(ctx, scopeA+"/f1/1.0/6//1.0")
	assert.False(t, ok, "another dateCreated is another key")

	// Scopes are folders; the file names say nothing of the key.
	entries, err := os.ReadDir(filepath.Join(d.Path(), scopeA))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Len(t, entries[0].Name(), 64)
	info, err := os.Stat(filepath.Join(d.Path(), scopeA))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
}

// TestDirCacheDamagedEntries: whatever happened to an entry's file, a read
// is the entry or a miss, never an error nor wrong bytes; the damaged file
// is removed.
func TestDirCacheDamagedEntries(t *testing.T) {
	config := []byte(`{"flow":{"name":"payments"},"timeout":"PT5S"}`)
	damage := map[string]func([]byte) []byte{
		"truncated":         func(b []byte) []byte { return b[:len(b)-3] },
		"one byte altered":  func(b []byte) []byte { b[len(b)-4] ^= 1; return b },
		"header only":       func(b []byte) []byte { return b[:len(entryMagic)+10] },
		"empty":             func([]byte) []byte { return nil },
		"another format":    func(b []byte) []byte { return append([]byte("gcflow-config-cache 2 "), b[len(entryMagic):]...) },
		"length altered":    func(b []byte) []byte { return []byte(string(b[:len(b)-len(config)-3]) + "99\n" + string(config)) },
		"bytes appended":    func(b []byte) []byte { return append(b, ' ') },
		"no header newline": func([]byte) []byte { return config },
	}
	for name, fn := range damage {
		t.Run(name, func(t *testing.T) {
			d := newDir(t, t.TempDir())
			ctx := context.Background()
			key := scopeA + "/f1/2.0/7/g/2.0"
			require.NoError(t, d.Put(ctx, key, config))
			_, p := d.path(key)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, fn(b), 0o600))
			got, ok, err := d.Get(ctx, key)
			require.NoError(t, err)
			assert.False(t, ok)
			assert.Nil(t, got)
			assert.NoFileExists(t, p, "a damaged entry is removed")
			require.NoError(t, d.Put(ctx, key, config))
			got, ok, _ = d.Get(ctx, key)
			assert.True(t, ok)
			assert.Equal(t, config, got)
		})
	}
}

// TestDirCacheUnwritable: a folder that cannot be made, or a disk that is
// full, stops the cache with one OnError call; later Puts do nothing, and
// intact entries are still served.
func TestDirCacheUnwritable(t *testing.T) {
	t.Run("a file where the folder should be", func(t *testing.T) {
		parent := t.TempDir()
		blocker := filepath.Join(parent, "cache")
		require.NoError(t, os.WriteFile(blocker, []byte("not a folder"), 0o600))
		var calls []error
		d := newDir(t, blocker)
		d.onError = func(err error) { calls = append(calls, err) }
		for i := range 3 {
			err := d.Put(context.Background(), fmt.Sprintf("%s/f%d/1.0/1//", scopeA, i), []byte(`{}`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "configuration cache "+blocker+": ")
		}
		require.Len(t, calls, 1, "one warning")
		_, ok, err := d.Get(context.Background(), scopeA+"/f1/1.0/1//")
		assert.False(t, ok)
		assert.Error(t, err)
	})
	t.Run("disk full", func(t *testing.T) {
		d := newDir(t, t.TempDir())
		ctx := context.Background()
		require.NoError(t, d.Put(ctx, scopeA+"/kept/1.0/1//", []byte(`{"kept":true}`)))
		writes := 0
		d.write = func(string, []byte) error { writes++; return syscall.ENOSPC } // safefile.Write removes its partial file (its own test)
		var calls int
		d.onError = func(error) { calls++ }
		assert.ErrorIs(t, d.Put(ctx, scopeA+"/f2/1.0/1//", []byte(`{"a":1}`)), syscall.ENOSPC)
		assert.ErrorIs(t, d.Put(ctx, scopeA+"/f3/1.0/1//", []byte(`{"a":1}`)), syscall.ENOSPC)
		assert.Equal(t, 1, calls)
		assert.Equal(t, 1, writes, "stopped: the second Put wrote nothing")
		got, ok, err := d.Get(ctx, scopeA+"/kept/1.0/1//")
		require.NoError(t, err)
		assert.True(t, ok, "intact entries are still served")
		assert.Equal(t, `{"kept":true}`, string(got))
	})
}

// TestDirCacheEviction: above MaxBytes, the least recently used entries go
// first, down to 90% of the cap; a hit counts as a use; crashed writers'
// old temporary files go too.
func TestDirCacheEviction(t *testing.T) {
	dir := t.TempDir()
	d := newDir(t, dir)
	ctx := context.Background()
	config := make([]byte, 1000)
	for i := range config {
		config[i] = 'a'
	}
	entrySize := int64(len(encodeEntry(config)))
	d.maxBytes = 10 * entrySize
	keys := make([]string, 10)
	base := time.Now().Add(-time.Hour)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s/f%d/1.0/1//", scopeA, i)
		require.NoError(t, d.Put(ctx, keys[i], config))
		at := base.Add(time.Duration(i) * time.Minute) // f0 oldest
		_, p := d.path(keys[i])
		require.NoError(t, os.Chtimes(p, at, at))
	}
	stale := filepath.Join(dir, scopeA, safefile.TempPrefix+"crashed")
	require.NoError(t, os.WriteFile(stale, []byte("half"), 0o600))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	_, ok, _ := d.Get(ctx, keys[0]) // f0 used now: kept
	require.True(t, ok)

	require.NoError(t, d.Put(ctx, scopeA+"/new/1.0/1//", config)) // 11 entries: above the cap
	for i, k := range keys {
		_, ok, _ := d.Get(ctx, k)
		switch i {
		case 1, 2:
			assert.False(t, ok, "f%d was among the least recently used", i)
		default:
			assert.True(t, ok, "f%d", i)
		}
	}
	_, ok, _ = d.Get(ctx, scopeA+"/new/1.0/1//")
	assert.True(t, ok, "the new entry stays")
	assert.NoFileExists(t, stale)
	assert.LessOrEqual(t, d.size, d.maxBytes/10*9)
	_, p := d.path(keys[1])
	assert.NoFileExists(t, p)
}

// TestDirCacheShared: two caches on one folder (as two processes would
// be), many goroutines each: every read is the entry's exact bytes or a
// miss.
func TestDirCacheShared(t *testing.T) {
	dir := t.TempDir()
	caches := []*Dir{newDir(t, dir), newDir(t, dir)}
	for _, d := range caches {
		d.maxBytes = 20_000 // small: evictions race with reads and writes
	}
	value := func(i int) []byte { return fmt.Appendf(nil, `{"flow":%d,"pad":"%0500d"}`, i, i) }
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			d := caches[g%2]
			for n := range 300 {
				i := (n*7 + g) % 40
				key := fmt.Sprintf("%s/f%d/1.0/1//", scopeA, i)
				if got, ok, err := d.Get(context.Background(), key); assert.NoError(t, err) && ok {
					assert.Equal(t, string(value(i)), string(got))
				}
				assert.NoError(t, d.Put(context.Background(), key, value(i)))
			}
		})
	}
	wg.Wait()
	leftovers, _ := filepath.Glob(filepath.Join(dir, scopeA, safefile.TempPrefix+"*"))
	assert.Empty(t, leftovers)
}

// newDir is NewDirCache for a test.
func newDir(t *testing.T, dir string) *Dir {
	t.Helper()
	d, err := NewDirCache(dir, nil)
	require.NoError(t, err)
	return d
}

func TestNewDirCache(t *testing.T) {
	_, err := NewDirCache(" ", nil)
	require.Error(t, err)
	var zero Dir
	_, ok, err := zero.Get(context.Background(), scopeA+"/f/1.0/1//")
	assert.False(t, ok)
	assert.ErrorIs(t, err, errNotMade, "a zero Dir stores nothing")
	assert.ErrorIs(t, zero.Put(context.Background(), scopeA+"/f/1.0/1//", []byte("{}")), errNotMade)
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		assert.False(t, isHex(e.Name(), 16), "nothing written in the current folder")
	}
	d, err := NewDirCache(t.TempDir(), &DirOptions{MaxBytes: 123})
	require.NoError(t, err)
	assert.Equal(t, int64(123), d.maxBytes)
}

// TestDirCacheOwnsOnlyItsFiles: a cache folder that holds other files
// (large, old, beside the entries, in subfolders, even named like an entry
// without its header) keeps every one of them through eviction and the
// clean-up of temporary files.
func TestDirCacheOwnsOnlyItsFiles(t *testing.T) {
	dir := t.TempDir()
	old := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	hexName := fmt.Sprintf("%064x", 42)
	foreign := []string{
		"video.mp4",                                // beside the scope folders: large and old
		"notes/2020.txt",                           // in a subfolder
		filepath.Join(scopeA, "notes.txt"),         // inside a scope folder
		filepath.Join(scopeA, hexName),             // named like an entry, without the header
		filepath.Join(scopeA, ".tmp-1234"),         // another program's temporary file
		filepath.Join(scopeA, "sub", hexName),      // below a scope folder
		filepath.Join("fedcba9876543210", "x"),     // a folder named like a scope
		filepath.Join("fedcba9876543210", hexName), // and in it a file named like an entry
	}
	for _, name := range foreign {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte("somebody's work"), 0o600))
		if name == "video.mp4" {
			require.NoError(t, os.Truncate(p, 1_200_000_000)) // sparse: 1.2 GB that takes no room
		}
		require.NoError(t, os.Chtimes(p, old, old))
	}
	d := newDir(t, dir)
	config := []byte(strings.Repeat("a", 1000))
	d.maxBytes = 5 * int64(len(encodeEntry(config)))
	ctx := context.Background()
	for i := range 20 { // four times the cap: evictions all along
		require.NoError(t, d.Put(ctx, fmt.Sprintf("%s/f%d/1.0/1//", scopeA, i), config))
	}
	for _, name := range foreign {
		assert.FileExists(t, filepath.Join(dir, name))
	}
	info, err := os.Stat(filepath.Join(dir, "video.mp4"))
	require.NoError(t, err)
	assert.Equal(t, int64(1_200_000_000), info.Size())
	assert.LessOrEqual(t, d.size, d.maxBytes, "only entries count against the cap")
	_, ok, _ := d.Get(ctx, fmt.Sprintf("%s/f19/1.0/1//", scopeA))
	assert.True(t, ok, "the newest entry stays")
}

// TestDirCacheRefusesForeignFolders: a scope folder others can write, that
// is a symlink, or a cache folder anyone can write (without the sticky
// bit) is not used: entries there could be forged.
func TestDirCacheRefusesForeignFolders(t *testing.T) {
	ctx := context.Background()
	key := scopeA + "/f1/1.0/1//"
	t.Run("scope folder writable by others", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, newDir(t, dir).Put(ctx, key, []byte(`{"real":1}`)))
		require.NoError(t, os.Chmod(filepath.Join(dir, scopeA), 0o777))
		d := newDir(t, dir)
		var calls []error
		d.onError = func(err error) { calls = append(calls, err) }
		_, ok, err := d.Get(ctx, key)
		assert.False(t, ok)
		require.ErrorIs(t, err, errForeignFolder)
		assert.Contains(t, err.Error(), "can be written by other users")
		require.Len(t, calls, 1)
		assert.Error(t, d.Put(ctx, key, []byte(`{"real":1}`)))
	})
	t.Run("scope folder is a symlink", func(t *testing.T) {
		dir, elsewhere := t.TempDir(), t.TempDir()
		require.NoError(t, os.Symlink(elsewhere, filepath.Join(dir, scopeA)))
		d := newDir(t, dir)
		err := d.Put(ctx, key, []byte(`{}`))
		require.ErrorIs(t, err, errForeignFolder)
		assert.Contains(t, err.Error(), "symbolic link")
		entries, _ := os.ReadDir(elsewhere)
		assert.Empty(t, entries, "nothing written through the link")
	})
	t.Run("cache folder writable by all, not sticky", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Chmod(dir, 0o777))
		err := newDir(t, dir).Put(ctx, key, []byte(`{}`))
		require.ErrorIs(t, err, errForeignFolder)
		assert.Contains(t, err.Error(), "can be written by other users")
	})
	t.Run("sticky folder such as /tmp", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Chmod(dir, 0o777|os.ModeSticky))
		d := newDir(t, dir)
		require.NoError(t, d.Put(ctx, key, []byte(`{"ok":1}`)))
		got, ok, err := d.Get(ctx, key)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, `{"ok":1}`, string(got))
	})
}
