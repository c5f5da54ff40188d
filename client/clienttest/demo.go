package clienttest

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
)

//go:generate go run ./internal/demogen/gendemo -out demo

// demoFS holds the demo organisation, written by internal/demogen.
//
//go:embed demo/*.json
var demoFS embed.FS

// DemoFiles returns the demo organisation's files (manifest.json and the flow
// documents), for tests that want to compare with what the server holds.
func DemoFiles() fs.FS {
	sub, _ := fs.Sub(demoFS, "demo")
	return sub
}

type demoManifest struct {
	Actions []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		TimeoutSeconds int    `json:"timeoutSeconds"`
		Kind           string `json:"kind"` // "", "static" or "function"
	} `json:"actions"`
	Flows []struct {
		ID, Name, Type, File, DraftFile, LockedBy string
	} `json:"flows"`
}

// AddDemo adds the demo organisation: 40 flows of several types (36 in the
// Architect shape, 4 in the tutorial's) with Data Actions below and above
// 5 s, nodes that use the suggested timeout, expression timeouts, twelve data
// actions whose own timeouts run from 3 to 60 s, a built-in (static) action
// of 2 s and a function action of 3 s that two flows use, one flow locked by
// the user Jane Doe and one with an unpublished draft. It is the same every
// time.
func (o *Org) AddDemo() error {
	m, err := readDemoManifest()
	if err != nil {
		return err
	}
	o.addDemoActions(m)
	for _, f := range m.Flows {
		config, err := demoFS.ReadFile("demo/" + f.File)
		if err != nil {
			return fmt.Errorf("clienttest: demo flow %s: %w", f.ID, err)
		}
		seed := FlowSeed{ID: f.ID, Name: f.Name, Type: f.Type, Description: "Demo flow", Config: config, LockedByUser: f.LockedBy}
		if f.DraftFile != "" {
			if seed.Draft, err = demoFS.ReadFile("demo/" + f.DraftFile); err != nil {
				return fmt.Errorf("clienttest: demo flow %s: %w", f.ID, err)
			}
		}
		if _, err := o.AddFlow(seed); err != nil {
			return err
		}
	}
	return nil
}

// GrowDemo adds published copies of the demo's flows (bar the locked one
// and the one with a draft), with ids "copy-0040" on, until the
// organisation holds n flows: a large organisation for benchmarks and
// load tests. Call it after AddDemo.
func (o *Org) GrowDemo(n int) error {
	o.lock()
	var plain []*flowState
	for _, id := range o.sortedIDs() {
		if f := o.flows[id]; f.lock == nil && f.draft == nil && len(f.versions) == 1 && f.published != nil {
			plain = append(plain, f)
		}
	}
	have := len(o.flows)
	o.mu.Unlock()
	if len(plain) == 0 {
		return errors.New("clienttest: GrowDemo: no published flow to copy (call AddDemo first)")
	}
	for i := have; i < n; i++ {
		src := plain[(i-have)%len(plain)]
		_, err := o.AddFlow(FlowSeed{ID: fmt.Sprintf("copy-%04d", i), Name: fmt.Sprintf("Copy %04d of %s", i, src.name), Type: src.typ, Config: src.published.config})
		if err != nil {
			return err
		}
	}
	return nil
}

// AddDemoActions adds only the demo organisation's data actions, for tests
// that make their own flows from the demo's documents (DemoFiles).
func (o *Org) AddDemoActions() error {
	m, err := readDemoManifest()
	if err != nil {
		return err
	}
	o.addDemoActions(m)
	return nil
}

func (o *Org) addDemoActions(m *demoManifest) {
	for _, a := range m.Actions {
		if a.Kind == "function" {
			o.AddFunctionAction(a.ID, a.Name, a.TimeoutSeconds)
		} else {
			o.AddDataAction(a.ID, a.Name, a.TimeoutSeconds) // a static one is told by its id
		}
	}
}

func readDemoManifest() (*demoManifest, error) {
	b, err := demoFS.ReadFile("demo/manifest.json")
	if err != nil {
		return nil, fmt.Errorf("clienttest: demo: %w", err)
	}
	var m demoManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("clienttest: demo manifest: %w", err)
	}
	return &m, nil
}

// NewDemoServer starts a server holding the demo organisation (AddDemo).
func NewDemoServer(opts *Options) (*Server, error) {
	s := NewServer(opts)
	if err := s.AddDemo(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
