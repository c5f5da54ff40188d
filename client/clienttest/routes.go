package clienttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/flow"
)

type ctxKey struct{}

func withClient(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

func callerOf(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

func (o *Org) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v2/flows", o.listFlows)
	m.HandleFunc("GET /api/v2/flows/{id}", o.getFlow)
	m.HandleFunc("GET /api/v2/flows/{id}/versions", o.listVersions)
	m.HandleFunc("GET /api/v2/flows/{id}/versions/{v}", o.getVersion)
	m.HandleFunc("GET /api/v2/flows/{id}/versions/{v}/configuration", o.getConfiguration)
	m.HandleFunc("GET /api/v2/flows/{id}/latestconfiguration", o.getConfiguration)
	// One pattern for both: /flows/actions/{action} and /flows/{id}/versions
	// overlap as patterns.
	m.HandleFunc("POST /api/v2/flows/{id}/{sub}", o.postFlow)
	m.HandleFunc("POST /api/v2/flows", o.createFlow)
	m.HandleFunc("DELETE /api/v2/flows/{id}", o.deleteFlow)
	m.HandleFunc("GET /api/v2/integrations/actions", o.listDataActions)
	m.HandleFunc("GET /api/v2/integrations/actions/{id}", o.getDataAction)
	m.HandleFunc("PATCH /api/v2/integrations/actions/{id}", o.patchDataAction)
	m.HandleFunc("GET /api/v2/integrations/actions/{id}/function", o.getFunction)
	m.HandleFunc("POST /api/v2/integrations/actions/{id}/draft", o.createDraft)
	m.HandleFunc("GET /api/v2/integrations/actions/{id}/draft", o.getDraft)
	m.HandleFunc("DELETE /api/v2/integrations/actions/{id}/draft", o.deleteDraft)
	m.HandleFunc("GET /api/v2/integrations/actions/{id}/draft/function", o.getDraftFunction)
	m.HandleFunc("PUT /api/v2/integrations/actions/{id}/draft/function", o.putDraftFunction)
	m.HandleFunc("POST /api/v2/integrations/actions/{id}/draft/publish", o.publishDraft)
	m.HandleFunc("GET /api/v2/architect/dependencytracking/build", o.dependencyBuild)
	m.HandleFunc("GET /api/v2/architect/dependencytracking/consumingresources", o.consumingResources)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("No resource at %s %s", r.Method, r.URL.Path))
	})
	o.mux = m
}

// flowFor looks a flow up, writing a 404 (or 410) when there is none.
func (o *Org) flowFor(w http.ResponseWriter, id string) *flowState {
	return o.flowOrDeleted(w, id, false)
}

// flowOrDeleted is flowFor that also answers a deleted flow when deleted
// is set (the reads' deleted=true).
func (o *Org) flowOrDeleted(w http.ResponseWriter, id string, deleted bool) *flowState {
	f, ok := o.flows[id]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Flow '%s' not found.", id))
		return nil
	case f.deleted && !deleted:
		writeError(w, http.StatusGone, "architect.flow.deleted", fmt.Sprintf("Flow '%s' has been deleted.", id))
		return nil
	}
	return f
}

func pageParams(w http.ResponseWriter, q url.Values) (number, size int, ok bool) {
	number, size = 1, 25
	var err error
	// (modelled) The SDK sends pageNumber=0 and pageSize=0 when its caller
	// leaves them unset: 0 means the default.
	if v := q.Get("pageNumber"); v != "" && v != "0" {
		if number, err = strconv.Atoi(v); err != nil || number < 1 {
			writeError(w, http.StatusBadRequest, "bad.request", "pageNumber must be a positive integer")
			return 0, 0, false
		}
	}
	if v := q.Get("pageSize"); v != "" && v != "0" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > client.MaxPageSize {
			writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("pageSize must be from 1 to %d", client.MaxPageSize))
			return 0, 0, false
		}
	}
	return number, size, true
}

type pageJSON struct {
	Entities   any    `json:"entities"`
	PageSize   int    `json:"pageSize"`
	PageNumber int    `json:"pageNumber"`
	Total      int    `json:"total"`
	PageCount  int    `json:"pageCount"`
	FirstURI   string `json:"firstUri,omitempty"`
	NextURI    string `json:"nextUri,omitempty"`
	PrevURI    string `json:"previousUri,omitempty"`
	LastURI    string `json:"lastUri,omitempty"`
	SelfURI    string `json:"selfUri,omitempty"`
}

