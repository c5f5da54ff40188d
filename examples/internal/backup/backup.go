// Package backup writes and reads the backup folders of examples/raise and
// examples/restore: for each flow, <flow id>.json holds the configuration's
// exact bytes and <flow id>.manifest.json says whose they are (flow id,
// name, type, the version backed up, the bytes' sha256), so that restore can
// refuse a file put back over the wrong flow.
//
// Files are written 0600 in a 0700 folder by one atomic write that replaces
// a symlink at its target rather than follow it; a flow id becomes a file
// name only through safefile.Name, which refuses "..", separators and
// control characters. Reads take regular files only (no symlink out of the
// folder), through the same size cap as an API answer.
package backup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/safefile"
)

// maxManifestBytes caps a manifest's read; a configuration's is
// flow.MaxDocumentBytes.
const maxManifestBytes = 64 << 10

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
	// NewSHA256 is the sha256 of the configuration the run's change left
	// (client.UpdateResult.ToSHA256), once written and verified: restore
	// puts the backup back only while the flow still holds it. Empty when
	// the run did not get that far, or its backups predate this.
	NewSHA256 string `json:"newSha256,omitempty"`
}

// Dir is a backup folder, created when the first backup is written (so a
// run that writes none leaves no empty folder). Safe for concurrent use.
type Dir struct {
	Path string
	mu   sync.Mutex
	n    int
}

// FileName is the backup file's name of a flow id: "<escaped id>.json".
// An id that cannot be a file name ("..", a separator, a control
// character) is an error: a server's answer never writes outside the
// folder.
func FileName(flowID string) (string, error) {
	name, err := safefile.Name(flowID)
	if err != nil {
		return "", err // it names the id
	}
	return name + ".json", nil
}

// Write writes o's configuration and its manifest, each to a temporary
// file renamed into place. It has client.UpdateOptions.Backup's shape.
func (d *Dir) Write(o *client.Original) error {
	name, err := FileName(o.FlowID)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == 0 {
		safefile.RemoveStale(d.Path) // what a crashed run left in a reused folder
	}
	sum := sha256.Sum256(o.Config)
	m := Manifest{FlowID: o.FlowID, FlowName: o.FlowName, FlowType: strings.ToLower(o.FlowType), Version: o.VersionID,
		SHA256: hex.EncodeToString(sum[:]), Bytes: len(o.Config), Time: time.Now().UTC()}
	base := filepath.Join(d.Path, strings.TrimSuffix(name, ".json"))
	if err := safefile.Write(base+".json", o.Config); err != nil {
		return err
	}
	if err := safefile.WriteJSON(base+manifestSuffix, m); err != nil {
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
	b, err := safefile.ReadRegular(path, flow.MaxDocumentBytes)
	if err != nil {
		return nil, err
	}
	out := &Backup{Path: path, FlowID: id, Config: b}
	mpath := strings.TrimSuffix(path, ".json") + manifestSuffix
	var m Manifest
	err = readManifest(mpath, "a backup manifest", &m)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out, nil
	case err != nil:
		return nil, err
	}
	out.Manifest = &m
	return out, nil
}

// readManifest reads a manifest file into m, strictly: a field it does not
// know means it is not what it claims to be (what names it).
func readManifest(path, what string, m any) error {
	mb, err := safefile.ReadRegular(path, maxManifestBytes)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return fmt.Errorf("%s: not %s: %v", path, what, err)
	}
	return nil
}

// Check says why b must not be restored over f, or nil when it may: its
// manifest must exist, match the file's bytes, and name f's id, type and
// name; and the configuration's own name, where it has one, must be f's.
// A manifest edited to name another flow is caught by the last: the bytes
// still say whose they are. A flow renamed since the backup is the one
// honest use of -force.
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
	if m.FlowName != f.Name {
		return fmt.Errorf("%s holds flow %s named %s, but flow %s is named %s now", b.Path, m.FlowID, strconv.Quote(m.FlowName), f.ID, strconv.Quote(f.Name))
	}
	if own := gjson.GetBytes(b.Config, "name"); own.Type == gjson.String && own.String() != f.Name {
		return fmt.Errorf("%s: the configuration names itself %s, but flow %s is named %s", b.Path, strconv.Quote(own.String()), f.ID, strconv.Quote(f.Name))
	}
	return nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// ActionsDir is the subfolder of a backup folder that holds the actions a
// run changed: <action id>.json, the action as read (with its config; a
// function action's function settings as read), and
// <action id>.manifest.json.
const ActionsDir = "actions"

// ActionManifest says whose action a backup file holds and what the run
// that wrote it changed: restore puts FromSeconds back only while the
// action still has ToSeconds.
type ActionManifest struct {
	ActionID string `json:"actionId"`
	Name     string `json:"name"`
	// Version is the version read; NewVersion the one the change made
	// (0 until the change is confirmed).
	Version    int       `json:"version"`
	NewVersion int       `json:"newVersion"`
	ToSeconds  int       `json:"toSeconds"`
	SHA256     string    `json:"sha256"`
	Bytes      int       `json:"bytes"`
	Time       time.Time `json:"time"`
}

