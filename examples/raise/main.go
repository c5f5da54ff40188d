// Command raise raises every Data Action timeout below -min in the flows
// named by -flows, or in every flow matching -type and -name.
//
//	go run ./examples/raise -demo                    # dry run: diffs and a summary, nothing written
//	go run ./examples/raise -demo -apply -publish    # raise, publish, verify
//	go run ./examples/raise -flows 1a2b,3c4d -min 8s -apply
//	go run ./examples/raise -policy policy.yaml -publish   # each node to its rule's min
//
// -policy FILE, instead of -min, raises each node to the min of the policy
// rule that judges it (the file audit -policy reads): a node no rule
// judges, whose rule has no min, or that an exemption in force covers, is
// left alone, and nothing is lowered (a node above its rule's max is the
// audit's to report). With -actions an action goes to the largest min
// among the nodes that rely on it.
//
// It is a dry run unless -apply (check in) or -publish (publish, which
// implies -apply) is given. With -apply, each flow's original configuration
// is written to -backup-dir (default ./backups/<timestamp>/, or
// gcflow-timeouts/demo-backups/<timestamp>/ under the user's cache folder
// with -demo) before the flow is changed; examples/restore puts it
// back (it checks each file's manifest first). The folder is created with
// the first backup. Flows locked by someone else, or with an unpublished
// draft, are skipped unless -force-unlock or -allow-draft. A flow locked by
// this same OAuth client is another run's (or a crashed run's): it is
// skipped too, unless -release-stale-locks. The tutorial's variables
// TARGET_FLOW_IDS and TARGET_TIMEOUT_MS still work when -flows and -min are
// not given.
//
// Credentials come from GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID and
// GENESYS_CLOUD_CLIENT_SECRET (GENESYS_CLOUD_API_URL overrides the hosts);
// -demo uses an in-process demo organisation. The OAuth client needs
// architect:flow:view, architect:flow:edit, integrations:action:view, and
// architect:flow:publish to publish (architect:flow:unlock for -force-unlock).
//
// The first, lock-free read of each flow's configuration comes from a
// cache kept by version (cache.NewDirCache) under the user's cache folder, or
// -cache DIR, so a repeat run with nothing to change reads none; the read
// under the lock is always fresh. -no-cache turns it off; -demo uses none
// (-cache with -demo is a usage error).
//
// A dry run connects read-only: no request but a GET can leave it. SIGINT,
// SIGTERM and SIGHUP stop the run: flows in hand are finished or released,
// the summary is printed, and the exit code is 1; a second signal exits at
// once.
//
// Exit codes: 0 success (flows refused because they are locked or have a
// draft are reported as skipped), 1 a flow failed or a named flow does not
// exist, 2 usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/examples/internal/backup"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/examples/internal/connect"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/safefile"
	"github.com/gcflow/timeouts/policy"
)

const permissions = "architect:flow:view, architect:flow:edit, architect:flow:publish and integrations:action:view"

func main() {
	cli.Main("raise", func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, connect.Connect)
	})
}

// logLine is one line of -log.
type logLine struct {
	Time         time.Time    `json:"time"`
	FlowID       string       `json:"flowId"`
	FlowName     string       `json:"flowName"`
	FromVersion  string       `json:"fromVersion,omitempty"`
	SavedVersion string       `json:"savedVersion,omitempty"`
	NewVersion   string       `json:"newVersion,omitempty"`
	DuplicateOf  string       `json:"duplicateOf,omitempty"`
	Published    bool         `json:"published"`
	Staged       bool         `json:"staged,omitempty"`
	Changes      []changeLine `json:"changes"`
	Capped       []cappedLine `json:"capped,omitempty"`
	Result       string       `json:"result"` // changed, published-staged, staged, not-verified, stopped, unchanged, dry-run, dry-run-staged, skipped, failed
	Error        string       `json:"error,omitempty"`
	Warnings     []string     `json:"warnings,omitempty"`
}

// actionLine is one line of -log for an action that -actions raised,
// planned or could not raise.
type actionLine struct {
	Time       time.Time `json:"time"`
	ActionID   string    `json:"actionId"`
	ActionName string    `json:"actionName,omitempty"`
	Result     string    `json:"result"` // action-raised, action-dry-run, action-unchanged, action-refused
	FromS      int64     `json:"fromSeconds"`
	ToS        int64     `json:"toSeconds"`
	Version    int       `json:"version,omitempty"`
	NewVersion int       `json:"newVersion,omitempty"`
	Error      string    `json:"error,omitempty"`
}

func actionLineOf(ch *dataaction.Change, err error) actionLine {
	l := actionLine{Time: time.Now().UTC(), Result: "action-unchanged"}
	if ch != nil {
		l.ActionID, l.ActionName, l.FromS, l.ToS = ch.ActionID, ch.Name, int64(ch.From.Seconds()), int64(ch.To.Seconds())
		l.Version, l.NewVersion = ch.Version, ch.NewVersion
		switch {
		case ch.DryRun && ch.Diff != "":
			l.Result = "action-dry-run"
		case ch.Changed:
			l.Result = "action-raised"
		}
	}
	if err != nil {
		l.Result, l.Error = "action-refused", err.Error()
	}
	return l
}

