package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/safefile"
)

// DefaultMaxBytes is a Dir's size cap when DirOptions.MaxBytes is zero:
// about ten thousand configurations of a typical size.
const DefaultMaxBytes = 1 << 30

// A *Dir is a client.ConfigCache.
var _ client.ConfigCache = (*Dir)(nil)

// entryMagic begins every DirCache entry; the version is that of the format.
const entryMagic = "gcflow-config-cache 1 "

// Dir is a client.ConfigCache kept in a folder; NewDirCache makes one (a
// zero Dir stores nothing: every Put is an error, every Get a miss).
//
//   - The cache owns only what it wrote. Entries live in one subfolder per
//     organisation scope, <dir>/<16 hex digits>/, each named by the
//     sha256 of its key (64 hex digits) and beginning with a header line
//     ("gcflow-config-cache 1 <sha256> <length>"). Eviction, accounting and
//     the clean-up of temporary files consider only files of that layout:
//     a folder that holds other files (-cache ~/Documents) keeps them all.
//   - One file per entry, written to a temporary file in the same folder
//     and renamed into place: a reader sees a whole entry or none.
//   - Each entry carries its configuration's sha256 and length, checked on
//     every read: a truncated or altered entry is a miss (and is removed),
//     never an error.
//   - A scope folder that is a symlink, is owned by another user, or can be
//     written by others is not used (OnError says why): whoever can write
//     there could forge entries, since the sha256 is only a checksum.
//   - Two processes may share the folder: writes are atomic renames, and the
//     same key always holds the same bytes.
//   - The total size is capped (MaxBytes): when a Put takes it above the
//     cap, the least recently used entries are removed until it is below
//     90% of the cap. A hit counts as a use. The total is what this process
//     knows of: another process's writes count from its next scan.
//
// A folder that cannot be written (read-only, full, missing permissions)
// degrades to no cache: the first such error goes to DirOptions.OnError,
// once, and later Puts do nothing. Gets still serve the entries that are
// intact.
//
// A Dir is safe for concurrent use, and two processes may share a folder.
type Dir struct {
	maxBytes int64
	onError  func(error)
	dir      string
	mu       sync.Mutex
	size     int64            // bytes of entries; -1 before the first scan
	broken   error            // what stopped the cache, once it has
	scopes   map[string]error // scope folders checked: nil when usable
	// write writes an entry; tests replace it to fill a disk.
	write func(path string, data []byte) error
}

// DirOptions tune a Dir. A nil value takes the defaults.
type DirOptions struct {
	// MaxBytes caps the entries' total size; zero means DefaultMaxBytes.
	MaxBytes int64
	// OnError, when set, is called once, with the first error that stops
	// the cache (it names the folder).
	OnError func(error)
}

// NewDirCache returns a cache that keeps its entries under dir, created
// when the first entry is written (mode 0700, entries 0600:
// configurations describe a contact centre's routing). An empty dir is
// client.ErrInvalidArgument: it would be the current folder.
func NewDirCache(dir string, opts *DirOptions) (*Dir, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, fmt.Errorf("%w: the cache needs a folder", client.ErrInvalidArgument)
	}
	d := &Dir{dir: dir, size: -1, scopes: map[string]error{}, write: safefile.Write, maxBytes: DefaultMaxBytes}
	if opts != nil {
		if opts.MaxBytes > 0 {
			d.maxBytes = opts.MaxBytes
		}
		d.onError = opts.OnError
	}
	return d, nil
}

// Path is the cache's folder.
func (d *Dir) Path() string { return d.dir }

