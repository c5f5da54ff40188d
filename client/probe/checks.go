package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/diff"
)

// The behaviours Probe checks, in the order of its report.
const (
	behaviourCustomTimeout = "custom-timeout-bytes"
	behaviourCheckoutAgain = "checkout-by-holder"
	behaviourRevert        = "revert-releases-lock"
	behaviourVersions      = "version-numbering"
	behaviourPublish       = "publish-status"
	behaviourWrongSecret   = "token-wrong-secret"
	behaviourActionRead    = "action-fields"
	behaviourActionPatch   = "action-patch-version"
	behaviourActionList    = "action-list-config"
	behaviourListParams    = "list-parameters"
	behaviourFunctionRoute = "function-route"
	behaviourFunctionDraft = "function-draft"
	behaviourErrorCodes    = "error-codes"
)

// probeModel is what this module models of each behaviour, and the one
// place in code to change if a live organisation differs.
var probeModel = []struct{ behaviour, modelled, fixIn string }{
	{behaviourCustomTimeout, "a Data Action timeout written by package flow is accepted, published and read back byte for byte",
		"flow/edit.go: replacements (the bytes of a custom timeout)"},
	{behaviourCheckoutAgain, "a check-out by the lock's own holder succeeds (the module never does it: it checks the holder first)",
		"client/clienttest/routes.go: checkout"},
	{behaviourRevert, "revert discards the saved draft and releases the lock",
		"client/clienttest/routes.go: revert (client/update.go release unlocks when a lock outlives revert)"},
	{behaviourVersions, "a save makes version N+1 (SAVE), check-in commits it as N+1, the next save is N+2 and publish commits it as N+2",
		"client/clienttest/state.go: version numbers (client/update.go reads version ids as numbers)"},
	{behaviourPublish, "publish answers 200 with the operation",
		"client/clienttest/routes.go: startOperation (the client accepts any 2xx)"},
	{behaviourWrongSecret, "a wrong secret is 401 invalid_client at the token endpoint",
		"client/clienttest/handlers.go: serveToken (client/auth.go treats 400 and 401 invalid_client alike)"},
	{behaviourActionRead, "GET ?includeConfig=true gives version, name, category and config.timeoutSeconds: what an action PATCH sends back",
		"client/dataaction/dataaction.go: Patch"},
	{behaviourActionPatch, "a PATCH with the current version, name, category and whole config bumps the version by one",
		"client/clienttest/actions.go: patchDataAction"},
	{behaviourActionList, "the action listing with ids and includeConfig=true gives the action with its config.timeoutSeconds, as reading it alone does",
		"client/org/actions.go: prefetch"},
	{behaviourListParams, "the flow listing takes several types comma-joined in one key (type=workflow,inboundcall), as the SDK sends them, and lists what repeated keys list",
		"client/flows.go: query"},
	{behaviourFunctionRoute, "a function action is told by its category (\"function data action\") and its limit is function.timeoutSeconds, 1 to 15, at GET .../function",
		"client/dataaction/modelled.go: functionCategoryMark"},
	{behaviourFunctionDraft, "a draft whose function is PUT back publishes with the version POST .../draft answered (the PUT leaves it), and the function reads back as put",
		"client/dataaction/function.go: publishFunction"},
	{behaviourErrorCodes, "every error code seen is in the spec's table for its status (a 2018 definition)",
		"client/probe/modelled.go: knownErrorCodes"},
}

// actionPath is an action's path, as the answers name it.
func actionPath(actionID string) string {
	return "/api/v2/integrations/actions/" + url.PathEscape(actionID)
}

// scratchTimeout and probeTimeout are the scratch flow's Data Action
// timeout as saved first, and as the module raises it.
const (
	scratchTimeout = 3 * time.Second
	probeTimeout   = 7 * time.Second
)

// scratchConfig is the scratch workflow's configuration, in the Architect
// shape: one task, one Call Data Action with a literal timeout.
func scratchConfig(name, actionID string) []byte {
	q := func(s string) string { return strconv.Quote(s) }
	return []byte(`{"name":` + q(name) + `,"description":"gcflow timeouts probe","type":"workflow","defaultLanguage":"en-US",` +
		`"supportedLanguages":{"en-US":{"defaultLanguageSkill":{"noValue":true}}},"initialSequence":"probe-task",` +
		`"flowSequenceItemList":[{"__type":"Task","id":"probe-task","name":"Probe","trackingId":1,"actionList":[` +
		`{"__type":"DataAction","id":"probe-data-action","name":"Call Data Action","trackingId":2,"actionId":` + q(actionID) + `,` +
		`"useSuggestedTimeout":false,"inputs":[],"outputs":[],` +
		`"timeout":{"config":{"lit":{"pos":1,"text":"` + flow.FormatDuration(scratchTimeout) + `","type":"dur"}},"text":"` + flow.FormatDuration(scratchTimeout) + `","type":"dur","version":2},` +
		`"paths":[{"outputId":"__SUCCESS__","nextAction":""},{"outputId":"__FAILURE__","nextAction":""},{"outputId":"__TIMEOUT__","nextAction":""}]},` +
		`{"__type":"EndTask","id":"probe-end","name":"End Workflow","trackingId":3}]}],"nextTrackingNumber":4}`)
}