// WriteAction writes the action as read, and its manifest, before the run
// changes its timeout to toSeconds. An action the folder holds a backup of
// already (a policy's raise goes higher for a later flow, or the folder is
// reused) keeps the backup it has, the earliest original: only its
// manifest's ToSeconds moves to the new change, so that restore puts the
// earliest original back, and only while the action has what was written
// last.
func (d *Dir) WriteAction(actionID string, read []byte, toSeconds int) error {
	name, err := FileName(actionID)
	if err != nil {
		return err
	}
	base := filepath.Join(d.Path, ActionsDir, strings.TrimSuffix(name, ".json"))
	d.mu.Lock()
	defer d.mu.Unlock()
	if m, err := readActionManifest(base + manifestSuffix); err == nil && m.ActionID == actionID {
		if _, err := os.Lstat(base + ".json"); err == nil {
			m.ToSeconds, m.NewVersion, m.Time = toSeconds, 0, time.Now().UTC()
			return safefile.WriteJSON(base+manifestSuffix, m)
		}
	}
	a := gjson.ParseBytes(read)
	sum := sha256.Sum256(read)
	title := a.Get("name").Str
	if title == "" {
		title = a.Get("function.name").Str // a function's settings
	}
	m := ActionManifest{ActionID: actionID, Name: title, Version: int(a.Get("version").Int()), ToSeconds: toSeconds,
		SHA256: hex.EncodeToString(sum[:]), Bytes: len(read), Time: time.Now().UTC()}
	if err := safefile.Write(base+".json", read); err != nil {
		return err
	}
	if err := safefile.WriteJSON(base+manifestSuffix, m); err != nil {
		return err
	}
	d.n++
	return nil
}

// FlowWritten records in a flow's manifest the sha256 of the configuration
// its change left. A manifest that is missing (the change was not this
// run's) is left so.
func (d *Dir) FlowWritten(flowID, newSHA256 string) error {
	name, err := FileName(flowID)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	path := filepath.Join(d.Path, strings.TrimSuffix(name, ".json")+manifestSuffix)
	var m Manifest
	err = readManifest(path, "a backup manifest", &m)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	m.NewSHA256 = newSHA256
	return safefile.WriteJSON(path, m)
}

// ActionWritten records in an action's manifest the version its change
// made. A manifest that is missing (the change was not this run's) is left
// so.
func (d *Dir) ActionWritten(actionID string, newVersion int) error {
	name, err := FileName(actionID)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	path := filepath.Join(d.Path, ActionsDir, strings.TrimSuffix(name, ".json")+manifestSuffix)
	m, err := readActionManifest(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	m.NewVersion = newVersion
	return safefile.WriteJSON(path, m)
}

func readActionManifest(path string) (*ActionManifest, error) {
	var m ActionManifest
	if err := readManifest(path, "an action backup manifest", &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ActionBackup is one action backup read from disk.
type ActionBackup struct {
	Path     string
	ActionID string
	// Read is the action as it was read before the change.
	Read     []byte
	Manifest *ActionManifest
}

// ReadActions reads the action backups of a backup folder, sorted by file
// name; none when it has no actions subfolder. A backup without its
// manifest, or whose bytes or id do not match it, is an error: an action
// is put back only with what its run recorded.
func ReadActions(dir string) ([]*ActionBackup, error) {
	all, err := filepath.Glob(filepath.Join(dir, ActionsDir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(all)
	var out []*ActionBackup
	for _, path := range all {
		if strings.HasSuffix(path, manifestSuffix) {
			continue
		}
		id, err := url.PathUnescape(strings.TrimSuffix(filepath.Base(path), ".json"))
		if err != nil || strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("%s is not named <action id>.json", path)
		}
		read, err := safefile.ReadRegular(path, flow.MaxDocumentBytes)
		if err != nil {
			return nil, err
		}
		m, err := readActionManifest(strings.TrimSuffix(path, ".json") + manifestSuffix)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(read)
		switch {
		case m.ActionID != id:
			return nil, fmt.Errorf("%s: its manifest names action %s, not %s", path, m.ActionID, id)
		case hex.EncodeToString(sum[:]) != m.SHA256:
			return nil, fmt.Errorf("%s: its bytes are not the ones backed up", path)
		}
		out = append(out, &ActionBackup{Path: path, ActionID: id, Read: read, Manifest: m})
	}
	return out, nil
}

// FromSeconds is the action's own timeoutSeconds as backed up, and whether
// it had one: a function action's backup holds its function's settings
// (Function), whose timeoutSeconds is its own.
func (a *ActionBackup) FromSeconds() (int, bool) {
	key := "config.timeoutSeconds"
	if a.Function() {
		key = "function.timeoutSeconds"
	}
	t := gjson.GetBytes(a.Read, key)
	return int(t.Int()), t.Type == gjson.Number && t.Raw == strconv.FormatInt(t.Int(), 10)
}

// Function reports whether the backup holds a function action's function
// settings (GET .../function: a "function" object, no "config") rather
// than an action.
func (a *ActionBackup) Function() bool {
	return gjson.GetBytes(a.Read, "function").IsObject() && !gjson.GetBytes(a.Read, "config").Exists()
}

// Check says what makes the backup one that restore cannot put back: no
// whole timeoutSeconds, one outside what the action takes (1 to 60 s; a
// function's 1 to 15 s), or no timeout written in its manifest. It reads
// nothing but the backup, so that every backup is checked before the first
// request.
func (a *ActionBackup) Check() error {
	from, ok := a.FromSeconds()
	max, what := int(flow.MaxDataActionTimeout/time.Second), "timeoutSeconds"
	if a.Function() {
		max, what = int(dataaction.MaxFunctionTimeout/time.Second), "function's timeoutSeconds"
	}
	switch {
	case !ok:
		return fmt.Errorf("%s: it holds no whole %s to put back", a.Path, what)
	case from < 1 || from > max:
		return fmt.Errorf("%s: its %s is %d, not 1 to %d", a.Path, what, from, max)
	case a.Manifest.ToSeconds <= 0:
		return fmt.Errorf("%s: its manifest names no timeout written", a.Path)
	}
	return nil
}
