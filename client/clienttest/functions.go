package clienttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Function data actions and the draft path, as the Go SDK's methods
// (GetIntegrationsActionFunction, PostIntegrationsActionDraft,
// GetIntegrationsActionDraft, DeleteIntegrationsActionDraft,
// GetIntegrationsActionDraftFunction, PutIntegrationsActionDraftFunction,
// PostIntegrationsActionDraftPublish) call them. What no first-party source
// confirms is modelled, and all of it is here:
//
//   - (modelled) A function action is told by its category, which holds
//     "function data action" (the Terraform provider's rule); the fake's
//     are in FunctionCategory.
//   - (modelled) GET .../function of an action that is not a function
//     action is 404; so is GET .../draft/function.
//   - (modelled) The Functionconfig's id is the action's id.
//   - (modelled) POST .../draft on an action that already has a draft is
//     409: the draft is somebody's unpublished work.
//   - (modelled) A new draft has the published action's version; PUT
//     .../draft/function leaves it as it is; a PATCH of the draft would
//     raise it by one.
//   - (modelled) PUT .../draft/function replaces the draft's function whole,
//     and refuses a timeoutSeconds that is not a whole number from 1 to 15
//     with 400.
//   - (modelled) POST .../draft/publish with another version than the
//     draft's is 400 "does not match the current version"; publishing
//     makes the draft the action, one version up, and removes the draft.

// FunctionCategory is the category of the fake's function actions.
const FunctionCategory = "Function Data Actions"

// maxFunctionSeconds is the longest a function waits: "1 to 15".
const maxFunctionSeconds = 15

// actionDraft is an action's unpublished draft.
type actionDraft struct {
	version  int
	config   []byte
	function []byte // nil unless the action is a function action
}

// functionConfigJSON is the Functionconfig the function routes answer.
func functionConfigJSON(actionID string, function []byte, draft bool) []byte {
	self := "/api/v2/integrations/actions/" + url.PathEscape(actionID)
	if draft {
		self += "/draft"
	}
	q, _ := json.Marshal(actionID)
	u, _ := json.Marshal(self + "/function")
	return []byte(`{"id":` + string(q) + `,"function":` + string(function) + `,"selfUri":` + string(u) + `}`)
}

// actionFor looks an action up for a function or draft route, writing 404
// (or 403 for a hidden one) when the caller cannot have it. The org's lock
// is held.
func (o *Org) actionFor(w http.ResponseWriter, r *http.Request) *dataAction {
	a, ok := o.actions[r.PathValue("id")]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Action '%s' not found.", r.PathValue("id")))
		return nil
	case a.hidden:
		writeError(w, http.StatusForbidden, "missing.permissions", "You are missing the following permission(s) for this request: integrations:action:view")
		return nil
	}
	return a
}

// getFunction answers an action's function settings.
//
// GET /api/v2/integrations/actions/{id}/function
func (o *Org) getFunction(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	a := o.actionFor(w, r)
	switch {
	case a == nil:
	case a.function == nil:
		notFunction(w, a)
	default:
		writeRaw(w, http.StatusOK, functionConfigJSON(a.id, a.function, false))
	}
}

// createDraft makes a draft of the published action.
//
// POST /api/v2/integrations/actions/{id}/draft
func (o *Org) createDraft(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	a := o.actionFor(w, r)
	switch {
	case a == nil:
		return
	case strings.HasPrefix(a.id, "static"):
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("Action '%s' is a static action and cannot be modified.", a.id))
		return
	case a.draft != nil:
		writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("Action '%s' already has a draft.", a.id))
		return
	}
	a.newDraft()
	o.counters.ActionDrafts++
	writeRaw(w, http.StatusOK, draftJSON(a, true))
}

// newDraft starts a's draft from the published action: its version,
// config and function.
func (a *dataAction) newDraft() {
	a.draft = &actionDraft{version: a.version, config: bytes.Clone(a.config), function: bytes.Clone(a.function)}
}

// publish makes a's draft the action, one version up.
func (a *dataAction) publish() {
	a.config, a.function, a.draft = a.draft.config, a.draft.function, nil
	a.version++
}

// draftJSON is the draft as an Action, the published one's metadata with
// the draft's version and config.
func draftJSON(a *dataAction, withConfig bool) []byte {
	d := *a
	d.version, d.config = a.draft.version, a.draft.config
	return actionJSON(&d, withConfig)
}

// getDraft answers an action's draft.
//
// GET /api/v2/integrations/actions/{id}/draft
func (o *Org) getDraft(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	if a := o.draftFor(w, r); a != nil {
		writeRaw(w, http.StatusOK, draftJSON(a, r.URL.Query().Get("includeConfig") == "true"))
	}
}

// draftFor is actionFor for an action that must have a draft: 404 when it
// has none. The org's lock is held.
func (o *Org) draftFor(w http.ResponseWriter, r *http.Request) *dataAction {
	a := o.actionFor(w, r)
	if a != nil && a.draft == nil {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Action '%s' has no draft.", a.id))
		return nil
	}
	return a
}

// deleteDraft removes an action's draft.
//
// DELETE /api/v2/integrations/actions/{id}/draft
func (o *Org) deleteDraft(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	if a := o.draftFor(w, r); a != nil {
		a.draft = nil
		w.WriteHeader(http.StatusNoContent)
	}
}

