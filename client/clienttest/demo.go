package clienttest

import (
	"embed"
	"encoding/json"
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
	} `json:"actions"`
	Flows []struct {
		ID, Name, Type, File, DraftFile, LockedBy string
	} `json:"flows"`
}

// AddDemo adds the demo organisation: 40 flows of several types (36 in the
// Architect shape, 4 in the tutorial's) with Data Actions below and above
// 5 s, nodes that use the suggested timeout, expression timeouts, twelve data
// actions whose own timeouts run from 3 to 60 s, one flow locked by the user
// Jane Doe and one with an unpublished draft. It is the same every time.
func (o *Org) AddDemo() error {
	b, err := demoFS.ReadFile("demo/manifest.json")
	if err != nil {
		return fmt.Errorf("clienttest: demo: %w", err)
	}
	var m demoManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("clienttest: demo manifest: %w", err)
	}
	for _, a := range m.Actions {
		o.AddDataAction(a.ID, a.Name, a.TimeoutSeconds)
	}
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

// NewDemoServer starts a server holding the demo organisation (AddDemo).
func NewDemoServer(opts *Options) (*Server, error) {
	s := NewServer(opts)
	if err := s.AddDemo(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
