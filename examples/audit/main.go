// Command audit lists every Data Action of every flow with the timeout it
// stores, whether it uses the suggested timeout, and what it really waits
// (resolved through its data action's own timeout), with warnings.
//
//	go run ./examples/audit -demo -min 5s
//	go run ./examples/audit -type inboundcall -format csv > timeouts.csv
//	go run ./examples/audit -min 5s -check     # exit 3 when anything is below: a CI gate
//	go run ./examples/audit -demo -min 5s -by action  # one row per integration action
//
// Credentials come from GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID and
// GENESYS_CLOUD_CLIENT_SECRET (GENESYS_CLOUD_API_URL overrides the hosts);
// -demo uses an in-process demo organisation instead. The OAuth client needs
// architect:flow:view and integrations:action:view.
//
// With -min (and -check), a Data Action that cannot be read (duplicate
// keys on its path, a timeout of the wrong JSON type), whose data action
// cannot be read while it uses the suggested timeout, or whose timeout is an
// expression (unknown until the flow runs) is a finding too: a gate fails
// closed. Each finding has a reason (a field in json and csv, a column in
// text, counted at the end): locked, draft-pending, expression, invalid,
// static-action, function-action, custom-auth-action, action-not-raised
// (its action's own timeout keeps it short: raise -actions),
// permission-missing, unknown-action, or node (its own timeout: raise).
//
// -by action writes one row per integration action instead: its own
// timeout, the nodes and flows that rely on it, and how many of those nodes
// are findings, by reason. -check still counts nodes.
//
// Configurations are cached by version (cache.NewDirCache) under the user's
// cache folder, or -cache DIR: a repeat audit reads only the versions it has
// not seen, and says on stderr how many came from the cache. -no-cache
// turns it off; -demo uses none (-cache with -demo is a usage error).
//
// Exit codes: 0 success, 1 failure, 2 usage, 3 findings (with -check). A
// gate that judged nothing has not passed: with -check, a selection that
// matches no flow, flows without a Data Action, and a policy none of whose
// rules matches a Data Action are each exit 3 with a line that says so.
// Under -policy, a rule or an exemption that matched no Data Action is
// said on stderr ("FILE:LINE: rule "voice" matched no Data Action ..."),
// whatever the exit: it is most often a renamed flow or a misspelt type.
// Stopped by a signal (Ctrl-C), it writes the rows so far, bar -format
// junit and sarif, which write nothing: a CI uploads a report whatever the
// exit, and a part of one would show the flows not audited as passing.
// A flow that cannot be read is exit 1; under -policy it is also a finding
// in every report (policy.Policy.JudgeFlow), so that an upload of the
// report never shows its nodes as fixed.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/examples/internal/connect"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

const permissions = "architect:flow:view and integrations:action:view"

func main() {
	cli.Main("audit", run)
}

// Row is one Data Action of one flow, as the json and csv formats write it.
type Row struct {
	FlowID          string   `json:"flowId"`
	FlowName        string   `json:"flowName"`
	FlowType        string   `json:"flowType"`
	Version         string   `json:"version"`
	NodeID          string   `json:"nodeId"`
	NodeName        string   `json:"nodeName"`
	ActionID        string   `json:"actionId"`
	ActionName      string   `json:"actionName"`
	StoredMS        *int64   `json:"storedMs"`
	TimeoutKind     string   `json:"timeoutKind"`
	UseSuggested    bool     `json:"useSuggested"`
	ActionTimeoutMS *int64   `json:"actionTimeoutMs"`
	EffectiveMS     *int64   `json:"effectiveMs"`
	Flags           []string `json:"flags"`
	// Reason, with -min, says why the node waits less or cannot be
	// known not to, and so what would fix it: one of org.Reasons().
	Reason string `json:"reason,omitempty"`
	// Detail says more, for a node or action that cannot be read.
	Detail string `json:"detail,omitempty"`
	// Rule, Findings, Bounds and Exempt are set under -policy: the rule
	// that judges the node, what it is found to be (below-min, above-max,
	// unreadable, exemption-expired; none when it keeps the rule), the
	// rule's limits, and the exemption in force.
	Rule     string   `json:"rule,omitempty"`
	Findings []string `json:"findings,omitempty"`
	Bounds   string   `json:"bounds,omitempty"`
	Exempt   string   `json:"exempt,omitempty"`
}