type changeLine struct {
	NodeID   string `json:"nodeId"`
	NodeName string `json:"nodeName"`
	FromMS   int64  `json:"fromMs"`
	ToMS     int64  `json:"toMs"`
	Was      string `json:"was"` // literal, suggested, unset
	// EffectiveBeforeMS and EffectiveAfterMS are what callers wait, before
	// and after (0: unknown).
	EffectiveBeforeMS int64 `json:"effectiveBeforeMs"`
	EffectiveAfterMS  int64 `json:"effectiveAfterMs"`
	// Rule is the policy rule whose min the node was raised to (-policy).
	Rule string `json:"rule,omitempty"`
}

// cappedLine is a node that still waits less than -min because its action
// gives up first.
type cappedLine struct {
	NodeID          string `json:"nodeId"`
	NodeName        string `json:"nodeName"`
	ActionID        string `json:"actionId"`
	ActionTimeoutMS int64  `json:"actionTimeoutMs"`
	Changed         bool   `json:"changed"`
	Reason          string `json:"reason"`
}

// options are the command's flags, checked.
type options struct {
	raise org.RaiseOptions
	out   string    // -out: write the dry run's plan here
	plan  *org.Plan // -plan: apply this plan, exactly
	// policy names -policy's file in a plan: its path and sha256.
	policy string
	apply  bool
	demo   bool
	backup *backup.Dir // nil in a dry run
	log    string
	cache  *connect.CacheFlags
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, dial connect.ConnectFunc) int {
	stdout, stderr = cli.Escaped(stdout), cli.Escaped(stderr) // names from a server or a file never drive the terminal
	o, code := parseArgs(args, stderr)
	if o == nil {
		return code
	}
	var logW io.Writer
	if o.log != "" {
		f, err := safefile.OpenAppend(o.log) // 0600; a symlink planted at the path is refused
		if err != nil {
			fmt.Fprintln(stderr, "raise:", err)
			return cli.ExitFailure
		}
		defer f.Close()
		logW = f
	}
	c, closeFn := connect.Open(dial, o.demo, o.apply, "raise", permissions, stderr)
	if c == nil {
		return cli.ExitFailure
	}
	defer closeFn()
	cache := o.cache.Open("raise", o.demo, stderr)
	if cache != nil {
		o.raise.Cache = cache
	}
	rep := &reporter{stdout: stdout, stderr: stderr, log: logW, backup: o.backup, progress: cli.NewProgress(stderr),
		sum: summary{apply: o.apply, min: o.target(), maxOf: map[string]time.Duration{}, skippedFlows: map[org.Reason]int{}}}
	if o.raise.Policy != nil {
		for _, r := range o.raise.Policy.Rules {
			rep.sum.maxOf[r.Name] = r.Max
		}
	}
	rep.sum.consumers = func(id string) ([]dataaction.Consumer, string, bool, error) { return dataaction.Consumers(ctx, c, id) }
	rep.sum.planUsers(o.plan)
	switch {
	case o.out != "" && o.raise.Policy != nil:
		rep.plan = org.NewPolicyPlan(c, o.policy)
	case o.out != "":
		rep.plan = org.NewPlan(c, o.raise.Min)
	}
	o.raise.Progress, o.raise.OnAction = rep.progress.Update, rep.action
	results, err := o.results(ctx, c)
	if err != nil { // nothing listed, nothing done
		printRefusal(stderr, err)
		return cli.ExitFailure
	}
	for res, err := range results {
		rep.flow(&res, err)
	}
	rep.progress.Done()
	connect.CacheReport(stderr, "raise", cache, rep.hits, rep.reads)
	rep.sum.print(stdout, ctx.Err() != nil, o.backup)
	if rep.plan != nil && ctx.Err() == nil {
		if err := writePlan(o.out, rep.plan); err != nil {
			fmt.Fprintln(stderr, "raise:", err)
			return cli.ExitFailure
		}
		fmt.Fprintf(stdout, "plan written to %s: %d flow(s), %d action(s); apply it with -plan %s -apply (or -publish)\n", o.out, len(rep.plan.Flows), len(rep.plan.Actions), o.out)
	}
	if s := &rep.sum; s.failed > 0 || s.unverified > 0 || s.stopped > 0 || ctx.Err() != nil {
		return cli.ExitFailure
	}
	return cli.ExitOK
}

// reporter reports a run as it goes: a line for each flow and action, the
// -log file, the progress line, the plan being written (-out) and the
// backup manifests of actions. OnAction runs on the workers while the
// results arrive, so one mutex guards it all.
type reporter struct {
	stdout, stderr io.Writer
	log            io.Writer // nil without -log
	backup         *backup.Dir
	progress       *cli.Progress
	plan           *org.Plan // -out
	mu             sync.Mutex
	sum            summary
	hits, reads    int // configurations from the cache, and read
}

func (r *reporter) writeLog(v any) {
	if r.log == nil {
		return
	}
	b, _ := json.Marshal(v)
	if _, err := r.log.Write(append(b, '\n')); err != nil {
		fmt.Fprintln(r.stderr, "raise: writing the log:", err)
	}
}

