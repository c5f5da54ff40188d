package client

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const scopeA = "0123456789abcdef"

func TestDirCacheRoundTrip(t *testing.T) {
	d := DirCache(t.TempDir())
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
	entries, err := os.ReadDir(filepath.Join(d.Dir(), scopeA))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Len(t, entries[0].Name(), 64)
	info, err := os.Stat(filepath.Join(d.Dir(), scopeA))
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
			d := DirCache(t.TempDir())
			ctx := context.Background()
			key := scopeA + "/f1/2.0/7/g/2.0"
			require.NoError(t, d.Put(ctx, key, config))
			p := d.path(key)
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
		d := DirCache(blocker)
		d.OnError = func(err error) { calls = append(calls, err) }
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
		d := DirCache(t.TempDir())
		ctx := context.Background()
		require.NoError(t, d.Put(ctx, scopeA+"/kept/1.0/1//", []byte(`{"kept":true}`)))
		orig := writeTemp
		t.Cleanup(func() { writeTemp = orig })
		var made []string
		writeTemp = func(dir string, entry []byte) (string, error) {
			name, _ := orig(dir, entry[:len(entry)/2])
			made = append(made, name)
			return name, syscall.ENOSPC
		}
		var calls int
		d.OnError = func(error) { calls++ }
		assert.ErrorIs(t, d.Put(ctx, scopeA+"/f2/1.0/1//", []byte(`{"a":1}`)), syscall.ENOSPC)
		assert.ErrorIs(t, d.Put(ctx, scopeA+"/f3/1.0/1//", []byte(`{"a":1}`)), syscall.ENOSPC)
		assert.Equal(t, 1, calls)
		require.Len(t, made, 1, "stopped: the second Put wrote nothing")
		assert.NoFileExists(t, made[0], "the partial temporary file is removed")
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
	d := DirCache(dir)
	ctx := context.Background()
	config := make([]byte, 1000)
	for i := range config {
		config[i] = 'a'
	}
	entrySize := int64(len(encodeEntry(config)))
	d.MaxBytes = 10 * entrySize
	keys := make([]string, 10)
	base := time.Now().Add(-time.Hour)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s/f%d/1.0/1//", scopeA, i)
		require.NoError(t, d.Put(ctx, keys[i], config))
		at := base.Add(time.Duration(i) * time.Minute) // f0 oldest
		require.NoError(t, os.Chtimes(d.path(keys[i]), at, at))
	}
	stale := filepath.Join(dir, scopeA, ".tmp-crashed")
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
	assert.LessOrEqual(t, d.size, d.MaxBytes/10*9)
}

// TestDirCacheShared: two caches on one folder (as two processes would
// be), many goroutines each: every read is the entry's exact bytes or a
// miss.
func TestDirCacheShared(t *testing.T) {
	dir := t.TempDir()
	caches := []*DirConfigCache{DirCache(dir), DirCache(dir)}
	for _, d := range caches {
		d.MaxBytes = 20_000 // small: evictions race with reads and writes
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
	leftovers, _ := filepath.Glob(filepath.Join(dir, scopeA, ".tmp-*"))
	assert.Empty(t, leftovers)
}

func TestCacheScopeAndKey(t *testing.T) {
	a, err := New(Config{BaseURL: "http://127.0.0.1:1", ClientID: "a", ClientSecret: "s"})
	require.NoError(t, err)
	b, err := New(Config{BaseURL: "http://127.0.0.1:1", ClientID: "b", ClientSecret: "s"})
	require.NoError(t, err)
	other, err := New(Config{BaseURL: "http://127.0.0.2:1", ClientID: "a", ClientSecret: "s"})
	require.NoError(t, err)
	v := &FlowVersion{ID: "3.0", DateCreated: 1700000000000, GenerationID: "g/1", ConfigurationVersion: "3.0"}
	ka, ok := a.configKey("flow 1", v)
	require.True(t, ok)
	assert.Regexp(t, `^[0-9a-f]{16}/flow%201/3.0/1700000000000/g%2F1/3.0$`, ka)
	kb, _ := b.configKey("flow 1", v)
	ko, _ := other.configKey("flow 1", v)
	assert.NotEqual(t, ka[:16], kb[:16], "another OAuth client: another scope")
	assert.NotEqual(t, ka[:16], ko[:16], "another host: another scope")
	assert.NotContains(t, ka, "127.0.0.1")

	_, ok = a.configKey("flow 1", &FlowVersion{ID: "3.0", ConfigurationVersion: "3.0"})
	assert.False(t, ok, "neither dateCreated nor generationId: not cacheable")
	_, ok = a.configKey("flow 1", nil)
	assert.False(t, ok)
	_, ok = a.configKey("flow 1", &FlowVersion{ID: "3.0", GenerationID: "g"})
	assert.True(t, ok)
}