func ms(d time.Duration, known bool) *int64 {
	if !known {
		return nil
	}
	v := d.Milliseconds()
	return &v
}

// options are the command's flags, checked.
type options struct {
	audit    org.AuditOptions
	format   string
	check    bool
	demo     bool
	byAction bool
	cache    *connect.CacheFlags
	policy   *policy.Policy // -policy: judge by it, not by -min
	policyAt string         // -policy's file, as named
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stdout, stderr = cli.Escaped(stdout), cli.Escaped(stderr) // names from a server or a file never drive the terminal
	o, code := parseArgs(args, stderr)
	if o == nil {
		return code
	}
	c, closeFn, err := connect.Connect(o.demo)
	if err != nil {
		fmt.Fprintln(stderr, "audit:", connect.Explain(err, permissions))
		return cli.ExitFailure
	}
	defer closeFn()
	cache := o.cache.Open("audit", o.demo, stderr)
	if cache != nil {
		o.audit.Cache = cache
	}
	progress := cli.NewProgress(stderr)
	o.audit.Progress = progress.Update
	audit, err := org.Audit(ctx, c, &o.audit)
	if err != nil { // nothing listed
		fmt.Fprintln(stderr, "audit:", connect.Explain(err, permissions))
		if o.check && errors.Is(err, org.ErrEmptySelection) {
			return cli.ExitFindings // a gate that judged nothing has not passed
		}
		return cli.ExitFailure
	}
	t := newTally(o)
	for a, err := range audit {
		progress.Done()
		t.add(a, err, stderr)
	}
	progress.Done()
	connect.CacheReport(stderr, "audit", cache, t.hits, t.flows)
	switch {
	case ctx.Err() != nil && (o.format == "junit" || o.format == "sarif"):
		// A CI uploads the report whatever the exit: a part of one would
		// show the flows not audited as passing, and close their alerts.
		fmt.Fprintf(stderr, "audit: cancelled; no %s report written: a part of one would show the flows not audited as passing\n", o.format)
		return cli.ExitFailure
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "audit: cancelled; the rows so far follow")
	}
	write := write
	if o.byAction {
		write = t.byAction.write
	}
	if err := write(stdout, o.format, t.rows, o.audit.Min, o.policy != nil); err != nil {
		fmt.Fprintln(stderr, "audit:", err)
		return cli.ExitFailure
	}
	if ctx.Err() != nil {
		return cli.ExitFailure
	}
	return t.exit(o, stderr)
}

// tally is what an audit found, flow by flow: the rows to write, and what
// the exit code is decided on.
type tally struct {
	o                  *options
	rows               []Row
	byAction           *actionRows
	use                *cli.PolicyUse // under -policy
	flows, hits, nodes int
	failed             bool
}

func newTally(o *options) *tally {
	t := &tally{o: o, byAction: newActionRows()}
	if o.policy != nil {
		t.use = cli.NewPolicyUse(o.policy)
	}
	return t
}

// add takes one flow's audit, or the error that it could not be read
// (said on stderr; under -policy also a row: a finding of its rule).
func (t *tally) add(a org.FlowAudit, err error, stderr io.Writer) {
	if err != nil {
		line := connect.Explain(err, permissions)
		fmt.Fprintln(stderr, "audit:", line)
		t.failed = true
		if t.use != nil { // org.Audit judges no flow once stopped
			if row, ok := unreadableFlowRow(t.use, a, line); ok {
				t.rows = append(t.rows, row)
			}
		}
		return
	}
	t.flows++
	if a.FromCache {
		t.hits++
	}
	for _, n := range a.Nodes {
		t.byAction.add(a, n)
		t.nodes++
		switch {
		case t.use != nil:
			if row, ok := judgedRow(t.use, a, n); ok {
				t.rows = append(t.rows, row)
			}
		case t.o.audit.Min == 0 || finding(n):
			t.rows = append(t.rows, rowOf(a, n))
		}
	}
}

