// Command raise raises every Data Action timeout below -min in the flows
// named by -flows, or in every flow matching -type and -name.
//
//	go run ./examples/raise -demo                    # dry run: diffs and a summary, nothing written
//	go run ./examples/raise -demo -apply -publish    # raise, publish, verify
//	go run ./examples/raise -flows 1a2b,3c4d -min 8s -apply
//
// It is a dry run unless -apply (check in) or -publish (publish, which
// implies -apply) is given. With -apply, each flow's original configuration
// is written to -backup-dir (default ./backups/<timestamp>/, or a temporary
// folder with -demo) before the flow is changed; examples/restore puts it
// back. Flows locked by someone else, or with an unpublished draft, are
// refused unless -force-unlock or -allow-draft. The tutorial's variables
// TARGET_FLOW_IDS and TARGET_TIMEOUT_MS still work when -flows and -min are
// not given.
//
// Credentials come from GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID and
// GENESYS_CLOUD_CLIENT_SECRET (GENESYS_CLOUD_API_URL overrides the hosts);
// -demo uses an in-process demo organisation. The OAuth client needs
// architect:flow:view, architect:flow:edit, integrations:action:view, and
// architect:flow:publish to publish (architect:flow:unlock for -force-unlock).
//
// Exit codes: 0 success (flows refused because they are locked or have a
// draft are reported as skipped), 1 a flow failed, 2 usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/examples/internal/cli"
)

const permissions = "architect:flow:view, architect:flow:edit, architect:flow:publish and integrations:action:view"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.Connect)
	stop()
	os.Exit(code)
}

// logLine is one line of -log.
type logLine struct {
	Time         time.Time    `json:"time"`
	FlowID       string       `json:"flowId"`
	FlowName     string       `json:"flowName"`
	FromVersion  string       `json:"fromVersion,omitempty"`
	SavedVersion string       `json:"savedVersion,omitempty"`
	NewVersion   string       `json:"newVersion,omitempty"`
	Published    bool         `json:"published"`
	Changes      []changeLine `json:"changes"`
	Result       string       `json:"result"` // changed, changed-unverified, unchanged, dry-run, skipped, failed
	Error        string       `json:"error,omitempty"`
	Warnings     []string     `json:"warnings,omitempty"`
}