// action is RaiseOptions.OnAction.
func (r *reporter) action(ch *dataaction.Change, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress.Done()
	if r.plan != nil {
		r.plan.AddAction(ch, err)
	}
	if err == nil && ch.Changed && r.backup != nil {
		if berr := r.backup.ActionWritten(ch.ActionID, ch.NewVersion); berr != nil {
			fmt.Fprintf(r.stderr, "raise: warning: action %s: recording its new version in the backup: %v\n", ch.ActionID, berr)
		}
	}
	r.sum.action(r.stdout, r.stderr, ch, err)
	r.writeLog(actionLineOf(ch, err))
}

// flow reports one flow's result.
func (r *reporter) flow(res *org.Result, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress.Done()
	r.writeLog(r.sum.add(r.stdout, r.stderr, res, err))
	if res.Changed && res.ToSHA256 != "" && r.backup != nil {
		// What the change left: restore puts the original back only
		// while the flow still holds it.
		if berr := r.backup.FlowWritten(res.FlowID, res.ToSHA256); berr != nil {
			fmt.Fprintf(r.stderr, "raise: warning: flow %s: recording what was written in the backup: %v\n", res.FlowID, berr)
		}
	}
	if err != nil {
		return
	}
	if r.plan != nil {
		r.plan.AddFlow(res)
	}
	r.reads++
	if res.FromCache {
		r.hits++
	}
}

// parseArgs reads the flags and the tutorial's variables. On a usage error
// it writes one line and returns nil.
func parseArgs(args []string, stderr io.Writer) (*options, int) {
	fs := flag.NewFlagSet("raise", flag.ContinueOnError)
	minimum := cli.NewDuration(5 * time.Second)
	fs.Var(minimum, "min", "the shortest acceptable Data Action timeout: whole milliseconds, up to 60s (env TARGET_TIMEOUT_MS)")
	flows := fs.String("flows", "", "flow ids, comma-separated (env TARGET_FLOW_IDS); default: every flow matching -type and -name")
	types := fs.String("type", "", "flow types, comma-separated (inboundcall,workflow,...)")
	name := fs.String("name", "", "flows whose name matches (substring, * wildcards)")
	apply := fs.Bool("apply", false, "write the changes (check in); without it, a dry run")
	publish := fs.Bool("publish", false, "publish the changes (implies -apply)")
	allowDraft := fs.Bool("allow-draft", false, "go ahead when a flow has an unpublished draft (publishing publishes it too)")
	forceUnlock := fs.Bool("force-unlock", false, "break another holder's lock (Genesys checks in their saved work)")
	releaseStale := fs.Bool("release-stale-locks", false, "release locks held by this OAuth client that no running process holds, discarding what was saved under them; use it after a crashed run")
	override := fs.Bool("override-suggested", false, "give a custom timeout to nodes that use the suggested timeout, where that makes callers wait longer")
	actions := fs.Bool("actions", false, "also raise the integration actions whose own timeout keeps callers below -min (changes every flow that uses them; needs integrations:action:edit)")
	includeHTTP := fs.Bool("include-http", false, "also raise HTTP nodes (tutorial-shaped documents)")
	concurrency := fs.Int("concurrency", 4, "flows updated (and, with -plan, checked) at once")
	backupDir := fs.String("backup-dir", "", "write each original configuration here before changing it (default with -apply: ./backups/<timestamp>/)")
	logFile := fs.String("log", "", "append one JSON line per flow to this file")
	demo := fs.Bool("demo", false, "work on an in-process demo organisation: no credentials, no network")
	out := fs.String("out", "", "a dry run that also writes its plan to this file, for review; apply it with -plan FILE -apply")
	planFile := fs.String("plan", "", "apply exactly this plan (written by -out), or nothing when a flow or action moved since; a dry run unless -apply or -publish")
	policyFile := fs.String("policy", "", "raise each Data Action to the min of the rule of this policy file that judges it (the YAML audit -policy reads), instead of one -min; never lowers")
	cache := connect.AddCacheFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raise [flags]\n\nRaises every Data Action timeout below -min. A dry run unless -apply or -publish.")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if code, ok := cli.Parse(fs, args, false, stderr); !ok {
		return nil, code
	}
	o := &options{apply: *apply || *publish, demo: *demo, log: *logFile, cache: cache, out: *out}
	if err := cache.Check(fs, *demo); err != nil {
		return nil, cli.Usagef(stderr, "raise", "%v", err)
	}
	if code, ok := planFlags(fs, o, *planFile, stderr); !ok {
		return nil, code
	}
	if d, ok, err := cli.TimeoutFromEnv("TARGET_TIMEOUT_MS"); err != nil && !minimum.Given {
		return nil, cli.Usagef(stderr, "raise", "%v", err)
	} else if ok && !minimum.Given {
		minimum.D, minimum.Raw = d, d.String()
	}
	if err := cli.CheckTimeout("min", minimum); err != nil {
		return nil, cli.Usagef(stderr, "raise", "%v", err)
	}
	pol, code, ok := readPolicy(fs, o, *policyFile, stderr)
	if !ok {
		return nil, code
	}
	if pol != nil {
		minimum.D = 0
	}
	ids, err := flowIDs(fs, *flows)
	if err != nil {
		return nil, cli.Usagef(stderr, "raise", "%v", err)
	}
	typeList, err := connect.Filters(fs, *types, *name)
	if err != nil {
		return nil, cli.Usagef(stderr, "raise", "%v", err)
	}
	if *concurrency < 1 {
		return nil, cli.Usagef(stderr, "raise", "-concurrency %d: must be 1 or more", *concurrency)
	}
	if o.plan != nil {
		ids, typeList, *name = nil, nil, "" // the plan's own
		if d, err := time.ParseDuration(o.plan.Target); err == nil {
			minimum.D = d
		}
	}
	o.raise = org.RaiseOptions{
		Selection: org.Selection{FlowIDs: ids, Types: typeList, Name: *name, Concurrency: *concurrency},
		Min:       minimum.D, Policy: pol, OverrideSuggested: *override, IncludeHTTP: *includeHTTP, Actions: *actions,
		Update: client.UpdateOptions{Publish: *publish, AllowDraft: *allowDraft, ForceUnlock: *forceUnlock,
			ReleaseStaleLocks: *releaseStale, DryRun: !o.apply},
	}
	if o.apply {
		if code, ok := o.backups(*backupDir, stderr); !ok {
			return nil, code
		}
	}
	return o, cli.ExitOK
}

