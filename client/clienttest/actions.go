package clienttest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// dataAction is an integration action: its metadata and the exact bytes of
// its config, which a PATCH replaces whole.
type dataAction struct {
	id, name, category string
	version            int
	// hidden: the OAuth clients may not see it (HideAction).
	hidden bool
	config []byte // {"request":...,"response":...,"timeoutSeconds":N}
	// function is a function data action's Function (the "function" of
	// GET .../function), whose timeoutSeconds (1 to 15) is its limit; nil
	// for any other action. The action body never carries it.
	function []byte
	// draft is the action's unpublished draft, if it has one.
	draft *actionDraft
}

// demoConfig is a data action's config as the fake serves it: a request, a
// response and the timeout, in the order Genesys' exports show.
func demoConfig(timeoutSeconds int) []byte {
	return []byte(`{"request":{"requestUrlTemplate":"https://crm.example.com/api/${input.id}","requestType":"GET","headers":{"Accept":"application/json"},"requestTemplate":"${input.rawRequest}"},` +
		`"response":{"translationMap":{},"translationMapDefaults":{},"successTemplate":"${rawResult}"},"timeoutSeconds":` + strconv.Itoa(timeoutSeconds) + `}`)
}

// AddDataAction adds an integration action with its own timeout (1 to 60 s),
// at version 1. An id that starts with "static" is a built-in action,
// which the API refuses to change.
func (o *Org) AddDataAction(id, name string, timeoutSeconds int) {
	o.addAction(&dataAction{id: id, name: name, category: "Demo", version: 1, config: demoConfig(timeoutSeconds)})
}

// AddFunctionAction adds a function data action, whose limit is its
// function's timeoutSeconds (1 to 15 s), served at GET .../function, rather
// than config.timeoutSeconds. Its category is FunctionCategory.
func (o *Org) AddFunctionAction(id, name string, timeoutSeconds int) {
	q, _ := json.Marshal(id)
	o.addAction(&dataAction{id: id, name: name, category: FunctionCategory, version: 1,
		config: []byte(`{"request":{"requestType":"POST","headers":{}},"response":{"translationMap":{},"successTemplate":"${rawResult}"}}`),
		function: []byte(`{"id":"fn-` + strconv.Itoa(len(id)) + `","name":` + string(q) + `,"description":"","zipId":"zip-demo-1","handler":"src/index.handler","runtime":"nodejs22.x","timeoutSeconds":` +
			strconv.Itoa(timeoutSeconds) + `}`)})
}

// AddCustomAuthAction adds a custom authentication action: it has no
// timeout of its own to change (modelled: recognised by its category).
func (o *Org) AddCustomAuthAction(id, name string) {
	o.addAction(&dataAction{id: id, name: name, category: CustomAuthCategory, version: 1,
		config: []byte(`{"request":{"requestUrlTemplate":"https://auth.example.com/token","requestType":"POST","headers":{}},"response":{"translationMap":{},"successTemplate":"${rawResult}"}}`)})
}

// CustomAuthCategory is the category of custom authentication actions
// (modelled, as in package client).
const CustomAuthCategory = "Custom Authentication"

func (o *Org) addAction(a *dataAction) {
	o.lock()
	defer o.mu.Unlock()
	o.actions[a.id] = a
}

// ActionConfig returns an action's config bytes and version, for
// inspection; ok is false when there is no such action.
func (o *Org) ActionConfig(id string) (config []byte, version int, ok bool) {
	o.lock()
	defer o.mu.Unlock()
	a, ok := o.actions[id]
	if !ok {
		return nil, 0, false
	}
	return append([]byte(nil), a.config...), a.version, true
}

// EditAction makes another user change an action's config (its version
// goes up by one), as a concurrent edit in the Genesys Cloud UI would.
func (o *Org) EditAction(id string, config []byte) error {
	o.lock()
	defer o.mu.Unlock()
	a, ok := o.actions[id]
	if !ok {
		return fmt.Errorf("clienttest: no data action %q", id)
	}
	a.config, a.version = append([]byte(nil), config...), a.version+1
	return nil
}

// actionJSON is the action as GET /api/v2/integrations/actions/{id} serves
// it, with the config's exact bytes when withConfig.
func actionJSON(a *dataAction, withConfig bool) []byte {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var b strings.Builder
	fmt.Fprintf(&b, `{"id":%s,"name":%s,"category":%s,"integrationId":"integration-demo","version":%d,"secure":false`,
		q(a.id), q(a.name), q(a.category), a.version)
	if withConfig {
		b.WriteString(`,"config":`)
		b.Write(a.config)
	}
	fmt.Fprintf(&b, `,"selfUri":%s}`, q("/api/v2/integrations/actions/"+url.PathEscape(a.id)))
	return []byte(b.String())
}

