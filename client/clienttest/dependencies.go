package clienttest

import (
	"net/http"
	"strings"

	"github.com/gcflow/timeouts/flow"
)

// SetDependencyBuild sets the status the dependency index reports
// (OPERATIONAL by default; OPERATIONALNEEDSREBUILD, BUILDINITIALIZING,
// BUILDINPROGRESS, NOTBUILT: the SDK's enum). While it is not OPERATIONAL,
// the consumers it
// lists are partial: every second one is missing (modelled).
func (o *Org) SetDependencyBuild(status string) {
	o.lock()
	defer o.mu.Unlock()
	o.depBuild = status
}

func (o *Org) dependencyBuild(w http.ResponseWriter, _ *http.Request) {
	o.lock()
	status := o.depBuild
	o.mu.Unlock()
	if status == "" {
		status = dependencyOperational
	}
	writeJSON(w, map[string]string{"status": status})
}

// consumingResources lists the flows whose published or latest
// configuration names the action (objectType DATAACTION; the fake has no
// secure actions, so SECUREACTION lists none). Types are named as
// dependency tracking names them: INBOUNDCALLFLOW, WORKFLOW, ... (modelled).
func (o *Org) consumingResources(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	number, size, ok := pageParams(w, q)
	if !ok {
		return
	}
	id, objectType := q.Get("id"), q.Get("objectType")
	switch {
	case id == "":
		writeError(w, http.StatusBadRequest, "bad.request", "The query parameter id is required")
		return
	case objectType != "DATAACTION" && objectType != "SECUREACTION":
		writeError(w, http.StatusBadRequest, "bad.request", "objectType must be DATAACTION or SECUREACTION here")
		return
	}
	o.lock()
	var all []consumer
	for _, fid := range o.sortedIDs() {
		f := o.flows[fid]
		if objectType != "DATAACTION" || f.deleted {
			continue
		}
		if types := listParam(q, "resourceType"); len(types) > 0 && !contains(types, dependencyType(f.typ)) {
			continue
		}
		if usesAction(f, id) {
			c := consumer{ID: f.id, Name: f.name, Type: dependencyType(f.typ)}
			if f.published != nil {
				c.Version = f.published.id()
			}
			all = append(all, c)
		}
	}
	if o.depBuild != "" && o.depBuild != dependencyOperational {
		partial := all[:0:0]
		for i, c := range all {
			if i%2 == 0 {
				partial = append(partial, c)
			}
		}
		all = partial
	}
	o.mu.Unlock()
	if all == nil {
		all = []consumer{}
	}
	writeJSON(w, paged(r, all, number, size))
}

// usesAction reports whether the flow's published or latest configuration
// has a Data Action that names the action.
func usesAction(f *flowState, actionID string) bool {
	for _, v := range []*version{f.published, f.latest()} {
		if v == nil {
			continue
		}
		doc, err := flow.Parse(v.config)
		if err != nil {
			continue
		}
		for _, n := range doc.DataActions() {
			if n.ActionID == actionID {
				return true
			}
		}
	}
	return false
}

func dependencyType(typ string) string {
	if typ == "workflow" {
		return "WORKFLOW"
	}
	return strings.ToUpper(typ) + "FLOW"
}

// dependencyOperational is the build status of a complete index.
const dependencyOperational = "OPERATIONAL"

// consumer is one object that uses an action, as dependency tracking
// lists it.
type consumer struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Type    string `json:"type,omitempty"`
	Version string `json:"version,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}
