package clienttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
)

type flowState struct {
	id, name, description, typ string // typ lower case
	deleted                    bool
	versions                   []*version // committed (CHECKIN, PUBLISH), oldest first
	draft                      *version   // SAVE: the saved configuration, if any
	published                  *version
	lock                       *lock
	op                         *operation
	failPublish                *operationFailure
	nextVersion                int
}

// version is one configuration. Every change the API commits (check-in,
// publish, unlock of a saved draft) gets the next number; saves while a
// flow is checked out share the number the check-in will take (modelled).
type version struct {
	n        int
	typ      string // SAVE, CHECKIN, PUBLISH
	config   []byte
	created  time.Time
	byClient string
	byUser   string
	// gen is the version's generationId: new for every version made, so a
	// saved version re-created under the same id is told apart.
	gen string
}

func (v *version) id() string { return strconv.Itoa(v.n) + ".0" }

type lock struct {
	clientID string // an OAuth client, or
	userID   string // a user (another person in Architect)
	userName string
}

type operation struct {
	id, action string
	clientID   string
	readsLeft  int
	complete   bool
	status     string
	errCode    string
	errMsg     string
	finish     func() // applies the operation's effect when it completes
}

type operationFailure struct{ code, message string }

// FlowSeed describes a flow to add.
type FlowSeed struct {
	// ID is the flow's id; empty means one is made up.
	ID string
	// Name and Type (lower case: inboundcall, workflow, ...) are required.
	Name, Type, Description string
	// Config is the configuration of its first version, in either document
	// shape, stored and served byte for byte.
	Config []byte
	// Unpublished leaves the first version checked in but not published.
	Unpublished bool
	// Draft, when set, is saved on top as an unpublished draft: a newer
	// checked-in version, or with DraftSavedOnly a saved configuration.
	Draft          []byte
	DraftSavedOnly bool
	// LockedByUser, when set, is a user name that holds the flow's lock.
	LockedByUser string
}

// AddFlow adds a flow with one version and returns its id.
func (o *Org) AddFlow(s FlowSeed) (string, error) {
	if s.Name == "" || s.Type == "" {
		return "", errors.New("clienttest: a flow needs a name and a type")
	}
	if !json.Valid(s.Config) || (s.Draft != nil && !json.Valid(s.Draft)) {
		return "", fmt.Errorf("clienttest: flow %q: the configuration is not JSON", s.Name)
	}
	o.lock()
	defer o.mu.Unlock()
	if s.ID == "" {
		s.ID = o.nextID("flow")
	}
	if _, dup := o.flows[s.ID]; dup {
		return "", fmt.Errorf("clienttest: flow id %q exists", s.ID)
	}
	f := &flowState{id: s.ID, name: s.Name, description: s.Description, typ: strings.ToLower(s.Type)}
	now := o.opts.Now()
	first := f.commit(s.Config, "CHECKIN", "seed", "", now)
	if !s.Unpublished {
		first.typ = "PUBLISH"
		f.published = first
	}
	if s.Draft != nil {
		if s.DraftSavedOnly {
			f.draft = &version{n: f.nextVersion + 1, typ: "SAVE", config: append([]byte(nil), s.Draft...), created: now, byUser: "seed", gen: newGeneration()}
		} else {
			f.commit(s.Draft, "CHECKIN", "", "seed", now)
		}
	}
	if s.LockedByUser != "" {
		f.lock = &lock{userID: "user-" + strings.ReplaceAll(strings.ToLower(s.LockedByUser), " ", "-"), userName: s.LockedByUser}
	}
	o.flows[s.ID] = f
	return s.ID, nil
}

// commit adds a committed version with the next number.
func (f *flowState) commit(config []byte, typ, byClient, byUser string, now time.Time) *version {
	f.nextVersion++
	v := &version{n: f.nextVersion, typ: typ, config: append([]byte(nil), config...), created: now, byClient: byClient, byUser: byUser, gen: newGeneration()}
	f.versions = append(f.versions, v)
	return v
}

func (f *flowState) latest() *version {
	if f.draft != nil {
		return f.draft
	}
	if len(f.versions) == 0 {
		return nil
	}
	return f.versions[len(f.versions)-1]
}

func (f *flowState) find(id string) *version {
	if f.draft != nil && f.draft.id() == id {
		return f.draft
	}
	for _, v := range f.versions {
		if v.id() == id {
			return v
		}
	}
	return nil
}

// RemoveDataAction deletes an integration action: reading it is then a 404.
func (o *Org) RemoveDataAction(id string) error {
	o.lock()
	defer o.mu.Unlock()
	if _, ok := o.actions[id]; !ok {
		return fmt.Errorf("clienttest: no data action %q", id)
	}
	delete(o.actions, id)
	return nil
}

// LockByUser makes a user (another person, in Architect) hold the lock.
func (o *Org) LockByUser(flowID, userName string) error {
	return o.withFlow(flowID, func(f *flowState) error {
		f.lock = &lock{userID: "user-" + strings.ReplaceAll(strings.ToLower(userName), " ", "-"), userName: userName}
		return nil
	})
}

// ReleaseLock releases whoever holds the lock, checking nothing in.
func (o *Org) ReleaseLock(flowID string) error {
	return o.withFlow(flowID, func(f *flowState) error { f.lock = nil; return nil })
}