// run makes the checks in order. Each settles its rows; a failure that
// stops the flow steps leaves the later flow rows "could not check".
func (p *prober) run(ctx context.Context) error {
	plain, err := flow.Parse(scratchConfig(p.o.Name, p.rep.ActionID))
	if err != nil {
		return fmt.Errorf("probe: internal error: the probe's scratch configuration: %w", err)
	}
	id := p.rep.ScratchFlowID
	steps := []func(context.Context, string, *flow.Document) error{p.checkoutAndCheckin, p.publishCustom, p.revert}
	for _, step := range steps {
		if err := step(ctx, id, plain); err != nil {
			if ctx.Err() != nil {
				return p.stopped(ctx)
			}
			break // what is left of the flow steps cannot be reached
		}
	}
	p.errorCodes(ctx, id, plain)
	p.wrongSecret(ctx)
	p.actionChecks(ctx)
	p.functionChecks(ctx)
	p.listParameters(ctx)
	p.settleErrorCodes()
	if ctx.Err() != nil {
		return p.stopped(ctx)
	}
	return nil
}

// stopped says, on every row not settled, that the run was stopped.
func (p *prober) stopped(ctx context.Context) error {
	for i := range p.rep.Rows {
		if r := &p.rep.Rows[i]; r.Verdict == NotChecked {
			r.Why = "stopped before it was settled (" + ctx.Err().Error() + ")"
		}
	}
	return ctx.Err()
}

// checkoutAndCheckin: check out twice, save, check in, reading the
// versions after each.
func (p *prober) checkoutAndCheckin(ctx context.Context, id string, doc *flow.Document) error {
	if _, err := p.c.Checkout(ctx, id); err != nil {
		p.answer(behaviourCheckoutAgain, http.MethodPost, "/actions/checkout", err)
		p.cannot(behaviourCheckoutAgain, "the first check-out failed: "+err.Error())
		return err
	}
	_, err := p.c.Checkout(ctx, id)
	a := p.answer(behaviourCheckoutAgain, http.MethodPost, "/actions/checkout", err)
	if err != nil {
		p.settle(behaviourCheckoutAgain, Differs, fmt.Sprintf("the second check-out by the holder was refused: %d %s", a.Status, a.Code))
	} else {
		p.settle(behaviourCheckoutAgain, Confirmed, fmt.Sprintf("%d: the holder checked out again", a.Status))
	}
	saved, err := p.saveAndRead(ctx, id, doc)
	if err != nil {
		p.cannot(behaviourVersions, "the first save failed: "+err.Error())
		return err
	}
	f, err := p.c.Checkin(ctx, id)
	p.answer(behaviourVersions, http.MethodPost, "/actions/checkin", err)
	if err != nil {
		p.cannot(behaviourVersions, "the check-in failed: "+err.Error())
		return err
	}
	p.versions = []string{"save " + saved, "check-in " + versionID(f.CheckedInVersion)}
	return nil
}

// saveAndRead saves doc under the lock and returns the saved version as the
// flow then names it.
func (p *prober) saveAndRead(ctx context.Context, id string, doc *flow.Document) (string, error) {
	if _, err := p.c.SaveVersion(ctx, id, doc); err != nil {
		p.answer(behaviourVersions, http.MethodPost, "/versions", err)
		return "", err
	}
	f, err := p.c.Flow(ctx, id)
	if err != nil {
		return "", err
	}
	return versionID(f.SavedVersion), nil
}

func versionID(v *client.FlowVersion) string {
	if v == nil {
		return "none"
	}
	return v.ID
}