type changeLine struct {
	NodeID   string `json:"nodeId"`
	NodeName string `json:"nodeName"`
	FromMS   int64  `json:"fromMs"`
	ToMS     int64  `json:"toMs"`
	Was      string `json:"was"` // literal, suggested, unset
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, connect cli.ConnectFunc) int {
	fs := flag.NewFlagSet("raise", flag.ContinueOnError)
	fs.SetOutput(stderr)
	min := fs.Duration("min", 5*time.Second, "the shortest acceptable Data Action timeout (env TARGET_TIMEOUT_MS)")
	flows := fs.String("flows", "", "flow ids, comma-separated (env TARGET_FLOW_IDS); default: every flow matching -type and -name")
	types := fs.String("type", "", "flow types, comma-separated (inboundcall,workflow,...)")
	name := fs.String("name", "", "flows whose name matches (substring, * wildcards)")
	apply := fs.Bool("apply", false, "write the changes (check in); without it, a dry run")
	publish := fs.Bool("publish", false, "publish the changes (implies -apply)")
	allowDraft := fs.Bool("allow-draft", false, "go ahead when a flow has an unpublished draft (publishing publishes it too)")
	forceUnlock := fs.Bool("force-unlock", false, "break another holder's lock (Genesys checks in their saved work)")
	override := fs.Bool("override-suggested", false, "give a custom timeout to nodes whose suggested timeout (their action's own) is below -min")
	includeHTTP := fs.Bool("include-http", false, "also raise HTTP nodes (tutorial-shaped documents)")
	concurrency := fs.Int("concurrency", 4, "flows updated at once")
	backupDir := fs.String("backup-dir", "", "write each original configuration here before changing it (default with -apply: ./backups/<timestamp>/)")
	logFile := fs.String("log", "", "append one JSON line per flow to this file")
	demo := fs.Bool("demo", false, "work on an in-process demo organisation: no credentials, no network")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raise [flags]\n\nRaises every Data Action timeout below -min. A dry run unless -apply or -publish.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		return cli.ExitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if v := os.Getenv("TARGET_TIMEOUT_MS"); v != "" && !set["min"] {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "raise: TARGET_TIMEOUT_MS=%q is not a positive number of milliseconds\n", v)
			return cli.ExitUsage
		}
		*min = time.Duration(n) * time.Millisecond
	}
	if v := os.Getenv("TARGET_FLOW_IDS"); v != "" && !set["flows"] {
		*flows = v
	}
	if fs.NArg() > 0 || *min <= 0 || *concurrency < 1 {
		fmt.Fprintln(stderr, "raise: bad arguments; see raise -h")
		return cli.ExitUsage
	}
	if *min > client.MaxDataActionTimeout {
		fmt.Fprintf(stderr, "raise: -min %v is above %v, the longest any data action waits: the action would give up first\n", *min, client.MaxDataActionTimeout)
		return cli.ExitUsage
	}
	if *publish {
		*apply = true
	}
	if *apply && *backupDir == "" {
		stamp := time.Now().UTC().Format("20060102T150405Z")
		*backupDir = filepath.Join("backups", stamp)
		if *demo {
			*backupDir = filepath.Join(os.TempDir(), "gcflow-demo-backups", stamp)
		}
	}
	var logW io.Writer
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(stderr, "raise:", err)
			return cli.ExitFailure
		}
		defer f.Close()
		logW = f
	}

	c, closeFn, err := connect(*demo)
	if err != nil {
		fmt.Fprintln(stderr, "raise:", cli.Explain(err, permissions))
		return cli.ExitFailure
	}
	defer closeFn()

	opts := &client.RaiseOptions{
		FlowIDs: cli.SplitList(*flows), Types: cli.SplitList(*types), Name: *name, Min: *min,
		OverrideSuggested: *override, IncludeHTTP: *includeHTTP,
		Publish: *publish, AllowDraft: *allowDraft, ForceUnlock: *forceUnlock, DryRun: !*apply,
		Concurrency: *concurrency,
	}
	if *apply {
		if err := os.MkdirAll(*backupDir, 0o755); err != nil {
			fmt.Fprintln(stderr, "raise:", err)
			return cli.ExitFailure
		}
		opts.Backup = func(_ context.Context, flowID, _ string, original []byte) error {
			return os.WriteFile(filepath.Join(*backupDir, url.PathEscape(flowID)+".json"), original, 0o644)
		}
	}
	progress := cli.NewProgress(stderr)
	opts.Progress = progress.Update

	var total, raised, nodes, unchanged, skipped, failed int
	for res, err := range c.RaiseTimeouts(ctx, opts) {
		if err != nil && res.FlowID == "" {
			progress.Done()
			fmt.Fprintln(stderr, "raise:", cli.Explain(err, permissions))
			return cli.ExitFailure
		}
		total++
		line := logLine{Time: time.Now().UTC(), FlowID: res.FlowID, FlowName: res.FlowName, FromVersion: res.FromVersion,
			SavedVersion: res.SavedVersion, NewVersion: res.NewVersion, Published: res.Published, Warnings: res.Warnings, Changes: []changeLine{}}
		for _, ch := range res.Changes {
			was := "literal"
			if ch.Node.UseSuggested {
				was = "suggested"
			} else if ch.Node.TimeoutKind.String() == "unset" {
				was = "unset"
			}
			line.Changes = append(line.Changes, changeLine{ch.Node.ID, ch.Node.Name, ch.From.Milliseconds(), ch.To.Milliseconds(), was})
		}
		progress.Done()
		switch {
		case errors.Is(err, client.ErrLocked) || errors.Is(err, client.ErrDraftPending):
			// Refused as asked: not a failure of the run.
			skipped++
			line.Result, line.Error = "skipped", err.Error()
			fmt.Fprintf(stderr, "raise: skipped: %s\n", cli.Explain(err, permissions))
		case err != nil && res.Changed:
			// Written, but the update did not finish (cancelled before
			// its verification, say): count it as both.
			raised++
			failed++
			nodes += len(res.Changes)
			line.Result, line.Error = "changed-unverified", err.Error()
			fmt.Fprintf(stdout, "%s (%s): raised %d Data Action(s) to %v as version %s, not verified\n", res.FlowName, res.FlowID, len(res.Changes), *min, res.NewVersion)
			fmt.Fprintf(stderr, "raise: %s\n", cli.Explain(err, permissions))
		case err != nil:
			failed++
			line.Result, line.Error = "failed", err.Error()
			fmt.Fprintf(stderr, "raise: %s\n", cli.Explain(err, permissions))
		case res.DryRun && len(res.Changes) > 0:
			line.Result = "dry-run"
			raised++
			nodes += len(res.Changes)
			fmt.Fprintf(stdout, "== %s (%s): %d Data Action(s) below %v\n", res.FlowName, res.FlowID, len(res.Changes), *min)
			for _, c := range line.Changes {
				fmt.Fprintf(stdout, "   %s %q: %s %v -> %v\n", c.NodeID, c.NodeName, c.Was, time.Duration(c.FromMS)*time.Millisecond, time.Duration(c.ToMS)*time.Millisecond)
			}
			fmt.Fprint(stdout, res.Diff)
		case res.Changed:
			line.Result = "changed"
			raised++
			nodes += len(res.Changes)
			verb := "checked in"
			if res.Published {
				verb = "published"
			}
			fmt.Fprintf(stdout, "%s (%s): raised %d Data Action(s) to %v, %s as version %s\n", res.FlowName, res.FlowID, len(res.Changes), *min, verb, res.NewVersion)
		default:
			line.Result = "unchanged"
			unchanged++
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(stderr, "raise: warning: %s\n", w)
		}
		if logW != nil {
			b, _ := json.Marshal(line)
			if _, err := logW.Write(append(b, '\n')); err != nil {
				fmt.Fprintln(stderr, "raise: writing the log:", err)
			}
		}
	}
	progress.Done()
	mode := "dry run, nothing written: "
	verb := "would raise"
	if *apply {
		mode, verb = "", "raised"
	}
	if ctx.Err() != nil {
		mode = "cancelled, no lock of ours left; " + mode
	}
	fmt.Fprintf(stdout, "%s%d flows: %s %d Data Action(s) in %d, %d unchanged, %d skipped (locked or draft pending), %d failed\n",
		mode, total, verb, nodes, raised, unchanged, skipped, failed)
	if *apply && raised > 0 {
		fmt.Fprintf(stdout, "backups of the originals: %s (examples/restore puts them back)\n", *backupDir)
	}
	if failed > 0 || ctx.Err() != nil {
		return cli.ExitFailure
	}
	return cli.ExitOK
}