// Get returns the intact entry under key, or a miss.
func (d *Dir) Get(_ context.Context, key string) ([]byte, bool, error) {
	if d.scopes == nil {
		return nil, false, errNotMade
	}
	scope, p := d.path(key)
	if err := d.checkScope(scope, false); err != nil {
		return nil, false, err
	}
	b, err := safefile.ReadRegular(p, flow.MaxDocumentBytes+int64(len(entryMagic))+128)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case errors.Is(err, safefile.ErrTooLarge):
		_ = os.Remove(p) // not an entry this cache wrote
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
func (d *Dir) Put(_ context.Context, key string, config []byte) error {
	if d.scopes == nil {
		return errNotMade
	}
	d.mu.Lock()
	broken := d.broken
	d.mu.Unlock()
	if broken != nil {
		return broken
	}
	scope, p := d.path(key)
	if err := d.checkScope(scope, true); err != nil {
		return err
	}
	entry := encodeEntry(config)
	if err := d.write(p, entry); err != nil {
		return d.fail(err)
	}
	d.account(int64(len(entry)))
	return nil
}

// fail stops the cache at its first error, and reports it once.
func (d *Dir) fail(err error) error {
	d.mu.Lock()
	first := d.broken == nil
	if first {
		d.broken = fmt.Errorf("configuration cache %s: %w", d.dir, err)
	}
	err = d.broken
	d.mu.Unlock()
	if first && d.onError != nil {
		d.onError(err)
	}
	return err
}

// path is key's scope folder name and entry: the scope's folder, and the
// key's sha256 as the name. A key whose scope is not 16 hex digits (a
// caller's own keys) is kept under the first 16 hex digits of its scope's
// sha256, so that every folder the cache makes has the one layout.
func (d *Dir) path(key string) (scope, path string) {
	scope, _, _ = strings.Cut(key, "/")
	if !isHex(scope, 16) {
		sum := sha256.Sum256([]byte(scope))
		scope = hex.EncodeToString(sum[:8])
	}
	sum := sha256.Sum256([]byte(key))
	return scope, filepath.Join(d.dir, scope, hex.EncodeToString(sum[:]))
}

func isHex(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789abcdef") == ""
}

// checkScope checks a scope folder once per cache: it must be a folder of
// this user's that nobody else can write, and so must the cache folder
// itself unless it is a sticky folder such as /tmp. With create, a
// missing scope folder is made (0700); without, it is a miss later.
func (d *Dir) checkScope(scope string, create bool) error {
	d.mu.Lock()
	err, checked := d.scopes[scope]
	d.mu.Unlock()
	if checked {
		return err
	}
	dir := filepath.Join(d.dir, scope)
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return d.fail(err)
		}
	}
	err = ownedFolder(d.dir, true)
	if err == nil {
		err = ownedFolder(dir, false)
	}
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil // nothing there yet: every Get is a miss, checked again on the first Put
	}
	if err != nil {
		err = d.fail(err)
	}
	d.mu.Lock()
	d.scopes[scope] = err
	d.mu.Unlock()
	return err
}

// ownedFolder reports why dir cannot hold trusted entries: a symlink, not a
// folder, another user's, or writable by others (a sticky folder, whose
// entries others cannot replace, is allowed when sticky).
func ownedFolder(dir string, sticky bool) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	mode := info.Mode()
	switch {
	case mode&fs.ModeSymlink != 0 && !sticky:
		return fmt.Errorf("%s is a symbolic link: %w", dir, errForeignFolder)
	case mode&fs.ModeSymlink != 0:
		if info, err = os.Stat(dir); err != nil {
			return err
		}
		mode = info.Mode()
	}
	switch {
	case !mode.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	case !ownedByMe(info):
		return fmt.Errorf("%s belongs to another user: %w", dir, errForeignFolder)
	case mode.Perm()&0o022 != 0 && !(sticky && mode&fs.ModeSticky != 0):
		return fmt.Errorf("%s can be written by other users (mode %v): %w", dir, mode.Perm(), errForeignFolder)
	}
	return nil
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
func (d *Dir) account(n int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	limit := d.maxBytes
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

// evict scans the scope folders this cache has checked, removes the
// temporary files a crashed writer left there (older than an hour), then
// the least recently used entries while the total is above limit, down to
// 90% of it; it returns the total left. It looks at nothing else: only
// files of the entries' layout (name and header) are counted or removed.
func (d *Dir) evict(limit int64) int64 {
	var files []cacheFile
	var total int64
	for _, scope := range d.usableScopes() {
		dir := filepath.Join(d.dir, scope)
		safefile.RemoveStale(dir)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !isHex(e.Name(), 64) || !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			info, err := e.Info()
			if err != nil || !isEntry(p) {
				continue
			}
			files = append(files, cacheFile{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
	}
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

// usableScopes are the scope folders under the cache folder that pass the
// ownership check. Called with d.mu held.
func (d *Dir) usableScopes() []string {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !isHex(name, 16) || !e.IsDir() {
			continue
		}
		err, checked := d.scopes[name]
		if !checked {
			err = ownedFolder(filepath.Join(d.dir, name), false)
			d.scopes[name] = err
		}
		if err == nil {
			out = append(out, name)
		}
	}
	return out
}

// isEntry reports whether the file at p begins with the entries' header.
func isEntry(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(entryMagic))
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == entryMagic
}