// publishCustom raises the scratch Data Action's timeout with package flow,
// saves and publishes it, and reads the published version back.
func (p *prober) publishCustom(ctx context.Context, id string, plain *flow.Document) error {
	doc, _ := flow.Parse(bytes.Clone(plain.Bytes()))
	if _, err := doc.RaiseTimeouts(probeTimeout, nil); err != nil {
		return fmt.Errorf("probe: internal error: raising the probe's scratch timeout: %w", err)
	}
	if _, err := p.c.Checkout(ctx, id); err != nil {
		p.cannot(behaviourCustomTimeout, "the check-out failed: "+err.Error())
		return err
	}
	saved, err := p.saveAndRead(ctx, id, doc)
	a := p.answer(behaviourCustomTimeout, http.MethodPost, "/versions", err)
	switch {
	case err != nil && (errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrUnauthorized) || a.Status == 0):
		p.cannot(behaviourCustomTimeout, "the save failed: "+err.Error())
		return err
	case err != nil: // the platform refused the bytes the module writes
		p.settle(behaviourCustomTimeout, Differs, fmt.Sprintf("refused: %s answered %d %s %s", a.Request, a.Status, a.Code, a.Message))
		return err
	}
	f, err := p.c.Publish(ctx, id)
	a = p.answer(behaviourPublish, http.MethodPost, "/actions/publish", err)
	if err != nil {
		p.cannot(behaviourPublish, "the publish failed: "+err.Error())
		p.cannot(behaviourCustomTimeout, "the publish failed")
		return err
	}
	p.settleVersions(append(p.versions, "save "+saved, "publish "+versionID(f.PublishedVersion)))
	if a.Status == http.StatusOK {
		p.settle(behaviourPublish, Confirmed, "200")
	} else {
		p.settle(behaviourPublish, Differs, strconv.Itoa(a.Status))
	}
	var got []byte
	req, err := p.c.NewRequest(http.MethodGet, "/api/v2/flows/"+url.PathEscape(id)+"/versions/"+url.PathEscape(versionID(f.PublishedVersion))+"/configuration", nil, nil)
	if err == nil {
		err = p.c.Do(ctx, req, &got) // the exact bytes, unparsed
	}
	p.answer(behaviourCustomTimeout, http.MethodGet, "/configuration", err)
	if err != nil {
		p.cannot(behaviourCustomTimeout, "reading the published version back failed: "+err.Error())
		return err
	}
	p.compareCustom(doc.Bytes(), got)
	return nil
}

// settleVersions compares the version ids seen after save, check-in, save
// and publish with the model: N+1, N+1, N+2, N+2.
func (p *prober) settleVersions(seq []string) {
	observed := strings.Join(seq, ", ")
	var n []float64
	for _, s := range seq {
		_, id, _ := strings.Cut(s, " ")
		v, err := strconv.ParseFloat(id, 64)
		if err != nil {
			p.settle(behaviourVersions, Differs, observed+" (not numbers)")
			return
		}
		n = append(n, v)
	}
	if len(n) == 4 && n[1] == n[0] && n[2] == n[1]+1 && n[3] == n[2] {
		p.settle(behaviourVersions, Confirmed, observed)
		return
	}
	p.settle(behaviourVersions, Differs, observed)
}

// compareCustom compares the published configuration with the one saved.
func (p *prober) compareCustom(saved, got []byte) {
	if bytes.Equal(saved, got) {
		p.settle(behaviourCustomTimeout, Confirmed, "accepted, published, kept byte for byte")
		return
	}
	stored := "unreadable"
	if d, err := flow.Parse(got); err == nil {
		for _, n := range d.DataActions() {
			if n.ID == "probe-data-action" {
				stored = n.TimeoutText
			}
		}
	}
	if diff.SameJSON(saved, got) {
		p.settle(behaviourCustomTimeout, Confirmed, "accepted, published, kept (re-serialised, the same JSON)")
		return
	}
	p.settle(behaviourCustomTimeout, Differs, fmt.Sprintf("accepted and published, but stored as %q, not %q", stored, flow.FormatDuration(probeTimeout)))
	p.row(behaviourCustomTimeout).Diff = diff.JSON("saved", "published", saved, got)
}

