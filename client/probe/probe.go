package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/internal/settle"
)

// Verdict is how a probed behaviour compares with the model.
type Verdict string

// The verdicts of a Row.
const (
	Confirmed  Verdict = "confirmed"
	Differs    Verdict = "differs"
	NotChecked Verdict = "could not check"
)

// Options say what Run may use. A nil value picks a data action and
// writes no action.
type Options struct {
	// ActionID names an existing data action that the scratch flow's Call
	// Data Action references, read only. Empty: the first integration
	// action the organisation lists that is not static, a function or a
	// custom authentication action.
	ActionID string
	// WriteAction also PATCHes that action with its own config, unchanged
	// (the same timeout back), to see whether a PATCH bumps its version,
	// and, when FunctionActionID names one, publishes a draft of that
	// function action whose function is put back unchanged. Without it no
	// action is written.
	WriteAction bool
	// FunctionActionID names a function data action whose function route
	// (and, with WriteAction, draft path) the probe checks. Empty: the
	// route is checked on the first action the organisation lists whose
	// category says it is one (none: not checked), and no draft is made:
	// the probe writes only to an action it was told to.
	FunctionActionID string
	// Name is the scratch flow's name: empty means
	// "gcflow-probe-<UTC timestamp>-<6 random hex digits>", so that two
	// probes started in the same second do not meet on one name.
	Name string
	// OnScratch, when set, is called once the scratch flow exists, with
	// its id and name: a caller can say what to delete by hand should the
	// process die before Probe deletes it.
	OnScratch func(flowID, name string)
}

