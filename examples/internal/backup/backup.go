// Package backup writes and reads the backup folders of examples/raise and
// examples/restore: for each flow, <flow id>.json holds the configuration's
// exact bytes and <flow id>.manifest.json says whose they are (flow id,
// name, type, the version backed up, the bytes' sha256), so that restore can
// refuse a file put back over the wrong flow. It uses the module's public
// API only.
package backup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
)

// manifestSuffix ends a manifest's file name; a backup's is ".json".
const manifestSuffix = ".manifest.json"

// Manifest says whose configuration a backup file holds.
type Manifest struct {
	FlowID   string    `json:"flowId"`
	FlowName string    `json:"flowName"`
	FlowType string    `json:"flowType"`
	Version  string    `json:"version"`
	SHA256   string    `json:"sha256"`
	Bytes    int       `json:"bytes"`
	Time     time.Time `json:"time"`
}

// Dir is a backup folder, created when the first backup is written (so a
// run that writes none leaves no empty folder). Safe for concurrent use.
type Dir struct {
	Path string
	mu   sync.Mutex
	n    int
}

// Write writes o's configuration and its manifest, each to a temporary
// file renamed into place. It has client.UpdateOptions.Backup's shape.
func (d *Dir) Write(o *client.Original) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return err
	}
	sum := sha256.Sum256(o.Config)
	m := Manifest{FlowID: o.FlowID, FlowName: o.FlowName, FlowType: strings.ToLower(o.FlowType), Version: o.VersionID,
		SHA256: hex.EncodeToString(sum[:]), Bytes: len(o.Config), Time: time.Now().UTC()}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	base := filepath.Join(d.Path, url.PathEscape(o.FlowID))
	if err := writeFile(base+".json", o.Config); err != nil {
		return err
	}
	if err := writeFile(base+manifestSuffix, append(mb, '\n')); err != nil {
		return err
	}
	d.n++
	return nil
}

// Count is the number of backups written.
func (d *Dir) Count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Files lists the backup files of a folder, sorted: every *.json but the
// manifests.
func Files(dir string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range all {
		if !strings.HasSuffix(p, manifestSuffix) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Backup is one backup file read from disk.
type Backup struct {
	Path string
	// FlowID is the flow the file's name says it belongs to.
	FlowID string
	Config []byte
	// Manifest is the file's manifest; nil when it has none.
	Manifest *Manifest
}

// Read reads a backup file (<flow id>.json) and its manifest, if any.
func Read(path string) (*Backup, error) {
	name := filepath.Base(path)
	if !strings.HasSuffix(name, ".json") || strings.HasSuffix(name, manifestSuffix) {
		return nil, fmt.Errorf("%s is not named <flow id>.json", path)
	}
	id, err := url.PathUnescape(strings.TrimSuffix(name, ".json"))
	if err != nil || strings.TrimSpace(id) == "" {
		return nil, fmt.Errorf("%s is not named <flow id>.json", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := &Backup{Path: path, FlowID: id, Config: b}
	mpath := strings.TrimSuffix(path, ".json") + manifestSuffix
	mb, err := os.ReadFile(mpath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return out, nil
	case err != nil:
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a backup manifest: %v", mpath, err)
	}
	out.Manifest = &m
	return out, nil
}

// Check says why b must not be restored over f, or nil when it may: its
// manifest must exist, name f's id and type, and match the file's bytes.
func (b *Backup) Check(f *client.Flow) error {
	m := b.Manifest
	if m == nil {
		return fmt.Errorf("%s has no manifest (%s), so nothing says whose configuration it is", b.Path, filepath.Base(strings.TrimSuffix(b.Path, ".json")+manifestSuffix))
	}
	sum := sha256.Sum256(b.Config)
	if got := hex.EncodeToString(sum[:]); got != m.SHA256 {
		return fmt.Errorf("%s: its bytes are not the ones backed up (sha256 %s, the manifest says %s)", b.Path, got[:12], short(m.SHA256))
	}
	if m.FlowID != f.ID {
		return fmt.Errorf("%s holds flow %s (%s), not flow %s (%s)", b.Path, m.FlowID, m.FlowName, f.ID, f.Name)
	}
	if !strings.EqualFold(m.FlowType, f.Type) {
		return fmt.Errorf("%s holds a %s flow, but flow %s (%s) is a %s flow", b.Path, m.FlowType, f.ID, f.Name, strings.ToLower(f.Type))
	}
	return nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