func paged[T any](r *http.Request, all []T, number, size int) pageJSON {
	total := len(all)
	count := (total + size - 1) / size
	lo, hi := min((number-1)*size, total), min(number*size, total)
	uri := func(n int) string {
		q := r.URL.Query()
		q.Set("pageNumber", strconv.Itoa(n))
		q.Set("pageSize", strconv.Itoa(size))
		return r.URL.Path + "?" + q.Encode()
	}
	p := pageJSON{Entities: all[lo:hi], PageSize: size, PageNumber: number, Total: total, PageCount: count,
		FirstURI: uri(1), SelfURI: uri(number), LastURI: uri(max(count, 1))}
	if number < count {
		p.NextURI = uri(number + 1)
	}
	if number > 1 {
		p.PrevURI = uri(number - 1)
	}
	return p
}

// matchName matches Genesys' name filter: case-insensitive substring, with
// * as a wildcard (modelled).
func matchName(pattern, name string) bool {
	pattern, name = strings.ToLower(pattern), strings.ToLower(name)
	if !strings.Contains(pattern, "*") {
		return strings.Contains(name, pattern)
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

func (o *Org) listFlows(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	number, size, ok := pageParams(w, q)
	if !ok {
		return
	}
	less, ok := flowOrder(w, q)
	if !ok {
		return
	}
	o.lock()
	defer o.mu.Unlock()
	ids, types := listParam(q, "id"), listParam(q, "type")
	var all []client.Flow
	for _, id := range o.sortedIDs() {
		f := o.flows[id]
		if len(ids) > 0 {
			if !contains(ids, id) {
				continue
			}
		} else if !o.flowMatches(f, q, types) {
			continue
		}
		all = append(all, o.flowJSON(f))
	}
	if all == nil {
		all = []client.Flow{}
	}
	slices.SortStableFunc(all, less)
	writeJSON(w, paged(r, all, number, size))
}

// flowMatches applies the listing's filters but id: deleted, type, name,
// lockedBy (a user or a client id) and lockedByClientId.
func (o *Org) flowMatches(f *flowState, q url.Values, types []string) bool {
	switch {
	case f.deleted && q.Get("deleted") != "true":
		return false
	case len(types) > 0 && !contains(types, f.typ):
		return false
	case q.Get("name") != "" && !matchName(q.Get("name"), f.name):
		return false
	}
	if by := q.Get("lockedBy"); by != "" && (f.lock == nil || (f.lock.userID != by && f.lock.clientID != by)) {
		return false
	}
	if by := q.Get("lockedByClientId"); by != "" && (f.lock == nil || f.lock.clientID != by) {
		return false
	}
	return true
}

// flowOrder is the listing's order: sortBy name (the default: the fake's
// order, by name then id), id or type; sortOrder asc (the default) or desc.
// (modelled: the platform's default order and the fields it sorts by
// beyond these are not known here; another field is a 400 naming it.)
func flowOrder(w http.ResponseWriter, q url.Values) (func(a, b client.Flow) int, bool) {
	key := func(f client.Flow) string { return strings.ToLower(f.Name) }
	switch by := q.Get("sortBy"); by {
	case "", "name":
	case "id":
		key = func(f client.Flow) string { return f.ID }
	case "type":
		key = func(f client.Flow) string { return f.Type }
	default:
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("clienttest sorts flows by id, name or type, not %s", by))
		return nil, false
	}
	sign := 1
	switch order := strings.ToLower(q.Get("sortOrder")); order {
	case "", "asc", "ascending":
	case "desc", "descending":
		sign = -1
	default:
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("sortOrder must be asc or desc, not %s", order))
		return nil, false
	}
	return func(a, b client.Flow) int { return sign * strings.Compare(key(a), key(b)) }, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (o *Org) getFlow(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	f := o.flowOrDeleted(w, r.PathValue("id"), deletedParam(r))
	if f == nil {
		return
	}
	if op := f.op; op != nil && !op.complete {
		if op.readsLeft > 0 {
			op.readsLeft--
		} else {
			o.finish(f)
		}
	}
	writeJSON(w, o.flowJSON(f))
}

func (o *Org) listVersions(w http.ResponseWriter, r *http.Request) {
	number, size, ok := pageParams(w, r.URL.Query())
	if !ok {
		return
	}
	o.lock()
	defer o.mu.Unlock()
	f := o.flowOrDeleted(w, r.PathValue("id"), deletedParam(r))
	if f == nil {
		return
	}
	all := []client.FlowVersion{}
	if f.draft != nil {
		all = append(all, *o.versionJSON(f, f.draft))
	}
	for i := len(f.versions) - 1; i >= 0; i-- {
		all = append(all, *o.versionJSON(f, f.versions[i]))
	}
	writeJSON(w, paged(r, all, number, size))
}

func (o *Org) getVersion(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	f := o.flowOrDeleted(w, r.PathValue("id"), deletedParam(r))
	if f == nil {
		return
	}
	v := f.find(r.PathValue("v"))
	if v == nil {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Version '%s' of flow '%s' not found.", r.PathValue("v"), f.id))
		return
	}
	writeJSON(w, o.versionJSON(f, v))
}

// getConfiguration serves a version's configuration, or the latest, as the
// exact bytes that were saved.
func (o *Org) getConfiguration(w http.ResponseWriter, r *http.Request) {
	o.lock()
	f := o.flowOrDeleted(w, r.PathValue("id"), deletedParam(r))
	if f == nil {
		o.mu.Unlock()
		return
	}
	var v *version
	if id := r.PathValue("v"); id != "" {
		v = f.find(id)
	} else {
		v = f.latest()
	}
	if v == nil {
		o.mu.Unlock()
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("No configuration for flow '%s'.", f.id))
		return
	}
	config := v.config // never modified after it is stored
	o.counters.ConfigReads++
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(config)
}