// backups sets up the backup folder of an apply run (dir, or
// ./backups/<timestamp>/; with -demo, under the user's cache folder) and
// the hooks that write each flow's and each action's original to it
// before it changes.
func (o *options) backups(dir string, stderr io.Writer) (int, bool) {
	if dir == "" {
		stamp := time.Now().UTC().Format("20060102T150405Z")
		dir = filepath.Join("backups", stamp)
		if o.demo {
			// The user's own cache folder, not a shared /tmp.
			if dir = connect.DemoBackupDir(stamp); dir == "" {
				return cli.Usagef(stderr, "raise", "-demo: no user cache folder ($HOME or $XDG_CACHE_HOME unset) for the backups; name one with -backup-dir"), false
			}
		}
	}
	o.backup = &backup.Dir{Path: dir}
	o.raise.Update.Backup = func(_ context.Context, orig *client.Original) error { return o.backup.Write(orig) }
	o.raise.ActionBackup = func(_ context.Context, id string, read []byte, to time.Duration) error {
		return o.backup.WriteAction(id, read, int(to/time.Second))
	}
	return cli.ExitOK, true
}

// planFlags checks -out and -plan against the other flags and reads the
// plan file. A plan carries its own selection and target: the flags that
// would choose others are usage errors beside it, as -out is beside -apply
// (a plan is made by a dry run). A plan file that cannot be read is a
// failure (exit 1).
func planFlags(fs *flag.FlagSet, o *options, planFile string, stderr io.Writer) (int, bool) {
	given := cli.Given(fs)
	switch {
	case given["out"] && given["plan"]:
		return cli.Usagef(stderr, "raise", "-out and -plan: -out writes a plan, -plan applies one; choose one"), false
	case given["out"] && strings.TrimSpace(o.out) == "":
		return cli.Usagef(stderr, "raise", "-out: needs a file name"), false
	case given["out"] && o.apply:
		return cli.Usagef(stderr, "raise", "-out %s: a plan is made by a dry run, not with -apply or -publish; apply it with -plan %s -apply", cli.Cut(o.out), cli.Cut(o.out)), false
	case !given["plan"]:
		return cli.ExitOK, true
	}
	for _, f := range []string{"flows", "type", "name", "min", "policy", "actions", "override-suggested", "include-http"} {
		if given[f] {
			return cli.Usagef(stderr, "raise", "-plan %s and -%s: the plan holds its own flows, actions and target", cli.Cut(planFile), f), false
		}
	}
	data, err := safefile.ReadRegular(planFile, flow.MaxDocumentBytes)
	if err != nil {
		fmt.Fprintf(stderr, "raise: -plan: %v\n", err)
		return cli.ExitFailure, false
	}
	if o.plan, err = org.ParsePlan(data); err != nil {
		fmt.Fprintf(stderr, "raise: -plan %s: %v\n", cli.Cut(planFile), err)
		return cli.ExitFailure, false
	}
	return cli.ExitOK, true
}

// readPolicy reads -policy's file, named in a plan by its path and
// sha256. Beside -min (or TARGET_TIMEOUT_MS) it is a usage error, as is a
// file that is not a policy: one line, "FILE:LINE: what".
func readPolicy(fs *flag.FlagSet, o *options, path string, stderr io.Writer) (*policy.Policy, int, bool) {
	given := cli.Given(fs)
	_, env := os.LookupEnv("TARGET_TIMEOUT_MS")
	switch {
	case !given["policy"]:
		return nil, cli.ExitOK, true
	case given["min"] || env:
		return nil, cli.Usagef(stderr, "raise", "-policy %s and -min (or TARGET_TIMEOUT_MS): the policy gives each node its target; give one", cli.Cut(path)), false
	}
	p, name, err := cli.ReadPolicy(path)
	if err != nil {
		return nil, cli.Usagef(stderr, "raise", "%v", err), false
	}
	if !slices.ContainsFunc(p.Rules, func(r policy.Rule) bool { return r.Min > 0 }) {
		return nil, cli.Usagef(stderr, "raise", "-policy %s: no rule has a min, and a raise raises each node to its rule's min: nothing could be raised", cli.Cut(path)), false
	}
	o.policy = name
	return p, cli.ExitOK, true
}