// Answer is what the platform answered to one request of a probe.
type Answer struct {
	// Request is the method and path ("POST /api/v2/flows/actions/publish").
	Request string `json:"request"`
	Status  int    `json:"status"`
	// Code and Message are the platform's error code and message, for an
	// error.
	Code          string `json:"code,omitempty"`
	Message       string `json:"message,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
}

// Row is one modelled behaviour, probed.
type Row struct {
	// Behaviour names it ("publish-status"); Modelled says what the module
	// models, Observed what the platform did.
	Behaviour string  `json:"behaviour"`
	Modelled  string  `json:"modelled"`
	Observed  string  `json:"observed,omitempty"`
	Verdict   Verdict `json:"verdict"`
	// Why says why a row could not be checked.
	Why string `json:"why,omitempty"`
	// FixIn, for a row that differs, names the one place in code to change.
	FixIn string `json:"fixIn,omitempty"`
	// Answers are the platform's answers the row was read from.
	Answers []Answer `json:"answers"`
	// Diff, for the custom timeout, is how the stored bytes differ from the
	// saved ones.
	Diff string `json:"diff,omitempty"`
}

// Report is what Run found.
type Report struct {
	// ScratchFlowID and ScratchFlowName name the scratch workflow (empty
	// when it could not be created); ScratchDeleted says it is gone.
	ScratchFlowID   string `json:"scratchFlowId"`
	ScratchFlowName string `json:"scratchFlowName"`
	ScratchDeleted  bool   `json:"scratchDeleted"`
	// ActionID is the data action the scratch flow referenced;
	// FunctionActionID the function action probed, if any.
	ActionID         string `json:"actionId"`
	FunctionActionID string `json:"functionActionId,omitempty"`
	Rows             []Row  `json:"rows"`
}

// Count returns how many rows have verdict v.
func (r *Report) Count(v Verdict) int {
	n := 0
	for _, row := range r.Rows {
		if row.Verdict == v {
			n++
		}
	}
	return n
}

// Run settles, against a sandbox organisation, each behaviour of the
// platform that this module models but no public source confirms (see
// probeModel): the bytes of a custom Data Action timeout through save and
// publish, a check-out by the lock's holder, whether revert releases the
// lock, how versions are numbered, publish's status, the token endpoint's
// status for a wrong secret, the fields an action PATCH needs (and, with
// WriteAction, whether a PATCH bumps the version), and the error codes seen.
//
// It creates one scratch workflow and touches nothing else: no other flow
// is read or written, and no data action is written unless WriteAction. It
// deletes the scratch flow before it returns, also on failure and when ctx
// is cancelled (for up to 30 s more); ScratchDeleted says whether it could.
// The error is set when the probe could not run (no data action to
// reference, the scratch flow could not be made) or the scratch flow could
// not be deleted; the report holds what was found either way.
//
// Requests: about 30, at the client's pace.
func Run(ctx context.Context, c *client.Client, opts *Options) (*Report, error) {
	p := newProber(c, opts) // a ReadOnly client refuses the scratch flow's creation, before anything is written
	if err := p.pickAction(ctx); err != nil {
		return p.rep, err
	}
	if err := p.createScratch(ctx); err != nil {
		return p.rep, err
	}
	err := p.run(ctx)
	if derr := p.deleteScratch(ctx); derr != nil {
		err = errors.Join(err, derr)
	}
	return p.rep, err
}

// prober is one run of Run.
type prober struct {
	c    *client.Client // records every request's answer
	o    Options
	rep  *Report
	rows map[string]*Row
	mu   sync.Mutex
	seen []client.RequestInfo
	errs []*client.APIError // every platform error the run met
	// versions are the version ids seen after the first save and check-in.
	versions []string
}

func newProber(c *client.Client, opts *Options) *prober {
	p := &prober{rep: &Report{}, rows: map[string]*Row{}}
	if opts != nil {
		p.o = *opts
	}
	if p.o.Name == "" {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		p.o.Name = "gcflow-probe-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
	}
	p.c = c.WithOnRequest(func(info client.RequestInfo) {
		p.mu.Lock()
		p.seen = append(p.seen, info)
		p.mu.Unlock()
	})
	for _, m := range probeModel {
		if (m.behaviour == behaviourActionPatch && !p.o.WriteAction) ||
			(m.behaviour == behaviourFunctionDraft && (!p.o.WriteAction || strings.TrimSpace(p.o.FunctionActionID) == "")) {
			continue
		}
		p.rep.Rows = append(p.rep.Rows, Row{Behaviour: m.behaviour, Modelled: m.modelled, Verdict: NotChecked, Why: "not reached", FixIn: m.fixIn})
	}
	for i := range p.rep.Rows {
		p.rows[p.rep.Rows[i].Behaviour] = &p.rep.Rows[i]
	}
	return p
}

// row returns the row of a behaviour, nil when it is not probed.
func (p *prober) row(behaviour string) *Row { return p.rows[behaviour] }

// settle gives a row its verdict.
func (p *prober) settle(behaviour string, v Verdict, observed string) {
	r := p.row(behaviour)
	if r == nil {
		return
	}
	r.Verdict, r.Observed, r.Why = v, observed, ""
	if v != Differs {
		r.FixIn = ""
	}
}

// cannot marks a row as not checked, and why.
func (p *prober) cannot(behaviour, why string) {
	if r := p.row(behaviour); r != nil {
		r.Verdict, r.Why, r.FixIn = NotChecked, why, ""
	}
}

// answer records, on a row, the answer to the last request with this
// method whose path contains pathPart: from err when it is an *APIError,
// else from what the request layer saw. It returns it.
func (p *prober) answer(behaviour, method, pathPart string, err error) Answer {
	a := Answer{Request: method + " " + pathPart}
	var ae *client.APIError
	if errors.As(err, &ae) {
		p.errs = append(p.errs, ae)
		a.Request, a.Status, a.Code, a.Message, a.CorrelationID = ae.Method+" "+ae.Path, ae.Status, ae.Code, ae.Message, ae.CorrelationID
	} else {
		p.mu.Lock()
		for i := len(p.seen) - 1; i >= 0; i-- {
			if s := p.seen[i]; s.Method == method && strings.Contains(s.Path, pathPart) {
				a.Request, a.Status, a.CorrelationID = s.Method+" "+s.Path, s.Status, s.CorrelationID
				break
			}
		}
		p.mu.Unlock()
	}
	if r := p.row(behaviour); r != nil {
		r.Answers = append(r.Answers, a)
	}
	return a
}

// pickAction finds the data action the scratch flow references.
func (p *prober) pickAction(ctx context.Context) error {
	if id := strings.TrimSpace(p.o.ActionID); id != "" {
		if _, err := dataaction.Get(ctx, p.c, id); err != nil {
			return fmt.Errorf("data action %s: %w", id, err)
		}
		p.rep.ActionID = id
		return nil
	}
	for a, err := range dataaction.List(ctx, p.c, nil) { // 25 a page, the documented default: the largest is unconfirmed
		if err != nil {
			return fmt.Errorf("listing the data actions: %w", err)
		}
		if a.TimeoutChangeable() == nil && !a.IsFunction() {
			p.rep.ActionID = a.ID
			return nil
		}
	}
	return fmt.Errorf("%w: the organisation lists no integration data action to reference; name one in Options.ActionID", ErrNoAction)
}

// createScratch creates the scratch workflow.
func (p *prober) createScratch(ctx context.Context) error {
	req, err := p.c.NewRequest(http.MethodPost, "/api/v2/flows", nil, map[string]string{"name": p.o.Name, "type": "workflow",
		"description": "Scratch flow of the gcflow timeouts probe; it deletes it when done. Safe to delete."})
	if err != nil {
		return fmt.Errorf("probe: internal error: %w", err)
	}
	var f client.Flow
	if err := p.c.Do(ctx, req, &f); err != nil {
		return fmt.Errorf("creating the scratch flow %s: %w", p.o.Name, err)
	}
	if f.ID == "" {
		return fmt.Errorf("%w: creating the scratch flow named no id", client.ErrInvalidResponse)
	}
	p.rep.ScratchFlowID, p.rep.ScratchFlowName = f.ID, p.o.Name
	if p.o.OnScratch != nil {
		p.o.OnScratch(f.ID, p.o.Name)
	}
	return nil
}

// deleteScratch deletes the scratch flow, even when ctx is cancelled:
// first its lock, if this run holds it, then the flow; then it reads the
// flow to see it gone.
func (p *prober) deleteScratch(ctx context.Context) error {
	ctx, cancel := settle.AfterCancel(ctx)
	defer cancel()
	id := p.rep.ScratchFlowID
	if f, err := p.c.Flow(ctx, id); err == nil && f.LockedClient != nil && f.LockedClient.ID == p.c.Config().ClientID {
		_, _ = p.c.Revert(ctx, id)
		if f, err = p.c.Flow(ctx, id); err == nil && f.LockHolder() != "" {
			_, _ = p.c.Unlock(ctx, id)
		}
	}
	req, err := p.c.NewRequest(http.MethodDelete, "/api/v2/flows/"+url.PathEscape(id), nil, nil)
	if err == nil {
		err = p.c.Do(ctx, req, nil)
	}
	if err == nil {
		_, gerr := p.c.Flow(ctx, id)
		var ae *client.APIError
		p.rep.ScratchDeleted = errors.As(gerr, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusGone)
	}
	switch {
	case p.rep.ScratchDeleted:
	case err != nil:
		return fmt.Errorf("the scratch flow %s (%s) could not be deleted; delete it by hand (DELETE /api/v2/flows/%s): %w", id, p.rep.ScratchFlowName, id, err)
	default:
		return fmt.Errorf("probe: the scratch flow %s (%s) is still there after its deletion; delete it by hand (DELETE /api/v2/flows/%s)", id, p.rep.ScratchFlowName, id)
	}
	return nil
}
