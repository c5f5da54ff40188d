package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultCacheBytes is a DirCache's size cap when MaxBytes is zero: about
// ten thousand configurations of a typical size.
const DefaultCacheBytes = 1 << 30

// entryMagic begins every DirCache entry; the version is that of the format.
const entryMagic = "gcflow-config-cache 1 "

// DirConfigCache is a ConfigCache kept in a folder; DirCache makes one.
//
//   - One file per entry, written to a temporary file in the same folder and
//     renamed into place: a reader sees a whole entry or none.
//   - Each entry carries its configuration's sha256 and length, checked on
//     every read: a truncated or altered entry is a miss (and is removed),
//     never an error.
//   - Two processes may share the folder: writes are atomic renames, and the
//     same key always holds the same bytes.
//   - Entries are kept apart by organisation: each key's scope (see
//     ConfigCache) is a subfolder.
//   - The total size is capped (MaxBytes): when a Put takes it above the
//     cap, the least recently used entries are removed until it is below
//     90% of the cap. A hit counts as a use. The total is what this process
//     knows of: another process's writes count from its next scan.
//
// A folder that cannot be written (read-only, full, missing permissions)
// degrades to no cache: the first such error goes to OnError, once, and
// later Puts do nothing. Gets still serve the entries that are intact.
type DirConfigCache struct {
	// MaxBytes caps the entries' total size; zero means DefaultCacheBytes.
	MaxBytes int64
	// OnError, when set, is called once, with the first error that stops
	// the cache (it names the folder). Set it before first use.
	OnError func(error)

	dir    string
	mu     sync.Mutex
	size   int64 // bytes of entries; -1 before the first scan
	broken error // what stopped the cache, once it has
}

// DirCache returns a ConfigCache that keeps its entries under dir, created
// when the first entry is written (mode 0700, entries 0600: configurations
// describe a contact centre's routing).
func DirCache(dir string) *DirConfigCache {
	return &DirConfigCache{dir: dir, size: -1}
}

// Dir is the cache's folder.
func (d *DirConfigCache) Dir() string { return d.dir }

// Get returns the intact entry under key, or a miss.
func (d *DirConfigCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	p := d.path(key)
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, d.fail(err)
	}
	config, ok := decodeEntry(b)
	if !ok {
		_ = os.Remove(p) // damaged: the next Put writes it anew
		return nil, false, nil
	}
	now := time.Now()
	_ = os.Chtimes(p, now, now) // used now: evicted last
	return config, true, nil
}

// Put writes config under key, unless the cache has stopped.
func (d *DirConfigCache) Put(_ context.Context, key string, config []byte) error {
	d.mu.Lock()
	broken := d.broken
	d.mu.Unlock()
	if broken != nil {
		return broken
	}
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return d.fail(err)
	}
	entry := encodeEntry(config)
	tmp, err := writeTemp(filepath.Dir(p), entry)
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		if tmp != "" {
			_ = os.Remove(tmp)
		}
		return d.fail(err)
	}
	d.account(int64(len(entry)))
	return nil
}

// writeTemp writes entry to a new temporary file in dir and returns its
// name (set whenever the file was made). Tests replace it to fill a disk.
var writeTemp = func(dir string, entry []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(entry)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// fail stops the cache at its first error, and reports it once.
func (d *DirConfigCache) fail(err error) error {
	d.mu.Lock()
	first := d.broken == nil
	if first {
		d.broken = fmt.Errorf("configuration cache %s: %w", d.dir, err)
	}
	err = d.broken
	d.mu.Unlock()
	if first && d.OnError != nil {
		d.OnError(err)
	}
	return err
}

// path is key's entry: its scope's folder, and its sha256 as the name.
func (d *DirConfigCache) path(key string) string {
	scope, _, _ := strings.Cut(key, "/")
	if scope == "" || len(scope) > 64 || strings.Trim(scope, "0123456789abcdef") != "" {
		scope = "other"
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d.dir, scope, hex.EncodeToString(sum[:]))
}

// encodeEntry is config behind a header line with its sha256 and length.
func encodeEntry(config []byte) []byte {
	sum := sha256.Sum256(config)
	var b bytes.Buffer
	b.Grow(len(entryMagic) + 2*len(sum) + 24 + len(config))
	b.WriteString(entryMagic)
	b.WriteString(hex.EncodeToString(sum[:]))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(config)))
	b.WriteByte('\n')
	b.Write(config)
	return b.Bytes()
}

// decodeEntry returns an entry's configuration, ok false unless the header
// is whole and the length and sha256 match.
func decodeEntry(b []byte) ([]byte, bool) {
	header, config, found := bytes.Cut(b, []byte{'\n'})
	if !found || !bytes.HasPrefix(header, []byte(entryMagic)) {
		return nil, false
	}
	sumHex, length, _ := strings.Cut(string(header[len(entryMagic):]), " ")
	n, err := strconv.Atoi(length)
	if err != nil || n != len(config) {
		return nil, false
	}
	sum := sha256.Sum256(config)
	if hex.EncodeToString(sum[:]) != sumHex {
		return nil, false
	}
	return config, true
}

// account adds a new entry's size, and evicts when the total is above the
// cap.
func (d *DirConfigCache) account(n int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultCacheBytes
	}
	if d.size < 0 {
		d.size = d.evict(limit) // the first write scans what is there
		return
	}
	d.size += n
	if d.size > limit {
		d.size = d.evict(limit)
	}
}

// cacheFile is an entry found by a scan.
type cacheFile struct {
	path string
	size int64
	used time.Time
}

// evict scans the folder, removes temporary files a crashed writer left
// (older than an hour), then the least recently used entries while the
// total is above limit, down to 90% of it; it returns the total left.
func (d *DirConfigCache) evict(limit int64) int64 {
	var files []cacheFile
	var total int64
	stale := time.Now().Add(-time.Hour)
	_ = filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil
		}
		if strings.HasPrefix(e.Name(), ".tmp-") {
			if info.ModTime().Before(stale) {
				_ = os.Remove(p)
			}
			return nil
		}
		files = append(files, cacheFile{p, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if total <= limit {
		return total
	}
	slices.SortFunc(files, func(a, b cacheFile) int { return a.used.Compare(b.used) })
	for _, f := range files {
		if total <= limit/10*9 {
			break
		}
		if err := os.Remove(f.path); err == nil || errors.Is(err, fs.ErrNotExist) {
			total -= f.size
		}
	}
	return total
}