// target is what the summary says the target is.
func (o *options) target() string {
	if o.raise.Policy != nil || (o.plan != nil && o.plan.Policy != "") {
		return "their rule's min"
	}
	return o.raise.Min.String()
}

// flowIDs are the ids -flows gives, else TARGET_FLOW_IDS; nil when
// neither is set (every flow matching -type and -name).
func flowIDs(fs *flag.FlagSet, flows string) ([]string, error) {
	if isSet(fs, "flows") {
		return cli.FlowIDs("-flows", flows)
	}
	if v, ok := os.LookupEnv("TARGET_FLOW_IDS"); ok {
		return cli.FlowIDs("TARGET_FLOW_IDS", v)
	}
	return nil, nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// otherOutcomes are the summary line's counts that are rare, each said only
// when it is not zero: staged drafts published or left, flows written but
// not verified, flows stopped.
func (s *summary) otherOutcomes() string {
	var b strings.Builder
	verb := "published"
	if !s.apply {
		verb = "would publish"
	}
	if s.staged > 0 {
		fmt.Fprintf(&b, ", %s %d staged draft(s) raising %d Data Action(s)", verb, s.staged, s.stagedNodes)
	}
	if s.alreadyStaged > 0 {
		fmt.Fprintf(&b, ", %d already staged (not published: -publish)", s.alreadyStaged)
	}
	if s.unverified > 0 {
		fmt.Fprintf(&b, ", %d written but not verified", s.unverified)
	}
	if s.stopped > 0 {
		fmt.Fprintf(&b, ", %d stopped", s.stopped)
	}
	return b.String()
}

// summary counts a run's outcomes.
type summary struct {
	apply                                                 bool
	min                                                   string                   // the target, as the summary says it
	maxOf                                                 map[string]time.Duration // -policy: each rule's max
	aboveMax                                              int
	total, raised, nodes, unchanged, failed, duplicates   int
	unverified, stopped                                   int // written but not read back; stopped before writing
	staged, stagedNodes, alreadyStaged                    int // staged drafts published (and their nodes); left staged
	capped, cappedRaisable, actionsRaised, actionsRefused int
	viaAction                                             int // nodes raised by their action alone, in flows left unchanged (not in nodes)
	raisedIDs                                             []string
	// users are the flows of this run that rely on each action raised.
	users map[string][]flowRef
	// consumers asks dependency tracking which flows use an action.
	consumers func(actionID string) ([]dataaction.Consumer, string, bool, error)
	skipped   []string
	// byReason counts the nodes that still wait less than min (or cannot
	// be known not to), by reason; skippedFlows the flows skipped whole.
	byReason     map[org.Reason]int
	skippedFlows map[org.Reason]int
}

func (s *summary) short(r org.Reason, n int) {
	if s.byReason == nil {
		s.byReason = map[org.Reason]int{}
	}
	s.byReason[r] += n
}

// reasons is the closing line of what still waits less than min, by
// reason: nodes, and flows skipped whole (their nodes unread).
func (s *summary) reasons() string {
	var parts []string
	for _, r := range org.Reasons() {
		if n := s.skippedFlows[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d flow(s)", r, n))
		}
		if n := s.byReason[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", r, n))
		}
	}
	return strings.Join(parts, ", ")
}

// flowRef names a flow.
type flowRef struct{ id, name string }

// planUsers records, for a plan applied, the flows that rely on each of
// its actions, as a raise learns them from its effects.
func (s *summary) planUsers(p *org.Plan) {
	if p == nil {
		return
	}
	names := map[string]string{}
	for _, f := range p.Flows {
		names[f.ID] = f.Name
	}
	s.users = map[string][]flowRef{}
	for _, a := range p.Actions {
		for _, id := range a.Flows {
			name := names[id]
			if name == "" {
				name = id // a flow that needed no change of its own
			}
			s.users[a.ID] = append(s.users[a.ID], flowRef{id, name})
		}
	}
}

// effects counts what a flow's effects say: the flows that rely on each
// action raised, what is left short by reason, and each capped node.
func (s *summary) effects(stdout io.Writer, res *org.Result, capped []cappedLine) {
	for _, e := range res.Effects {
		if e.ByAction {
			if s.users == nil {
				s.users = map[string][]flowRef{}
			}
			if u := s.users[e.Node.ActionID]; len(u) == 0 || u[len(u)-1].id != res.FlowID { // a flow's effects come together
				s.users[e.Node.ActionID] = append(u, flowRef{res.FlowID, res.FlowName})
			}
		}
	}
	for _, e := range res.Effects {
		if e.Reason != "" {
			s.short(e.Reason, 1)
		}
	}
	for _, e := range res.Effects {
		if e.AboveMax {
			s.aboveMax++
			fmt.Fprintf(stdout, "   above max: %s (%s) node %s %q waits %v, more than rule %s's max of %v; left as it is (a raise never lowers a timeout)\n",
				res.FlowName, res.FlowID, e.Node.ID, e.Node.Name, e.Before, e.Rule, s.maxOf[e.Rule])
		}
	}
	for _, c := range capped {
		s.capped++
		how := "left as it is"
		if c.Changed {
			how = "raised as far as it helps"
		}
		only := "only raising the action's own timeout helps"
		switch org.Reason(c.Reason) {
		case org.ReasonStaticAction:
			only = "a built-in action: nobody can change its timeout"
		case org.ReasonFunctionAction:
			only = "a function action: raising its function's timeoutSeconds (1 to 15 s) helps: -actions"
			s.cappedRaisable++
		case org.ReasonFunctionLimit:
			only = "a function action at 15 s, the most a function waits: no raise can help"
		case org.ReasonActionDraftPending:
			only = "its action has an unpublished draft, somebody's work: publish or delete it, then run again"
		case org.ReasonCustomAuthAction:
			only = "a custom authentication action: it has no timeout of its own"
		case org.ReasonActionNotRaised:
			s.cappedRaisable++
		}
		fmt.Fprintf(stdout, "   capped: %s (%s) node %s %q waits %v: its action %s gives up after that; %s (%s)\n",
			res.FlowName, res.FlowID, c.NodeID, c.NodeName, time.Duration(c.ActionTimeoutMS)*time.Millisecond, c.ActionID, how, only)
	}
}

// add reports one flow and returns its log line.
func (s *summary) add(stdout, stderr io.Writer, res *org.Result, err error) logLine {
	s.total++
	line := logLine{Time: time.Now().UTC(), FlowID: res.FlowID, FlowName: res.FlowName, FromVersion: res.FromVersion,
		SavedVersion: res.SavedVersion, NewVersion: res.NewVersion, DuplicateOf: res.DuplicateOf, Published: res.Published,
		Staged: res.Staged, Warnings: res.Warnings, Changes: changeLines(res), Capped: cappedLines(res)}
	if err != nil {
		line.Error = err.Error()
		line.Result = s.failure(stdout, stderr, res, err)
	} else {
		line.Result = s.success(stdout, res, line.Changes)
	}
	s.effects(stdout, res, line.Capped)
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "raise: warning: flow %s (%s): %s\n", res.FlowID, res.FlowName, w)
	}
	return line
}