// CommitAsUser makes another user change the flow: config is checked in as
// a new version, and published too when publish is set.
func (o *Org) CommitAsUser(flowID, userName string, config []byte, publish bool) error {
	return o.withFlow(flowID, func(f *flowState) error {
		if f.lock != nil && f.lock.userName != userName {
			return fmt.Errorf("clienttest: flow %s is locked", flowID)
		}
		v := f.commit(config, "CHECKIN", "", userName, o.opts.Now())
		if publish {
			v.typ = "PUBLISH"
			f.published = v
		}
		f.draft = nil
		return nil
	})
}

// FailNextPublish makes the next publish of flowID end in FAILURE with the
// given code and message; the flow stays locked by the publisher with its
// draft (modelled).
func (o *Org) FailNextPublish(flowID, code, message string) error {
	return o.withFlow(flowID, func(f *flowState) error {
		f.failPublish = &operationFailure{code, message}
		return nil
	})
}

func (o *Org) withFlow(id string, fn func(*flowState) error) error {
	o.lock()
	defer o.mu.Unlock()
	f, ok := o.flows[id]
	if !ok {
		return fmt.Errorf("clienttest: no flow %q", id)
	}
	return fn(f)
}

// Version is a stored version, for inspection.
type Version struct {
	ID, Type string
	// Config is the exact bytes saved.
	Config   []byte
	ByClient string
	ByUser   string
}

// Versions returns a flow's versions, oldest first, and its saved draft last.
func (o *Org) Versions(flowID string) []Version {
	o.lock()
	defer o.mu.Unlock()
	f, ok := o.flows[flowID]
	if !ok {
		return nil
	}
	vs := slices.Clone(f.versions)
	if f.draft != nil {
		vs = append(vs, f.draft)
	}
	out := make([]Version, len(vs))
	for i, v := range vs {
		out[i] = Version{ID: v.id(), Type: v.typ, Config: slices.Clone(v.config), ByClient: v.byClient, ByUser: v.byUser}
	}
	return out
}

// Published returns the configuration of the flow's published version, or nil.
func (o *Org) Published(flowID string) []byte {
	o.lock()
	defer o.mu.Unlock()
	if f, ok := o.flows[flowID]; ok && f.published != nil {
		return slices.Clone(f.published.config)
	}
	return nil
}

// Latest returns the flow's newest saved configuration, or nil.
func (o *Org) Latest(flowID string) []byte {
	o.lock()
	defer o.mu.Unlock()
	if f, ok := o.flows[flowID]; ok && f.latest() != nil {
		return slices.Clone(f.latest().config)
	}
	return nil
}

// LockHolder says who holds a flow's lock: "client <id>", "user <name>", or
// "" when nobody does.
func (o *Org) LockHolder(flowID string) string {
	o.lock()
	defer o.mu.Unlock()
	f, ok := o.flows[flowID]
	switch {
	case !ok || f.lock == nil:
		return ""
	case f.lock.clientID != "":
		return "client " + f.lock.clientID
	default:
		return "user " + f.lock.userName
	}
}

// FlowIDs returns every flow's id, sorted by name then id.
func (o *Org) FlowIDs() []string {
	o.lock()
	defer o.mu.Unlock()
	return o.sortedIDs()
}

func (o *Org) sortedIDs() []string {
	ids := make([]string, 0, len(o.flows))
	for id := range o.flows {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(o.flows[a].name), strings.ToLower(o.flows[b].name)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

// flowJSON is the Flow model of a flow's state.
func (o *Org) flowJSON(f *flowState) client.Flow {
	out := client.Flow{
		ID: f.id, Name: f.name, Description: f.description, Type: strings.ToUpper(f.typ),
		Division: &client.Ref{ID: "division-home", Name: "Home"},
		Active:   f.published != nil, Deleted: f.deleted,
		SelfURI: "/api/v2/flows/" + f.id,
	}
	if f.lock != nil {
		if f.lock.clientID != "" {
			out.LockedClient = &client.Ref{ID: f.lock.clientID, Name: o.clients[f.lock.clientID].name}
		} else {
			out.LockedUser = &client.Ref{ID: f.lock.userID, Name: f.lock.userName}
		}
	}
	if f.published != nil {
		out.PublishedVersion = o.versionJSON(f, f.published)
	}
	if len(f.versions) > 0 {
		out.CheckedInVersion = o.versionJSON(f, f.versions[len(f.versions)-1])
	}
	if f.draft != nil {
		out.SavedVersion = o.versionJSON(f, f.draft)
	}
	if op := f.op; op != nil {
		out.CurrentOperation = &client.Operation{
			ID: op.id, Complete: op.complete, ActionName: op.action, ActionStatus: op.status,
			Client: &client.Ref{ID: op.clientID}, ErrorCode: op.errCode, ErrorMessage: op.errMsg,
		}
	}
	return out
}

func (o *Org) versionJSON(f *flowState, v *version) *client.FlowVersion {
	out := &client.FlowVersion{
		ID: v.id(), Name: f.name, Type: v.typ, CommitVersion: v.id(), ConfigurationVersion: v.id(),
		DateCreated: v.created.UnixMilli(), GenerationID: v.gen,
		ConfigurationURI: "/api/v2/flows/" + f.id + "/versions/" + v.id() + "/configuration",
		SelfURI:          "/api/v2/flows/" + f.id + "/versions/" + v.id(),
	}
	if v.byClient != "" {
		out.CreatedByClient = &client.Ref{ID: v.byClient}
	}
	if v.byUser != "" {
		out.CreatedBy = &client.Ref{ID: "user-" + v.byUser, Name: v.byUser}
	}
	return out
}