func (o *Org) getDataAction(w http.ResponseWriter, r *http.Request) {
	o.lock()
	defer o.mu.Unlock()
	if a := o.actionFor(w, r); a != nil {
		writeRaw(w, http.StatusOK, actionJSON(a, r.URL.Query().Get("includeConfig") == "true"))
	}
}

// HideAction makes an action one the OAuth clients may not see, as a
// division or a missing permission would: the listing leaves it out and
// reading it alone is 403 missing.permissions (modelled).
func (o *Org) HideAction(id string) {
	o.lock()
	defer o.mu.Unlock()
	if a, ok := o.actions[id]; ok {
		a.hidden = true
	}
}

// patchDataAction changes an action: the body's version must be the
// current one, its config replaces the whole config, and the version goes
// up by one (modelled). A stale version is refused with 400 and "does not
// match the current version" (one of the two answers seen; the other is a
// 409); a static action cannot be changed (modelled answer).
func (o *Org) patchDataAction(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
		writeError(w, http.StatusBadRequest, "invalid.schema", "The body must be a JSON object")
		return
	}
	in := gjson.ParseBytes(body)
	version, config := in.Get("version"), in.Get("config")
	if version.Type != gjson.Number {
		writeError(w, http.StatusBadRequest, "invalid.schema", "version is required")
		return
	}
	if config.Exists() && (!config.IsObject() || (config.Get("timeoutSeconds").Exists() &&
		(config.Get("timeoutSeconds").Type != gjson.Number || config.Get("timeoutSeconds").Int() < 1 || config.Get("timeoutSeconds").Int() > 60))) {
		writeError(w, http.StatusBadRequest, "invalid.schema", "config.timeoutSeconds must be a whole number from 1 to 60")
		return
	}
	o.lock()
	defer o.mu.Unlock()
	a, found := o.actions[r.PathValue("id")]
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Action '%s' not found.", r.PathValue("id")))
		return
	case strings.HasPrefix(a.id, "static"):
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("Action '%s' is a static action and cannot be modified.", a.id))
		return
	case int(version.Int()) != a.version:
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("Version %d does not match the current version %d of action '%s'.", version.Int(), a.version, a.id))
		return
	}
	if name := in.Get("name"); name.Type == gjson.String {
		a.name = name.Str
	}
	if category := in.Get("category"); category.Type == gjson.String {
		a.category = category.Str
	}
	if config.Exists() {
		a.config = []byte(config.Raw)
	}
	if !o.deviates(DeviateActionPatchKeepsVersion) {
		a.version++
	}
	o.counters.ActionPatches++
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(actionJSON(a, true))
}

// listDataActions lists the integration actions, paged like the flows,
// without their configs.
//
// GET /api/v2/integrations/actions (from the Go SDK's GetIntegrationsActions)
func (o *Org) listDataActions(w http.ResponseWriter, r *http.Request) {
	number, size, ok := pageParams(w, r.URL.Query())
	if !ok {
		return
	}
	q := r.URL.Query()
	// ids filters (repeated keys, or comma-joined in one as the SDK sends
	// them); includeConfig=true adds each action's config.
	var want map[string]bool
	for _, v := range q["ids"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				if want == nil {
					want = map[string]bool{}
				}
				want[id] = true
			}
		}
	}
	withConfig := q.Get("includeConfig") == "true"
	name, category := strings.ToLower(q.Get("name")), q.Get("category")
	desc := strings.EqualFold(q.Get("sortOrder"), "desc") || strings.EqualFold(q.Get("sortOrder"), "descending")
	if by := q.Get("sortBy"); by != "" && by != "name" && by != "id" {
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("clienttest sorts actions by name or id, not %s", by))
		return
	}
	o.lock()
	ids := make([]string, 0, len(o.actions))
	for id, a := range o.actions {
		// (modelled) name matches a part of the action's name, any case;
		// category matches whole.
		if !a.hidden && (want == nil || want[id]) && (name == "" || strings.Contains(strings.ToLower(a.name), name)) && (category == "" || a.category == category) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		c := strings.Compare(a, b)
		if q.Get("sortBy") == "name" {
			c = cmp.Or(strings.Compare(strings.ToLower(o.actions[a].name), strings.ToLower(o.actions[b].name)), c)
		}
		if desc {
			return -c
		}
		return c
	})
	all := make([]json.RawMessage, 0, len(ids))
	for _, id := range ids {
		all = append(all, actionJSON(o.actions[id], withConfig))
	}
	o.mu.Unlock()
	writeJSON(w, paged(r, all, number, size))
}