// revert checks out, saves, reverts, and reads the lock.
func (p *prober) revert(ctx context.Context, id string, plain *flow.Document) error {
	if _, err := p.c.Checkout(ctx, id); err != nil {
		p.cannot(behaviourRevert, "the check-out failed: "+err.Error())
		return err
	}
	if _, err := p.c.SaveVersion(ctx, id, plain); err != nil {
		p.cannot(behaviourRevert, "the save failed: "+err.Error())
		return err
	}
	_, err := p.c.Revert(ctx, id)
	p.answer(behaviourRevert, http.MethodPost, "/actions/revert", err)
	if err != nil {
		p.cannot(behaviourRevert, "the revert failed: "+err.Error())
		return err
	}
	f, err := p.c.Flow(ctx, id)
	if err != nil {
		p.cannot(behaviourRevert, "reading the flow failed: "+err.Error())
		return err
	}
	switch {
	case f.LockHolder() != "":
		p.settle(behaviourRevert, Differs, "the lock stayed ("+f.LockHolder()+")")
		_, _ = p.c.Unlock(ctx, id) // leave the scratch flow as the other checks expect it
	case f.SavedVersion != nil:
		p.settle(behaviourRevert, Differs, "the lock was released, the saved draft "+f.SavedVersion.ID+" stayed")
	default:
		p.settle(behaviourRevert, Confirmed, "the draft discarded, the lock released")
	}
	return nil
}