func (o *Org) postFlow(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != "actions" {
		if r.PathValue("sub") != "versions" {
			writeError(w, http.StatusNotFound, "not.found", "No such resource")
			return
		}
		o.saveVersion(w, r)
		return
	}
	id := r.URL.Query().Get("flow")
	if id == "" {
		writeError(w, http.StatusBadRequest, "bad.request", "The query parameter flow is required")
		return
	}
	o.lock()
	defer o.mu.Unlock()
	f := o.flowFor(w, id)
	if f == nil {
		return
	}
	caller := callerOf(r)
	if r.PathValue("sub") != "checkout" && operationRunning(w, f) {
		return
	}
	switch r.PathValue("sub") {
	case "checkout":
		o.checkout(w, f, caller)
	case "checkin":
		o.startOperation(w, f, caller, "CHECKIN")
	case "publish":
		o.startOperation(w, f, caller, "PUBLISH")
	case "unlock":
		if f.lock != nil && f.draft != nil {
			f.commit(f.draft.config, "CHECKIN", f.lock.clientID, f.lock.userName, o.opts.Now())
			f.draft = nil
			o.counters.Versions++
		}
		f.lock = nil
		o.counters.Unlocks++
		writeJSON(w, o.flowJSON(f))
	case "revert":
		if o.lockedByOther(w, f, caller) {
			return
		}
		// (modelled) Reverting discards the saved draft and releases the lock.
		f.draft, f.lock = nil, nil
		if o.deviates(DeviateRevertKeepsLock) {
			f.lock = &lock{clientID: caller}
		}
		o.counters.Reverts++
		writeJSON(w, o.flowJSON(f))
	default:
		writeError(w, http.StatusNotFound, "not.found", "No such flow action")
	}
}

// operationRunning writes 409 architect.operation.already.in.progress when
// an asynchronous operation on f has not finished.
func operationRunning(w http.ResponseWriter, f *flowState) bool {
	if op := f.op; op == nil || op.complete {
		return false
	}
	writeError(w, http.StatusConflict, "architect.operation.already.in.progress", "An operation is already in progress on this flow.")
	return true
}

// lockedByOther writes 409 architect.flow.locked.by.user when someone other
// than the caller holds the lock.
func (o *Org) lockedByOther(w http.ResponseWriter, f *flowState, caller string) bool {
	if f.lock == nil || f.lock.clientID == caller {
		return false
	}
	holder := f.lock.userName
	if holder == "" {
		holder = f.lock.clientID
	}
	writeError(w, http.StatusConflict, "architect.flow.locked.by.user", fmt.Sprintf("Flow '%s' is locked by user '%s'.", f.name, holder))
	return true
}

// checkout locks f to the caller's OAuth client. A lock names a client, not
// a process: a check-out by the holder while it already holds the lock
// succeeds (modelled: unconfirmed; Genesys' own code checks the holder
// first), and any process of the holder may then save.
func (o *Org) checkout(w http.ResponseWriter, f *flowState, caller string) {
	if o.lockedByOther(w, f, caller) {
		return
	}
	if f.lock != nil && o.deviates(DeviateCheckoutAgain409) {
		writeError(w, http.StatusConflict, "architect.flow.locked.by.user", fmt.Sprintf("Flow '%s' is locked by client '%s'.", f.name, caller))
		return
	}
	f.lock = &lock{clientID: caller}
	o.counters.Checkouts++
	writeJSON(w, o.flowJSON(f))
}

