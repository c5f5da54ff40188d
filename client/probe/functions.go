package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/internal/diff"
	"github.com/gcflow/timeouts/internal/settle"
)

// functionChecks settles function-route on the function action named in
// Options, or else the first one the organisation lists by its category,
// and, with WriteAction and the action named, function-draft.
func (p *prober) functionChecks(ctx context.Context) {
	id, err := p.pickFunction(ctx)
	switch {
	case err != nil:
		p.cannot(behaviourFunctionRoute, err.Error())
		p.cannot(behaviourFunctionDraft, err.Error())
		return
	case id == "":
		why := "the organisation lists no action whose category says it is a function action; name one (Options.FunctionActionID) if it has one"
		p.cannot(behaviourFunctionRoute, why)
		p.cannot(behaviourFunctionDraft, why)
		return
	}
	p.rep.FunctionActionID = id
	a, err := dataaction.Get(ctx, p.c, id)
	p.answer(behaviourFunctionRoute, http.MethodGet, actionPath(id), err)
	if err != nil {
		p.cannot(behaviourFunctionRoute, "reading the action failed: "+err.Error())
		p.cannot(behaviourFunctionDraft, "reading the action failed")
		return
	}
	raw, err := p.functionBytes(ctx, behaviourFunctionRoute, id, "/function")
	fn := gjson.GetBytes(raw, "function")
	t := fn.Get("timeoutSeconds")
	var ae *client.APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		p.settle(behaviourFunctionRoute, Differs, "GET .../function answered 404: the function's limit is not there")
	case err != nil:
		p.cannot(behaviourFunctionRoute, "reading the function failed: "+err.Error())
	case !fn.IsObject():
		p.settle(behaviourFunctionRoute, Differs, "GET .../function holds no function object")
	case !a.IsFunction():
		p.settle(behaviourFunctionRoute, Differs, fmt.Sprintf("it has a function, but its category %q does not say so: the module takes it for an ordinary action", a.Category))
	case t.Type != gjson.Number || t.Int() < 1 || t.Int() > int64(dataaction.MaxFunctionTimeout.Seconds()):
		p.settle(behaviourFunctionRoute, Differs, "function.timeoutSeconds is "+orNone(t.Raw)+", not 1 to 15")
	default:
		p.settle(behaviourFunctionRoute, Confirmed, fmt.Sprintf("category %q; function.timeoutSeconds %s at GET .../function", a.Category, t.Raw))
	}
	if p.row(behaviourFunctionDraft) != nil { // WriteAction, and the action named
		p.functionDraft(ctx, id)
	}
}

// pickFunction is the function action to probe: the one named, or the
// first listed whose category says function; "" when there is none.
func (p *prober) pickFunction(ctx context.Context) (string, error) {
	if id := strings.TrimSpace(p.o.FunctionActionID); id != "" {
		return id, nil
	}
	for a, err := range dataaction.List(ctx, p.c, nil) {
		if err != nil {
			return "", fmt.Errorf("listing the data actions failed: %w", err)
		}
		if a.IsFunction() {
			return a.ID, nil
		}
	}
	return "", nil
}

// functionBytes GETs one of a function action's function routes (suffix
// "/function" or "/draft/function") and records the answer on behaviour.
func (p *prober) functionBytes(ctx context.Context, behaviour, id, suffix string) ([]byte, error) {
	var raw []byte
	err := p.c.Do(ctx, &client.Request{Method: http.MethodGet, Path: actionPath(id) + suffix}, &raw)
	p.answer(behaviour, http.MethodGet, actionPath(id)+suffix, err)
	return raw, err
}

// functionDraft publishes a draft of the function action whose function
// is PUT back unchanged, with the version POST .../draft answered: the
// model is that the PUT leaves the draft's version, so that publish takes
// it. A draft it made and could not publish is deleted; an action that
// already has one (somebody's work) is left.
func (p *prober) functionDraft(ctx context.Context, id string) {
	before, err := p.functionBytes(ctx, behaviourFunctionDraft, id, "/function")
	if err != nil {
		p.cannot(behaviourFunctionDraft, "reading the function failed: "+err.Error())
		return
	}
	var draft struct{ Version *int }
	err = p.c.Do(ctx, &client.Request{Method: http.MethodPost, Path: actionPath(id) + "/draft"}, &draft)
	a := p.answer(behaviourFunctionDraft, http.MethodPost, actionPath(id)+"/draft", err)
	switch {
	case a.Status == http.StatusConflict:
		p.cannot(behaviourFunctionDraft, "the action has a draft already, somebody's work: left as it is")
		return
	case err != nil:
		p.cannot(behaviourFunctionDraft, "creating the draft failed: "+err.Error())
		return
	}
	published := false
	defer func() {
		if !published { // the draft is this probe's: delete it
			cctx, cancel := settle.AfterCancel(ctx)
			defer cancel()
			derr := p.c.Do(cctx, &client.Request{Method: http.MethodDelete, Path: actionPath(id) + "/draft"}, nil)
			if p.answer(behaviourFunctionDraft, http.MethodDelete, actionPath(id)+"/draft", derr); derr != nil {
				r := p.row(behaviourFunctionDraft)
				r.Observed += "; the probe's draft could not be deleted (delete it in the UI): " + derr.Error()
			}
		}
	}()
	if draft.Version == nil {
		p.settle(behaviourFunctionDraft, Differs, "POST .../draft answered no version")
		return
	}
	draftFn, err := p.functionBytes(ctx, behaviourFunctionDraft, id, "/draft/function")
	fn := gjson.GetBytes(draftFn, "function")
	if err != nil || !fn.IsObject() {
		p.settle(behaviourFunctionDraft, Differs, "GET .../draft/function gave no function: "+errText(err))
		return
	}
	err = p.c.Do(ctx, &client.Request{Method: http.MethodPut, Path: actionPath(id) + "/draft/function", Body: []byte(fn.Raw)}, nil)
	if p.answer(behaviourFunctionDraft, http.MethodPut, actionPath(id)+"/draft/function", err); err != nil {
		p.settle(behaviourFunctionDraft, Differs, "PUT .../draft/function of the function unchanged was refused: "+err.Error())
		return
	}
	err = p.c.Do(ctx, &client.Request{Method: http.MethodPost, Path: actionPath(id) + "/draft/publish",
		Body: []byte(`{"version":` + strconv.Itoa(*draft.Version) + `}`)}, nil)
	if p.answer(behaviourFunctionDraft, http.MethodPost, actionPath(id)+"/draft/publish", err); err != nil {
		p.settle(behaviourFunctionDraft, Differs, fmt.Sprintf("publishing with the version the draft was made with (%d) was refused: %v", *draft.Version, err))
		return
	}
	published = true
	after, err := p.functionBytes(ctx, behaviourFunctionDraft, id, "/function")
	switch {
	case err != nil:
		p.cannot(behaviourFunctionDraft, "reading the function back failed: "+err.Error())
	case !diff.SameJSON([]byte(gjson.GetBytes(before, "function").Raw), []byte(gjson.GetBytes(after, "function").Raw)):
		p.settle(behaviourFunctionDraft, Differs, "published, but the function reads back changed")
	default:
		p.settle(behaviourFunctionDraft, Confirmed, fmt.Sprintf("draft version %d published as made, the function unchanged", *draft.Version))
	}
}

func orNone(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return "no function object"
	}
	return err.Error()
}