// failure counts and reports a flow that did not end well, once: skipped
// (locked, somebody's draft), written but not verified, stopped, or failed.
// It returns the log's result.
func (s *summary) failure(stdout, stderr io.Writer, res *org.Result, err error) string {
	var oe *client.ObjectError
	switch {
	case errors.Is(err, client.ErrLocked) || errors.Is(err, client.ErrDraftPending):
		// Refused as asked: not a failure of the run.
		s.skipped = append(s.skipped, fmt.Sprintf("%s (%s): %s", res.FlowName, res.FlowID, connect.SkipReason(err)))
		if errors.Is(err, client.ErrLocked) {
			s.skippedFlows[org.ReasonLocked]++
		} else {
			s.skippedFlows[org.ReasonDraftPending]++
		}
		fmt.Fprintf(stderr, "raise: skipped: %s\n", connect.Explain(err, permissions))
		return "skipped"
	case res.Changed:
		// Written, but not read back and verified (stopped, or an answer
		// lost): neither raised nor failed, and said so.
		s.unverified++
		fmt.Fprintf(stdout, "%s (%s): written as version %s, not verified: read it back with audit\n", res.FlowName, res.FlowID, res.NewVersion)
		fmt.Fprintf(stderr, "raise: %s\n", connect.Explain(err, permissions))
		return "not-verified"
	case errors.As(err, &oe) && oe.Stopped:
		s.stopped++
		fmt.Fprintf(stderr, "raise: %s\n", connect.Explain(err, permissions))
		return "stopped"
	}
	s.failed++
	fmt.Fprintf(stderr, "raise: %s\n", connect.Explain(err, permissions))
	return "failed"
}

// success counts and reports a flow whose update ended well, and returns
// the log's result.
func (s *summary) success(stdout io.Writer, res *org.Result, changes []changeLine) string {
	n := raisedNodes(res)
	switch {
	case res.Staged && res.DryRun && len(res.Changes) > 0:
		s.staged, s.stagedNodes = s.staged+1, s.stagedNodes+n
		fmt.Fprintf(stdout, "== %s (%s): would publish its staged draft, which raises %d Data Action(s) to %v\n", res.FlowName, res.FlowID, n, s.min)
		fmt.Fprint(stdout, res.Diff)
		return "dry-run-staged"
	case res.Staged && res.Changed:
		s.staged, s.stagedNodes = s.staged+1, s.stagedNodes+n
		fmt.Fprintf(stdout, "%s (%s): published its staged draft as version %s: %d Data Action(s) now wait %v\n", res.FlowName, res.FlowID, res.NewVersion, n, s.min)
		return "published-staged"
	case res.Staged:
		s.alreadyStaged++
		fmt.Fprintf(stdout, "%s (%s): already raised in a checked-in draft; -publish publishes it\n", res.FlowName, res.FlowID)
		return "staged"
	case res.DryRun && len(res.Changes) > 0:
		s.raised, s.nodes = s.raised+1, s.nodes+n
		fmt.Fprintf(stdout, "== %s (%s): %d Data Action(s) below %v\n", res.FlowName, res.FlowID, len(res.Changes), s.min)
		for _, c := range changes {
			fmt.Fprintf(stdout, "   %s %q: %s %v -> %v (callers wait %s -> %s)\n", c.NodeID, c.NodeName, c.Was,
				time.Duration(c.FromMS)*time.Millisecond, time.Duration(c.ToMS)*time.Millisecond, waits(c.EffectiveBeforeMS), waits(c.EffectiveAfterMS))
		}
		fmt.Fprint(stdout, res.Diff)
		return "dry-run"
	case res.Changed:
		s.raised, s.nodes = s.raised+1, s.nodes+n
		if res.DuplicateOf != "" {
			s.duplicates++
		}
		verb := "checked in"
		if res.Published {
			verb = "published"
		}
		fmt.Fprintf(stdout, "%s (%s): raised %d Data Action(s) to %v, %s as version %s\n", res.FlowName, res.FlowID, n, s.min, verb, res.NewVersion)
		return "changed"
	}
	s.unchanged++
	if n > 0 {
		// Its action was raised: callers wait longer, the flow as it was.
		s.viaAction += n
		wait := "wait"
		if res.DryRun {
			wait = "would wait"
		}
		fmt.Fprintf(stdout, "%s (%s): %d Data Action(s) %s %v or more through their raised action; the flow needs no change\n", res.FlowName, res.FlowID, n, wait, s.min)
	}
	return "unchanged"
}