// functionDraftFor is draftFor for a function action's draft: 404 when
// the action is not a function action. The org's lock is held.
func (o *Org) functionDraftFor(w http.ResponseWriter, r *http.Request) *dataAction {
	a := o.draftFor(w, r)
	if a != nil && a.draft.function == nil {
		notFunction(w, a)
		return nil
	}
	return a
}

// notFunction answers 404 for an action that is not a function action
// (modelled).
func notFunction(w http.ResponseWriter, a *dataAction) {
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Action '%s' is not a function data action.", a.id))
}

// getDraftFunction answers the draft's function settings.
//
// GET /api/v2/integrations/actions/{id}/draft/function
func (o *Org) getDraftFunction(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	if a := o.functionDraftFor(w, r); a != nil {
		writeRaw(w, http.StatusOK, functionConfigJSON(a.id, a.draft.function, true))
	}
}

// putDraftFunction replaces the draft's function settings whole.
//
// PUT /api/v2/integrations/actions/{id}/draft/function
func (o *Org) putDraftFunction(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	in := gjson.ParseBytes(body)
	t := in.Get("timeoutSeconds")
	switch {
	case !gjson.ValidBytes(body) || !in.IsObject():
		writeError(w, http.StatusBadRequest, "invalid.schema", "The body must be a JSON object")
		return
	case t.Exists() && (t.Type != gjson.Number || t.Raw != strconv.FormatInt(t.Int(), 10) || t.Int() < 1 || t.Int() > maxFunctionSeconds):
		writeError(w, http.StatusBadRequest, "invalid.schema", "timeoutSeconds must be a whole number from 1 to 15")
		return
	}
	o.lock()
	defer o.mu.Unlock()
	if a := o.functionDraftFor(w, r); a != nil {
		a.draft.function = bytes.Clone(body)
		writeRaw(w, http.StatusOK, functionConfigJSON(a.id, a.draft.function, true))
	}
}

// publishDraft makes the draft the action.
//
// POST /api/v2/integrations/actions/{id}/draft/publish
func (o *Org) publishDraft(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	version := gjson.GetBytes(body, "version")
	if !gjson.ValidBytes(body) || version.Type != gjson.Number {
		writeError(w, http.StatusBadRequest, "invalid.schema", "version is required")
		return
	}
	o.lock()
	defer o.mu.Unlock()
	a := o.draftFor(w, r)
	switch {
	case a == nil:
		return
	case int(version.Int()) != a.draft.version:
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("Version %d does not match the current version %d of the draft of action '%s'.", version.Int(), a.draft.version, a.id))
		return
	}
	a.publish()
	o.counters.ActionPatches++
	writeRaw(w, http.StatusOK, actionJSON(a, true))
}

// StartActionDraft makes another user start a draft of an action and
// leave it unpublished, as somebody editing it in the UI would.
func (o *Org) StartActionDraft(id string) error {
	o.lock()
	defer o.mu.Unlock()
	a, ok := o.actions[id]
	switch {
	case !ok:
		return fmt.Errorf("clienttest: no data action %q", id)
	case a.draft != nil:
		return fmt.Errorf("clienttest: data action %q has a draft already", id)
	}
	a.newDraft()
	return nil
}

// PublishActionDraft makes the user who started an action's draft
// (StartActionDraft) publish it with its function's timeoutSeconds set to
// timeoutSeconds (0: as it is): the draft becomes the action, one version
// up.
func (o *Org) PublishActionDraft(id string, timeoutSeconds int) error {
	o.lock()
	defer o.mu.Unlock()
	a, ok := o.actions[id]
	switch {
	case !ok:
		return fmt.Errorf("clienttest: no data action %q", id)
	case a.draft == nil:
		return fmt.Errorf("clienttest: data action %q has no draft", id)
	}
	if timeoutSeconds > 0 && a.draft.function != nil {
		f, err := sjson.SetBytes(bytes.Clone(a.draft.function), "timeoutSeconds", timeoutSeconds)
		if err != nil {
			return err
		}
		a.draft.function = f
	}
	a.publish()
	return nil
}

// HasActionDraft reports whether an action has an unpublished draft.
func (o *Org) HasActionDraft(id string) bool {
	o.lock()
	defer o.mu.Unlock()
	a, ok := o.actions[id]
	return ok && a.draft != nil
}

// ActionFunction returns a function action's published function settings
// and its version, for inspection; ok is false when there is no such
// function action.
func (o *Org) ActionFunction(id string) (function []byte, version int, ok bool) {
	o.lock()
	defer o.mu.Unlock()
	a, found := o.actions[id]
	if !found || a.function == nil {
		return nil, 0, false
	}
	return bytes.Clone(a.function), a.version, true
}

// EditFunctionTimeout makes another user publish a function action with
// another timeoutSeconds (its version goes up by one), as a change in the
// UI would.
func (o *Org) EditFunctionTimeout(id string, timeoutSeconds int) error {
	o.lock()
	defer o.mu.Unlock()
	a, ok := o.actions[id]
	if !ok || a.function == nil {
		return fmt.Errorf("clienttest: no function data action %q", id)
	}
	f, err := sjson.SetBytes(bytes.Clone(a.function), "timeoutSeconds", timeoutSeconds)
	if err != nil {
		return err
	}
	a.function, a.version = f, a.version+1
	return nil
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