func (o *Org) saveVersion(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	trimmed := strings.TrimLeft(string(body), " \t\r\n")
	if !json.Valid(body) || !strings.HasPrefix(trimmed, "{") {
		writeError(w, http.StatusBadRequest, "invalid.schema", "The flow configuration must be a JSON object")
		return
	}
	o.lock()
	defer o.mu.Unlock()
	f := o.flowFor(w, r.PathValue("id"))
	if f == nil {
		return
	}
	caller := callerOf(r)
	if f.lock == nil || f.lock.clientID != caller {
		writeError(w, http.StatusConflict, "architect.flow.not.locked.by.user", fmt.Sprintf("Flow '%s' is not locked by client '%s'.", f.name, caller))
		return
	}
	if operationRunning(w, f) {
		return
	}
	if o.deviates(DeviateCustomTimeoutRewritten) {
		body = rewriteDurations(body)
	}
	f.draft = &version{n: f.nextVersion + 1, typ: "SAVE", config: body, created: o.opts.Now(), byClient: caller, gen: newGeneration()}
	o.counters.Saves++
	writeJSON(w, o.versionJSON(f, f.draft))
}

// startOperation begins an asynchronous check-in or publish.
func (o *Org) startOperation(w http.ResponseWriter, f *flowState, caller, action string) {
	if operationRunning(w, f) {
		return
	}
	if action == "CHECKIN" {
		if f.lock == nil || f.lock.clientID != caller {
			writeError(w, http.StatusConflict, "architect.flow.not.locked.by.user", fmt.Sprintf("Flow '%s' is not locked by client '%s'.", f.name, caller))
			return
		}
		if f.draft == nil {
			writeError(w, http.StatusBadRequest, "architect.flow.cannot.checkin.missing.config", fmt.Sprintf("Flow '%s' has no saved configuration to check in.", f.name))
			return
		}
	} else if o.lockedByOther(w, f, caller) {
		return
	} else if f.latest() == nil {
		writeError(w, http.StatusBadRequest, "architect.flow.cannot.publish.missing.config", "The flow has no configuration to publish.")
		return
	}
	op := &operation{id: o.nextID("operation"), action: action, clientID: caller, readsLeft: o.opts.OperationReads, status: "STARTED"}
	src := f.latest() // what the operation commits, whatever happens meanwhile
	failure := f.failPublish
	if action == "PUBLISH" {
		f.failPublish = nil
	}
	op.finish = func() {
		if failure != nil {
			op.status, op.errCode, op.errMsg = "FAILURE", failure.code, failure.message
			return
		}
		v := f.commit(src.config, action, caller, "", o.opts.Now())
		if action == "PUBLISH" {
			f.published = v
			o.counters.Publishes++
		} else {
			o.counters.Checkins++
		}
		o.counters.Versions++
		f.draft, f.lock = nil, nil
		op.status = "SUCCESS"
	}
	f.op = op
	if op.readsLeft == 0 {
		o.finish(f)
	}
	if action == "PUBLISH" && o.deviates(DeviatePublish202) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
	}
	writeJSON(w, client.Operation{ID: op.id, Complete: op.complete, ActionName: action, ActionStatus: op.status, Client: &client.Ref{ID: caller}})
}

// finish completes a flow's current operation. It holds o.mu.
func (o *Org) finish(f *flowState) {
	op := f.op
	op.finish()
	op.complete = true
}

// createFlow creates a flow from {name, type, description}: no version, no
// lock (modelled: the Go SDK's PostFlows shows the request, not what a new
// flow holds). A name another flow of the type has is refused.
//
// POST /api/v2/flows
func (o *Org) createFlow(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var in struct{ Name, Type, Description string }
	if err := json.Unmarshal(body, &in); err != nil || strings.TrimSpace(in.Name) == "" || in.Type == "" {
		writeError(w, http.StatusBadRequest, "invalid.schema", "A flow needs a name and a type")
		return
	}
	typ := strings.ToLower(in.Type)
	if !contains(flow.Types(), typ) {
		writeError(w, http.StatusBadRequest, "invalid.schema", fmt.Sprintf("Unknown flow type '%s'", in.Type))
		return
	}
	o.lock()
	defer o.mu.Unlock()
	for _, f := range o.flows {
		if !f.deleted && f.typ == typ && strings.EqualFold(f.name, in.Name) {
			writeError(w, http.StatusBadRequest, "architect.flow.name.exists", fmt.Sprintf("A flow named '%s' exists.", in.Name))
			return
		}
	}
	f := &flowState{id: o.nextID("flow"), name: in.Name, description: in.Description, typ: typ}
	o.flows[f.id] = f
	writeJSON(w, o.flowJSON(f))
}

// deleteFlow deletes a flow that nobody else holds the lock of: it is then
// gone from the listing (bar deleted=true) and answers 410.
//
// DELETE /api/v2/flows/{flowId}
func (o *Org) deleteFlow(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	f := o.flowFor(w, r.PathValue("id"))
	if f == nil || o.lockedByOther(w, f, callerOf(r)) {
		return
	}
	f.deleted, f.lock, f.draft = true, nil, nil
	w.WriteHeader(http.StatusNoContent)
}