// printConsumers says which flows use an action: all of them, through
// dependency tracking, or, when the index cannot answer or may be partial,
// at least those of this run.
func (s *summary) printConsumers(stdout io.Writer, id string) {
	var ours []string
	for _, f := range s.users[id] {
		ours = append(ours, f.name)
	}
	users := fmt.Sprintf("is used by %d flow(s) of this run: %s", len(ours), strings.Join(ours, ", "))
	if len(ours) == 0 { // its flows were stopped before their results came
		users = "was raised for flows of this run that were stopped before they were done"
	}
	if s.consumers == nil {
		fmt.Fprintf(stdout, "action %s %s\n", id, users)
		return
	}
	all, status, complete, err := s.consumers(id)
	if err != nil {
		why := err.Error()
		if errors.Is(err, context.Canceled) {
			why = "not asked, the run was stopped" // not the request's URL, twice
		}
		fmt.Fprintf(stdout, "action %s %s (dependency tracking: %s)\n", id, users, why)
		return
	}
	var outside []string
	for _, c := range all {
		if !slices.ContainsFunc(s.users[id], func(f flowRef) bool { return f.id == c.ID }) {
			outside = append(outside, c.Name+" ("+c.ID+")")
		}
	}
	fmt.Fprintf(stdout, "action %s %s\n", id, users)
	if len(outside) > 0 {
		fmt.Fprintf(stdout, "  and by %d other flow(s) (outside the selection, or not changed by this run), which wait longer too: %s\n", len(outside), strings.Join(outside, ", "))
	}
	if !complete {
		fmt.Fprintf(stdout, "  (the dependency index says %s: the list may miss flows)\n", status)
	}
}

// action reports one action raised, planned or refused.
func (s *summary) action(stdout, stderr io.Writer, ch *dataaction.Change, err error) {
	if err != nil {
		s.actionsRefused++
		fmt.Fprintf(stderr, "raise: action not raised: %s\n", connect.Explain(err, permissions+" and integrations:action:edit"))
		return
	}
	what, capped := "its own timeout", ""
	if ch.Function {
		what = "its function's timeout"
	}
	if ch.Capped {
		capped = fmt.Sprintf(" (a function waits at most %v: nodes that need more stay capped)", dataaction.MaxFunctionTimeout)
	}
	again := slices.Contains(s.raisedIDs, ch.ActionID) // raised again, higher, for a later flow's rule
	count := func() {
		if !again {
			s.actionsRaised++
			s.raisedIDs = append(s.raisedIDs, ch.ActionID)
		}
	}
	switch {
	case ch.DryRun && ch.Diff != "":
		count()
		fmt.Fprintf(stdout, "== action %s (%s): would raise %s %v -> %v%s (every flow that uses it waits longer)\n%s", ch.ActionID, ch.Name, what, ch.From, ch.To, capped, ch.Diff)
	case ch.Changed && ch.Function:
		count()
		fmt.Fprintf(stdout, "action %s (%s): raised %s %v -> %v%s through a draft, published as version %d\n", ch.ActionID, ch.Name, what, ch.From, ch.To, capped, ch.NewVersion)
	case ch.Changed:
		count()
		fmt.Fprintf(stdout, "action %s (%s): raised %s %v -> %v, version %d -> %d\n", ch.ActionID, ch.Name, what, ch.From, ch.To, ch.Version, ch.NewVersion)
	default:
		fmt.Fprintf(stdout, "action %s (%s): already waits %v, changed since this run read it (by another user or run); left as it is\n", ch.ActionID, ch.Name, ch.From)
	}
}

func changeLines(res *org.Result) []changeLine {
	effect := map[string]org.Effect{}
	for _, e := range res.Effects {
		effect[e.Node.ID] = e
	}
	out := []changeLine{}
	for _, ch := range res.Changes {
		was := "literal"
		if ch.Node.UseSuggested {
			was = "suggested"
		} else if ch.Node.TimeoutKind.String() == "unset" {
			was = "unset"
		}
		e := effect[ch.Node.ID]
		out = append(out, changeLine{ch.Node.ID, ch.Node.Name, ch.From.Milliseconds(), ch.To.Milliseconds(), was,
			e.Before.Milliseconds(), e.After.Milliseconds(), e.Rule})
	}
	return out
}