// exit says what in the policy matched nothing, and decides the exit code:
// a failure, a gate that judged nothing, findings under -check.
func (t *tally) exit(o *options, stderr io.Writer) int {
	judged, nothing := t.nodes, "no Data Action in the "+cli.Things(t.flows, "flow")+" selected"
	if t.use != nil {
		for _, line := range t.use.Unused(o.policyAt, "the "+cli.Things(t.flows, "flow")+" audited") {
			fmt.Fprintln(stderr, "audit:", line)
		}
		judged, nothing = t.use.Judged, fmt.Sprintf("no rule of %s matched a Data Action of the %s selected", o.policyAt, cli.Things(t.flows, "flow"))
	}
	switch {
	case t.failed:
		return cli.ExitFailure
	case o.check && judged == 0:
		fmt.Fprintf(stderr, "audit: -check: %s; a gate that judged nothing has not passed\n", nothing)
		return cli.ExitFindings
	case o.check && t.use != nil && slices.ContainsFunc(t.rows, func(r Row) bool { return len(r.Findings) > 0 }):
		return cli.ExitFindings
	case o.check && t.use == nil && len(t.rows) > 0:
		return cli.ExitFindings
	}
	return cli.ExitOK
}

// judgedRow is a node's row under a policy (the verdict org.Audit gave
// it), and whether a rule judges it.
func judgedRow(use *cli.PolicyUse, a org.FlowAudit, n org.NodeAudit) (Row, bool) {
	if n.Verdict == nil || n.Verdict.Rule == nil {
		return Row{}, false
	}
	use.Add(*n.Verdict)
	r := rowOf(a, n)
	r.Reason = ""
	setVerdict(&r, n.Verdict)
	return r, true
}

// unreadableFlowRow is the row of a flow that cannot be read, under a
// policy: its Data Actions cannot be known, so a rule that may judge any
// of them finds the flow unreadable (fail closed, org.FlowAudit.Verdict),
// and the reports show it rather than leave it out: a SARIF upload
// without it would close its earlier alerts as fixed. detail says why it
// cannot be read.
func unreadableFlowRow(use *cli.PolicyUse, a org.FlowAudit, detail string) (Row, bool) {
	if a.Verdict == nil || a.Verdict.Rule == nil {
		return Row{}, false
	}
	use.Add(*a.Verdict)
	r := Row{FlowID: a.Flow.ID, FlowName: a.Flow.Name, FlowType: strings.ToLower(a.Flow.Type), Flags: []string{}, Detail: detail}
	setVerdict(&r, a.Verdict)
	return r, true
}

// setVerdict fills r's policy columns from verdict v: the rule, its bounds,
// the findings, the exemption in force or the one expired.
func setVerdict(r *Row, v *policy.Verdict) {
	r.Rule, r.Bounds, r.Findings = v.Rule.Name, v.Rule.Bounds(), []string{}
	for _, f := range v.Findings {
		r.Findings = append(r.Findings, string(f))
	}
	if v.Exempt != nil {
		r.Exempt = fmt.Sprintf("%s (until %s)", v.Exempt.Reason, v.Exempt.Expires.Format(time.DateOnly))
	}
	if v.Expired != nil {
		r.Detail = fmt.Sprintf("its exemption (%s) expired on %s", v.Expired.Reason, v.Expired.Expires.Format(time.DateOnly))
	}
}

