// Package safefile writes and reads the files this module keeps on disk
// (configuration cache entries, backups and their manifests, logs)
// so that a shared machine or a hostile server cannot turn them against
// their owner.
//
//   - Write is the one atomic write: a new temporary file (O_EXCL, mode
//     0600) in the target's folder (created 0700), renamed over the target.
//     A symlink planted at the target is replaced, never followed, and the
//     temporary file is removed on every failure. RemoveStale removes the
//     ones a crashed process left, by their name pattern only.
//   - OpenAppend opens a log for appending without following a symlink at
//     its path.
//   - ReadFile reads through a size cap; ReadRegular also refuses anything
//     but a regular file, and a symlink at the path.
//   - Name turns an id a server answered into a file name, or refuses it.
//
// Every function is safe for concurrent use.
package safefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// TempPrefix begins the name of every temporary file Write makes; nothing
// else this module writes is named so, and RemoveStale removes only those.
const TempPrefix = ".gcflow-tmp-"

// StaleAfter is how old a temporary file must be before RemoveStale takes
// it for a crashed writer's: a live writer renames its file in well under
// that.
const StaleAfter = time.Hour

// MaxNameBytes bounds a file name made by Name: ids are UUIDs or short
// static names, and file systems cap a name at 255 bytes.
const MaxNameBytes = 200

// Sentinels for errors.Is; the errors themselves say which file and why.
var (
	// ErrTooLarge: a file is larger than the cap it was read with.
	ErrTooLarge = errors.New("safefile: file too large")
	// ErrNotRegular: a symlink, a folder, a device or a pipe where a
	// regular file must be.
	ErrNotRegular = errors.New("safefile: not a regular file")
	// ErrBadName: an id that cannot be a file name.
	ErrBadName = errors.New("safefile: not usable as a file name")
)

// fileError is an error of one of the sentinels' kind, in its own words.
type fileError struct {
	kind error
	msg  string
}

func (e *fileError) Error() string        { return "safefile: " + e.msg }
func (e *fileError) Is(target error) bool { return target == e.kind }

func errorf(kind error, format string, args ...any) error {
	return &fileError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// tempFile is what write needs of a temporary file; tests give one that
// fails.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// Write writes data to path atomically. Its folder is created with mode
// 0700 when missing (an existing folder keeps its mode); the file has mode
// 0600 and is synced before the rename, so that a crash leaves the old file
// or the new one, never a part.
func Write(path string, data []byte) error {
	return write(path, data, func(dir string) (tempFile, error) { return os.CreateTemp(dir, TempPrefix+"*") })
}

func write(path string, data []byte, create func(dir string) (tempFile, error)) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := create(dir)
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// IsTemp reports whether name (a base name) is one of Write's temporary
// files.
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }

// WriteJSON writes v as indented JSON, with a final newline, through
// Write.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return Write(path, append(b, '\n'))
}

// RemoveStale removes from dir (not below it) the temporary files of Write
// that are regular files older than StaleAfter: what a crashed writer left.
// It touches nothing else, and reports how many it removed.
func RemoveStale(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	cutoff := time.Now().Add(-StaleAfter)
	for _, e := range entries {
		if !IsTemp(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// OpenAppend opens path for appending, creating it with mode 0600 (and its
// folder with 0700) when missing. A symlink at path is refused, not
// followed, and so is anything but a regular file.
func OpenAppend(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, explainOpen(path, err)
	}
	if err := checkRegular(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile reads path, following symlinks, but no more than limit bytes: a
// larger file is ErrTooLarge, after reading limit+1 bytes of it (so
// /dev/zero is refused too).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, path, limit)
}

// ReadRegular reads path like ReadFile, but only when it is a regular file
// and not a symlink: a backup folder cannot point a restore elsewhere.
func ReadRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow|nonBlock, 0)
	if err != nil {
		return nil, explainOpen(path, err)
	}
	defer f.Close()
	if err := checkRegular(f, path); err != nil {
		return nil, err
	}
	return readLimited(f, path, limit)
}

func readLimited(r io.Reader, path string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errorf(ErrTooLarge, "%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

func checkRegular(f *os.File, path string) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return errorf(ErrNotRegular, "%s is a %s, not a regular file", path, kind(info.Mode()))
	}
	return nil
}

// explainOpen says that a symlink was refused, where the platform says
// only ELOOP.
func explainOpen(path string, err error) error {
	if info, lerr := os.Lstat(path); lerr == nil && info.Mode()&fs.ModeSymlink != 0 {
		return errorf(ErrNotRegular, "%s is a symbolic link, not a regular file", path)
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "folder"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// Name returns the file name an id (a flow's, an action's) is kept under,
// escaped as a URL path segment. It refuses an empty id, "." and "..", path
// separators, NUL and every other control character, and ids longer than
// MaxNameBytes once escaped: an id a server answered never becomes a path
// outside the folder it is written to.
func Name(id string) (string, error) {
	switch {
	case id == "":
		return "", errorf(ErrBadName, "an empty id cannot be a file name")
	case id == "." || id == "..":
		return "", errorf(ErrBadName, "id %q cannot be a file name", id)
	case !utf8.ValidString(id):
		return "", errorf(ErrBadName, "id %q is not UTF-8", truncate(id))
	case strings.ContainsAny(id, `/\`):
		return "", errorf(ErrBadName, "id %q holds a path separator", truncate(id))
	case strings.ContainsFunc(id, isControl):
		return "", errorf(ErrBadName, "id %q holds a control character", truncate(id))
	case IsTemp(id):
		return "", errorf(ErrBadName, "id %q looks like a temporary file", truncate(id))
	}
	name := url.PathEscape(id)
	if len(name) > MaxNameBytes {
		return "", errorf(ErrBadName, "id %q is longer than %d bytes as a file name", truncate(id), MaxNameBytes)
	}
	return name, nil
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

func truncate(s string) string {
	if len(s) <= 60 {
		return s
	}
	return s[:60] + "..."
}