// cappedLines are the nodes that still wait less than -min because their
// action gives up first.
func cappedLines(res *org.Result) []cappedLine {
	var out []cappedLine
	for _, e := range res.Effects {
		if e.CappedBy != "" {
			out = append(out, cappedLine{e.Node.ID, e.Node.Name, e.CappedBy, e.ActionTimeout.Milliseconds(), e.Raised, string(e.Reason)})
		}
	}
	return out
}

// raisedNodes counts the nodes whose effective timeout went up: a change
// that does not raise what callers wait is not counted.
func raisedNodes(res *org.Result) int {
	n := 0
	for _, e := range res.Effects {
		if e.Raised {
			n++
		}
	}
	return n
}

func waits(ms int64) string {
	if ms == 0 {
		return "?"
	}
	return (time.Duration(ms) * time.Millisecond).String()
}

// print writes the closing summary.
func (s *summary) print(stdout io.Writer, stopped bool, dir *backup.Dir) {
	mode, verb := "dry run, nothing written: ", "would raise"
	if s.apply {
		mode, verb = "", "raised"
	}
	if stopped {
		mode = "stopped before the end (flows not started are not counted); no lock of this run left; " + mode
	}
	via := ""
	if s.viaAction > 0 {
		via = fmt.Sprintf(" (and %d through their action alone, in flows that needed no change)", s.viaAction)
	}
	fmt.Fprintf(stdout, "%s%d flows: %s %d Data Action(s) in %d%s, %d unchanged, %d skipped (locked or draft pending), %d failed%s\n",
		mode, s.total, verb, s.nodes, s.raised, via, s.unchanged, len(s.skipped), s.failed, s.otherOutcomes())
	for _, f := range s.skipped {
		fmt.Fprintf(stdout, "skipped: %s\n", f)
	}
	if s.actionsRaised > 0 {
		verb := "raised"
		if !s.apply {
			verb = "would raise"
		}
		fmt.Fprintf(stdout, "%s the own timeout of %d action(s); changing an action changes every flow that uses it, in this selection or not\n", verb, s.actionsRaised)
		ids := append([]string(nil), s.raisedIDs...)
		sort.Strings(ids)
		for _, id := range ids {
			s.printConsumers(stdout, id)
		}
	}
	if s.capped > 0 {
		var advice string
		switch {
		case s.cappedRaisable == 0:
			advice = "no raise can change their action (see the reasons below)"
		case s.actionsRaised+s.actionsRefused > 0:
			advice = "their action could not be raised (see above)"
		default:
			advice = fmt.Sprintf("%d of them need their action's own timeout raised: -actions", s.cappedRaisable)
		}
		fmt.Fprintf(stdout, "%d Data Action(s) still wait less than %v because their action gives up first: %s\n", s.capped, s.min, advice)
	}
	if s.aboveMax > 0 {
		fmt.Fprintf(stdout, "%d Data Action(s) wait more than their rule's max: a raise never lowers a timeout; lower them, or their action, by hand\n", s.aboveMax)
	}
	still := "still wait"
	if !s.apply {
		still = "would still wait"
	}
	if r := s.reasons(); r != "" {
		fmt.Fprintf(stdout, "Data Actions that %s less than %v, or may: %s\n", still, s.min, r)
	} else if s.failed == 0 && !stopped {
		fmt.Fprintf(stdout, "no Data Action of these flows would %s less than %v\n", strings.TrimPrefix(still, "would "), s.min)
	}
	if s.duplicates > 0 {
		fmt.Fprintf(stdout, "%d flow(s) got a second, identical version: another run with the same OAuth client changed them at the same moment\n", s.duplicates)
	}
	if dir != nil && dir.Count() > 0 {
		fmt.Fprintf(stdout, "backups of the originals: %s (examples/restore puts them back)\n", dir.Path)
	}
}

// results raises by the flags, or applies the plan -plan read.
func (o *options) results(ctx context.Context, c *client.Client) (iter.Seq2[org.Result, error], error) {
	if o.plan == nil {
		return org.Raise(ctx, c, &o.raise)
	}
	return org.ApplyPlan(ctx, c, o.plan, &org.ApplyOptions{Update: o.raise.Update, Concurrency: o.raise.Concurrency,
		Progress: o.raise.Progress, OnAction: o.raise.OnAction, ActionBackup: o.raise.ActionBackup})
}

// printRefusal says why a run wrote nothing: a line for each flow or
// action that moved since its plan, then what was refused.
func printRefusal(stderr io.Writer, err error) {
	var moved *org.PlanMovedError
	if errors.As(err, &moved) {
		for _, item := range moved.Items {
			fmt.Fprintf(stderr, "raise: %s\n", item)
		}
		fmt.Fprintln(stderr, "raise: the plan was refused whole, nothing written: make a new one with -out")
		return
	}
	fmt.Fprintln(stderr, "raise:", connect.Explain(err, permissions))
}

// writePlan writes the plan file, 0600, atomically.
func writePlan(path string, p *org.Plan) error {
	p.Sort()
	return safefile.WriteJSON(path, p)
}