// parseArgs reads the flags. On a usage error it writes one line and
// returns nil.
func parseArgs(args []string, stderr io.Writer) (*options, int) {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	flows := fs.String("flows", "", "flow ids to audit, comma-separated; default: every flow matching -type and -name")
	types := fs.String("type", "", "flow types to audit, comma-separated (inboundcall,workflow,...)")
	name := fs.String("name", "", "audit flows whose name matches (substring, * wildcards)")
	below := cli.NewDuration(0)
	fs.Var(below, "min", "keep only the Data Actions that wait less than this (e.g. 5s), and those that cannot be read")
	fs.Var(below, "below", "deprecated: the old name of -min, which raise uses too; it still works")
	format := fs.String("format", "text", "output format: text, json or csv; with -policy also junit or sarif")
	policyFile := fs.String("policy", "", "judge each Data Action by this timeout policy (YAML: rules with min and max, exemptions), not by -min")
	check := fs.Bool("check", false, "exit 3 when any Data Action waits less than -min (default 5s with -check) or cannot be read (with -policy: any finding), and when nothing was judged")
	latest := fs.Bool("latest", false, "audit the latest saved versions instead of the published ones")
	demo := fs.Bool("demo", false, "audit an in-process demo organisation: no credentials, no network")
	concurrency := fs.Int("concurrency", 4, "flows read at once")
	by := fs.String("by", "node", "one row per node, or per action: its timeout, the nodes that rely on it, and how many of them wait less than -min")
	cache := connect.AddCacheFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: audit [flags]\n\nLists every Data Action of every flow with its stored, suggested and effective timeout.")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if code, ok := cli.Parse(fs, args, false, stderr); !ok {
		return nil, code
	}
	var ids []string
	if cli.Given(fs)["flows"] {
		var err error
		if ids, err = cli.FlowIDs("-flows", *flows); err != nil {
			return nil, cli.Usagef(stderr, "audit", "%v", err)
		}
	}
	typeList, err := connect.Filters(fs, *types, *name)
	switch {
	case err != nil:
		return nil, cli.Usagef(stderr, "audit", "%v", err)
	case (*format == "junit" || *format == "sarif") && *policyFile == "":
		return nil, cli.Usagef(stderr, "audit", "-format %s: judges by a policy; give -policy FILE", *format)
	case *format != "text" && *format != "json" && *format != "csv" && *format != "junit" && *format != "sarif":
		return nil, cli.Usagef(stderr, "audit", "-format %s: not one of text, json, csv, junit and sarif", cli.Cut(*format))
	case *by != "node" && *by != "action":
		return nil, cli.Usagef(stderr, "audit", "-by %s: not node or action", cli.Cut(*by))
	case *by == "action" && *policyFile != "":
		return nil, cli.Usagef(stderr, "audit", "-by action and -policy: a policy judges each node, and its reports list nodes; give one")
	case *concurrency < 1:
		return nil, cli.Usagef(stderr, "audit", "-concurrency %d: must be 1 or more", *concurrency)
	}
	if err := cache.Check(fs, *demo); err != nil {
		return nil, cli.Usagef(stderr, "audit", "%v", err)
	}
	pol, code, ok := readPolicy(fs, *policyFile, stderr)
	if !ok {
		return nil, code
	}
	flagName := "min"
	switch given := cli.Given(fs); {
	case given["min"] && given["below"]:
		return nil, cli.Usagef(stderr, "audit", "-min and -below are one flag (-below is its old name): give -min")
	case given["below"]:
		flagName = "below" // errors name the flag as given
	}
	if below.Given {
		if err := cli.CheckTimeout(flagName, below); err != nil {
			return nil, cli.Usagef(stderr, "audit", "%v", err)
		}
	} else if *check && pol == nil {
		below.D = 5 * time.Second
	}
	return &options{format: *format, check: *check, demo: *demo, byAction: *by == "action", cache: cache, policy: pol, policyAt: *policyFile, audit: org.AuditOptions{Selection: org.Selection{FlowIDs: ids, Types: typeList, Name: *name, Concurrency: *concurrency}, Latest: *latest, Min: below.D, Policy: pol}}, cli.ExitOK
}

// readPolicy reads -policy's file. Beside -min or -below it is a usage
// error, as is a file that is not a policy: one line, "FILE:LINE: what".
func readPolicy(fs *flag.FlagSet, path string, stderr io.Writer) (*policy.Policy, int, bool) {
	given := cli.Given(fs)
	switch {
	case !given["policy"]:
		return nil, cli.ExitOK, true
	case given["min"] || given["below"]:
		return nil, cli.Usagef(stderr, "audit", "-policy %s and -min: the policy holds the limits; give one", cli.Cut(path)), false
	}
	p, _, err := cli.ReadPolicy(path)
	if err != nil {
		return nil, cli.Usagef(stderr, "audit", "%v", err), false
	}
	return p, cli.ExitOK, true
}

// finding reports whether a node fails a -min gate: it waits less, or
// what it waits cannot be known (an expression, a node or an action that
// cannot be read): fail closed. Its reason says which.
func finding(n org.NodeAudit) bool {
	return n.Reason != ""
}