// errorCodes provokes two errors that harm nothing: a save without the
// lock, on the scratch flow, and a read of a flow that does not exist.
func (p *prober) errorCodes(ctx context.Context, id string, plain *flow.Document) {
	if _, err := p.c.SaveVersion(ctx, id, plain); err != nil {
		p.answer(behaviourErrorCodes, http.MethodPost, "/versions", err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	missing := "gcflow-probe-missing-" + hex.EncodeToString(b)
	if _, err := p.c.Flow(ctx, missing); err != nil {
		p.answer(behaviourErrorCodes, http.MethodGet, "/api/v2/flows/"+missing, err)
	}
}

// settleErrorCodes compares every platform error the run met with the
// spec's table.
func (p *prober) settleErrorCodes() {
	var seen, unknown []string
	for _, e := range p.errs {
		s := fmt.Sprintf("%d %s", e.Status, e.Code)
		if !slices.Contains(seen, s) {
			seen = append(seen, s)
			if !knownErrorCode(e.Status, e.Code) {
				unknown = append(unknown, s)
			}
		}
	}
	switch {
	case len(seen) == 0:
		p.cannot(behaviourErrorCodes, "the platform answered no error")
	case len(unknown) > 0:
		p.settle(behaviourErrorCodes, Differs, "not in the table: "+strings.Join(unknown, ", ")+" (seen: "+strings.Join(seen, ", ")+")")
	default:
		p.settle(behaviourErrorCodes, Confirmed, strings.Join(seen, ", "))
	}
}

// wrongSecret asks for a token with a secret that cannot be right.
func (p *prober) wrongSecret(ctx context.Context) {
	cfg := p.c.Config()
	if cfg.TokenSource != nil {
		p.cannot(behaviourWrongSecret, "this client brings its own TokenSource")
		return
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	cfg.ClientSecret, cfg.OnRequest, cfg.Logger = "gcflow-probe-wrong-"+hex.EncodeToString(b), nil, nil
	wrong, err := client.New(cfg)
	if err == nil {
		_, err = wrong.Flow(ctx, p.rep.ScratchFlowID)
	}
	var ae *client.AuthError
	if !errors.As(err, &ae) || ae.Status == 0 {
		p.cannot(behaviourWrongSecret, fmt.Sprintf("no answer from the token endpoint: %v", err))
		return
	}
	r := p.row(behaviourWrongSecret)
	r.Answers = append(r.Answers, Answer{Request: "POST " + ae.TokenURL, Status: ae.Status, Code: ae.Code, Message: ae.Description})
	observed := fmt.Sprintf("%d %s", ae.Status, ae.Code)
	if ae.Status == http.StatusUnauthorized && ae.Code == "invalid_client" {
		p.settle(behaviourWrongSecret, Confirmed, observed)
	} else {
		p.settle(behaviourWrongSecret, Differs, observed)
	}
}

// actionChecks reads the action with its config and, with WriteAction,
// PATCHes it with what it holds.
func (p *prober) actionChecks(ctx context.Context) {
	raw, err := dataaction.GetBytes(ctx, p.c, p.rep.ActionID)
	p.answer(behaviourActionRead, http.MethodGet, actionPath(p.rep.ActionID), err)
	if err != nil {
		p.cannot(behaviourActionRead, "reading the action failed: "+err.Error())
		p.cannot(behaviourActionPatch, "reading the action failed")
		return
	}
	a := gjson.ParseBytes(raw)
	if missing := actionFieldsMissing(a); len(missing) > 0 {
		p.settle(behaviourActionRead, Differs, "missing or of another type: "+strings.Join(missing, ", "))
	} else {
		p.settle(behaviourActionRead, Confirmed, fmt.Sprintf("present (version %d, timeoutSeconds %d)", a.Get("version").Int(), a.Get("config.timeoutSeconds").Int()))
	}
	p.actionList(ctx, a)
	if p.o.WriteAction {
		p.patchSame(ctx, a)
	}
}

// actionList reads the action again through the listing, by id with its
// config, and compares its timeout with the one read alone (a).
func (p *prober) actionList(ctx context.Context, a gjson.Result) {
	var found *dataaction.Action
	var err error
	for listed, lerr := range dataaction.List(ctx, p.c, &dataaction.ListOptions{IDs: []string{p.rep.ActionID}}) {
		if lerr != nil {
			err = lerr
			break
		}
		if listed.ID == p.rep.ActionID {
			found = &listed
		}
	}
	p.answer(behaviourActionList, http.MethodGet, "/api/v2/integrations/actions", err)
	want := int(a.Get("config.timeoutSeconds").Int())
	switch {
	case err != nil:
		p.cannot(behaviourActionList, "the listing failed: "+err.Error())
	case found == nil:
		p.settle(behaviourActionList, Differs, "the listing by ids did not answer the action")
	case found.Config == nil:
		p.settle(behaviourActionList, Differs, "the listing answered the action without its config")
	case found.Config.TimeoutSeconds != want:
		p.settle(behaviourActionList, Differs, fmt.Sprintf("timeoutSeconds %d listed, %d read alone", found.Config.TimeoutSeconds, want))
	default:
		p.settle(behaviourActionList, Confirmed, fmt.Sprintf("listed with its config (timeoutSeconds %d)", want))
	}
}

// listParameters lists flows of two types both ways: comma-joined in one
// key, and as repeated keys; the totals must agree.
func (p *prober) listParameters(ctx context.Context) {
	total := func(types []string) (int, error) {
		var page struct{ Total int }
		req := &client.Request{Method: http.MethodGet, Path: "/api/v2/flows", Query: url.Values{"type": types, "pageSize": {"1"}}}
		err := p.c.Do(ctx, req, &page)
		p.answer(behaviourListParams, http.MethodGet, "/api/v2/flows", err)
		return page.Total, err
	}
	joined, err := total([]string{"workflow,inboundcall"})
	if err != nil {
		p.cannot(behaviourListParams, "the listing failed: "+err.Error())
		return
	}
	repeated, err := total([]string{"workflow", "inboundcall"})
	switch {
	case err != nil:
		p.cannot(behaviourListParams, "the listing failed: "+err.Error())
	case joined != repeated:
		p.settle(behaviourListParams, Differs, fmt.Sprintf("%d flows comma-joined, %d with repeated keys", joined, repeated))
	default:
		p.settle(behaviourListParams, Confirmed, fmt.Sprintf("%d flows either way", joined))
	}
}

// actionFieldsMissing lists the fields an action PATCH sends back that the
// action read lacks, or has with another JSON type.
func actionFieldsMissing(a gjson.Result) []string {
	var missing []string
	for path, typ := range map[string]gjson.Type{"version": gjson.Number, "name": gjson.String, "category": gjson.String, "config.timeoutSeconds": gjson.Number} {
		if a.Get(path).Type != typ {
			missing = append(missing, path)
		}
	}
	if !a.Get("config").IsObject() {
		missing = append(missing, "config")
	}
	slices.Sort(missing)
	return missing
}

// patchSame PATCHes the action with its own version, name, category and
// config, unchanged, and reads its version after.
func (p *prober) patchSame(ctx context.Context, a gjson.Result) {
	before := a.Get("version").Int()
	if !a.Get("config").IsObject() {
		p.cannot(behaviourActionPatch, "the action has no config object to send back")
		return
	}
	path := actionPath(p.rep.ActionID)
	err := dataaction.Patch(ctx, p.c, p.rep.ActionID, []byte(a.Raw), []byte(a.Get("config").Raw))
	p.answer(behaviourActionPatch, http.MethodPatch, path, err)
	if err != nil {
		p.cannot(behaviourActionPatch, "the PATCH failed: "+err.Error())
		return
	}
	after, err := dataaction.Get(ctx, p.c, p.rep.ActionID)
	if err != nil {
		p.cannot(behaviourActionPatch, "reading the action back failed: "+err.Error())
		return
	}
	observed := fmt.Sprintf("version %d, then %d", before, after.Version)
	if int64(after.Version) == before+1 {
		p.settle(behaviourActionPatch, Confirmed, observed)
	} else {
		p.settle(behaviourActionPatch, Differs, observed)
	}
}