func rowOf(a org.FlowAudit, n org.NodeAudit) Row {
	r := Row{
		FlowID: a.Flow.ID, FlowName: a.Flow.Name, FlowType: strings.ToLower(a.Flow.Type), Version: a.Version,
		NodeID: n.ID, NodeName: n.Name, ActionID: n.ActionID, ActionName: n.ActionName,
		StoredMS:        ms(n.Timeout, n.TimeoutKind == flow.TimeoutLiteral),
		TimeoutKind:     n.TimeoutKind.String(),
		UseSuggested:    n.UseSuggested,
		ActionTimeoutMS: ms(n.ActionTimeout, n.ActionTimeout > 0),
		EffectiveMS:     ms(n.Effective, n.EffectiveKnown),
		Flags:           []string{},
		Reason:          string(n.Reason),
	}
	for _, f := range n.Flags {
		r.Flags = append(r.Flags, string(f))
	}
	switch {
	case n.Err != nil:
		r.Detail = "cannot be read: " + n.Err.Error()
	case slices.Contains(n.Flags, org.FlagUnknownAction) && !n.EffectiveKnown:
		r.Detail = "its data action " + n.ActionID + " cannot be read, or says no timeout, so what it waits is unknown"
	}
	return r
}

func write(w io.Writer, format string, rows []Row, below time.Duration, judging bool) error {
	switch format {
	case "junit":
		return writeJUnit(w, rows)
	case "sarif":
		return writeSARIF(w, rows)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if rows == nil {
			rows = []Row{}
		}
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"flow_id", "flow_name", "flow_type", "version", "node_id", "node_name", "action_id", "action_name",
			"stored_ms", "timeout_kind", "use_suggested", "action_timeout_ms", "effective_ms", "flags", "reason", "detail", "rule", "findings", "exempt"})
		for _, r := range rows {
			_ = cw.Write(cli.CSVRow(r.FlowID, r.FlowName, r.FlowType, r.Version, r.NodeID, r.NodeName, r.ActionID, r.ActionName,
				num(r.StoredMS), r.TimeoutKind, strconv.FormatBool(r.UseSuggested), num(r.ActionTimeoutMS), num(r.EffectiveMS), strings.Join(r.Flags, " "), r.Reason, r.Detail,
				r.Rule, strings.Join(r.Findings, " "), r.Exempt))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tTYPE\tVERSION\tNODE\tACTION\tSTORED\tSUGGESTED\tACTION TIMEOUT\tEFFECTIVE\tFLAGS\tREASON")
	for _, r := range rows {
		stored := r.TimeoutKind
		if r.StoredMS != nil {
			stored = dur(r.StoredMS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\t%s\t%s\t%s\t%s\n", named(r.FlowName, r.FlowID), r.FlowType, r.Version, named(r.NodeName, r.NodeID),
			named(r.ActionName, r.ActionID), stored, r.UseSuggested, dur(r.ActionTimeoutMS), dur(r.EffectiveMS), strings.Join(r.Flags, ","), reasonText(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	unreadable := 0
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Reason]++
		if r.Detail != "" {
			fmt.Fprintf(w, "%s (%s) node %s: %s\n", r.FlowName, r.FlowID, r.NodeID, r.Detail)
			unreadable++
		}
	}
	if judging {
		writePolicySummary(w, rows)
		return nil
	}
	if below > 0 {
		fmt.Fprintf(w, "%d Data Actions wait less than %v or cannot be known not to (%d cannot be read)", len(rows), below, unreadable)
		if list := reasonList(counts, ", "); list != "" {
			fmt.Fprintf(w, "; by reason: %s", list)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "%d Data Actions\n", len(rows))
	}
	return nil
}

// reasonText is the text table's last column: the reason under -min, or
// under -policy the rule and what the node is found to be.
func reasonText(r Row) string {
	switch {
	case r.Rule == "":
		return r.Reason
	case r.Exempt != "":
		return r.Rule + ": exempt"
	case len(r.Findings) == 0:
		return r.Rule + ": ok"
	}
	return r.Rule + ": " + strings.Join(r.Findings, ",")
}

// writePolicySummary counts the rows judged by a policy, by finding.
func writePolicySummary(w io.Writer, rows []Row) {
	counts := map[string]int{}
	failing, exempt := 0, 0
	for _, r := range rows {
		if len(r.Findings) > 0 {
			failing++
		}
		if r.Exempt != "" {
			exempt++
		}
		for _, f := range r.Findings {
			counts[f]++
		}
	}
	fmt.Fprintf(w, "%d Data Actions judged by the policy: %d with findings, %d exempt", len(rows), failing, exempt)
	var parts []string
	for _, f := range []policy.Finding{policy.FindingBelowMin, policy.FindingAboveMax, policy.FindingUnreadable, policy.FindingExemptionExpired} {
		if n := counts[string(f)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", f, n))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "; %s", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
}

// writeJUnit writes the rows judged by a policy as JUnit XML: a suite per
// flow, a case per node, a failure per finding, a skip for an exempt node.
func writeJUnit(w io.Writer, rows []Row) error {
	var suites []cli.JUnitSuite
	index := map[string]int{}
	for _, r := range rows {
		i, ok := index[r.FlowID]
		if !ok {
			i = len(suites)
			index[r.FlowID] = i
			suites = append(suites, cli.JUnitSuite{Name: r.FlowName + " (" + r.FlowID + ")"})
		}
		c := cli.JUnitCase{ClassName: r.FlowType + "." + r.FlowID, Name: r.NodeName + " [" + r.NodeID + "]"}
		if r.NodeID == "" { // the flow could not be read
			c.Name = "configuration [" + r.FlowID + "]"
		}
		for _, f := range r.Findings {
			c.Failures = append(c.Failures, cli.JUnitFailure{Type: f, Message: failureMessage(r, f)})
		}
		if r.Exempt != "" {
			c.Skipped = &cli.JUnitSkipped{Message: "exempt: " + r.Exempt}
		}
		suites[i].Cases = append(suites[i].Cases, c)
	}
	return cli.WriteJUnit(w, "gcflow-timeouts audit", suites)
}

// writeSARIF writes the findings of the rows judged by a policy as SARIF
// 2.1.0: a result per finding, at the logical location "<flow id>/<node
// id>", with the names as properties, and at the physical location code
// scanning needs, which names the flow (cli.OrgLocation).
func writeSARIF(w io.Writer, rows []Row) error {
	var results []cli.SARIFResult
	for _, r := range rows {
		for _, f := range r.Findings {
			loc := cli.SARIFLogical{FullyQualifiedName: r.FlowID + "/" + r.NodeID, Kind: "member",
				Properties: map[string]any{"flowName": r.FlowName, "nodeName": r.NodeName}}
			text := fmt.Sprintf("%s (%s), node %s (%s): %s", r.FlowName, r.FlowID, r.NodeName, r.NodeID, failureMessage(r, f))
			if r.NodeID == "" { // the flow could not be read: its location is the flow
				loc = cli.SARIFLogical{FullyQualifiedName: r.FlowID, Kind: "module", Properties: map[string]any{"flowName": r.FlowName}}
				text = fmt.Sprintf("%s (%s): %s", r.FlowName, r.FlowID, failureMessage(r, f))
			}
			locations, fingerprints := cli.OrgLocation(r.FlowID, r.NodeID, f, loc)
			results = append(results, cli.SARIFResult{RuleID: f, Level: "error", Message: cli.SARIFMessage{Text: text},
				Locations: locations, PartialFingerprints: fingerprints})
		}
	}
	return cli.WriteSARIF(w, "gcflow-timeouts", cli.PolicyRules(), results)
}

// failureMessage says a finding: what the node waits, and the rule.
func failureMessage(r Row, f string) string {
	switch policy.Finding(f) {
	case policy.FindingUnreadable:
		if r.NodeID == "" {
			return fmt.Sprintf("the flow cannot be read (%s), so none of its Data Actions can be shown to keep rule %s (%s)", r.Detail, r.Rule, r.Bounds)
		}
		return fmt.Sprintf("what it waits cannot be known (%s), so it cannot be shown to keep rule %s (%s)", r.TimeoutKind, r.Rule, r.Bounds)
	case policy.FindingExemptionExpired:
		return r.Detail + "; it is judged by rule " + r.Rule
	}
	return fmt.Sprintf("waits %s, outside rule %s (%s)", dur(r.EffectiveMS), r.Rule, r.Bounds)
}

// named is "name (id)", or the id alone when there is no name.
func named(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

func num(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func dur(p *int64) string {
	if p == nil {
		return "?"
	}
	return (time.Duration(*p) * time.Millisecond).String()
}
