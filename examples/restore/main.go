// Command restore puts back the original configurations that examples/raise
// wrote to its backup folder: each is saved as a new version of its flow (and
// published with -publish) through the same safe update path, so locks,
// drafts and conflicts are handled as for a raise. A dry run unless -apply.
//
//	go run ./examples/restore -dir backups/20261126T101500Z            # what would change
//	go run ./examples/restore -dir backups/20261126T101500Z -publish   # put the originals back
//	go run ./examples/restore -file backups/20261126T101500Z/1a2b.json -apply
//
// A backup file is named <flow id>.json and holds the configuration's exact
// bytes; <flow id>.manifest.json beside it names the flow, its type, the
// version backed up and the bytes' sha256. Before writing anything, restore
// reads every target flow and refuses the whole restore (exit 1) when a
// file has no manifest, or its bytes, flow id or type do not match the flow
// it would write, unless -force. A flow whose manifest records what the
// raise left (newSha256) is restored only while it still holds that, as
// read under the lock: a flow somebody changed since keeps their change,
// and the run exits 1, unless -force. Credentials and permissions are as for
// examples/raise. A dry run connects read-only and labels its diff's sides
// "now" and "backup". Locked flows are skipped, as in raise; signals are
// handled as in raise.
//
// Exit codes: 0 success (locked flows skipped), 1 a flow failed or a backup
// was refused, 2 usage.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/examples/internal/backup"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/examples/internal/connect"
	"github.com/gcflow/timeouts/flow"
)

const permissions = "architect:flow:view, architect:flow:edit and architect:flow:publish (and integrations:action:edit for actions)"

func main() {
	cli.Main("restore", func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, connect.Connect)
	})
}

type options struct {
	dir                string
	files              []string
	flows, actions     []string // -flows, -actions: only these of the folder
	subset             bool     // -flows or -actions was given
	update             client.UpdateOptions
	apply, force, demo bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, dial connect.ConnectFunc) int {
	stdout, stderr = cli.Escaped(stdout), cli.Escaped(stderr) // names from a server or a file never drive the terminal
	o, code := parseArgs(args, stderr)
	if o == nil {
		return code
	}
	// Read and check every backup file before anything is sent.
	var backups []*backup.Backup
	var docs []*flow.Document
	for _, path := range o.files {
		b, err := backup.Read(path)
		if err != nil {
			fmt.Fprintln(stderr, "restore:", err)
			return cli.ExitFailure
		}
		doc, err := flow.ParseAny(b.Config) // a flow of a shape flow does not read is restored as it is
		if err != nil {
			fmt.Fprintf(stderr, "restore: %s: %s\n", path, connect.Explain(err, permissions))
			return cli.ExitFailure
		}
		backups = append(backups, b)
		docs = append(docs, doc)
	}
	actions, code := readActions(o, stderr)
	if code != cli.ExitOK {
		return code
	}
	if o.subset {
		var err error
		if backups, docs, err = only(backups, docs, o.flows); err != nil {
			return cli.Usagef(stderr, "restore", "%v", err)
		}
	}
	if len(backups) == 0 && len(actions) == 0 {
		fmt.Fprintf(stderr, "restore: no backup files (*.json, or actions/*.json) in %s\n", o.dir)
		return cli.ExitFailure
	}
	c, closeFn := connect.Open(dial, o.demo, o.apply, "restore", permissions, stderr)
	if c == nil {
		return cli.ExitFailure
	}
	defer closeFn()
	if !checkIdentities(ctx, c, backups, o.force, stderr) {
		return cli.ExitFailure
	}
	code = cli.ExitOK
	if len(backups) > 0 {
		code = restoreAll(ctx, c, backups, docs, o, stdout, stderr)
	}
	if acode := restoreActions(ctx, c, actions, o, stdout, stderr); acode != cli.ExitOK {
		return acode
	}
	return code
}

func parseArgs(args []string, stderr io.Writer) (*options, int) {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dir := fs.String("dir", "", "a backup folder written by examples/raise")
	file := fs.String("file", "", "one backup file (<flow id>.json, with its <flow id>.manifest.json beside it)")
	flows := fs.String("flows", "", "with -dir: restore only these flows of the folder, comma-separated ids (and no action unless -actions names it)")
	actions := fs.String("actions", "", "with -dir: restore only these actions of the folder's actions/, comma-separated ids (and no flow unless -flows names it)")
	apply := fs.Bool("apply", false, "write (check in); without it, a dry run")
	publish := fs.Bool("publish", false, "publish (implies -apply)")
	allowDraft := fs.Bool("allow-draft", false, "go ahead when a flow has an unpublished draft")
	forceUnlock := fs.Bool("force-unlock", false, "break another holder's lock (Genesys checks in their saved work)")
	releaseStale := fs.Bool("release-stale-locks", false, "release locks held by this OAuth client that no running process holds, discarding what was saved under them; use it after a crashed run")
	force := fs.Bool("force", false, "restore a file whose manifest is missing, or whose bytes, flow id or type do not match the flow, and a flow changed since the raise")
	demo := fs.Bool("demo", false, "restore into an in-process demo organisation")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: restore (-dir DIR | -file FILE) [flags]\n\nSaves each backed-up configuration as a new version of its flow.")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if code, ok := cli.Parse(fs, args, false, stderr); !ok {
		return nil, code
	}
	if (*dir == "") == (*file == "") {
		return nil, cli.Usagef(stderr, "restore", "give exactly one of -dir and -file")
	}
	o := &options{dir: *dir, apply: *apply || *publish, force: *force, demo: *demo, files: []string{*file}}
	given := cli.Given(fs)
	for _, sub := range []struct {
		flag  string
		value string
		ids   *[]string
	}{{"flows", *flows, &o.flows}, {"actions", *actions, &o.actions}} {
		if !given[sub.flag] {
			continue
		}
		if *dir == "" {
			return nil, cli.Usagef(stderr, "restore", "-%s chooses among the backups of a folder: give -dir", sub.flag)
		}
		ids := cli.SplitList(sub.value)
		if len(ids) == 0 {
			return nil, cli.Usagef(stderr, "restore", "-%s %s: no id in the list; name at least one, or leave it out to restore the whole folder", sub.flag, cli.Quote(sub.value))
		}
		*sub.ids, o.subset = ids, true
	}
	o.update = client.UpdateOptions{Publish: *publish, AllowDraft: *allowDraft, ForceUnlock: *forceUnlock,
		ReleaseStaleLocks: *releaseStale, DryRun: !o.apply, DiffLabel: "backup", AnyShape: true}
	if *dir != "" {
		files, err := backup.Files(*dir)
		if err != nil {
			fmt.Fprintf(stderr, "restore: %s: %v\n", *dir, err)
			return nil, cli.ExitFailure
		}
		o.files = files
	}
	return o, cli.ExitOK
}

// only keeps the backups of the flows named, in the folder's order. An id
// with no backup in the folder is an error: a restore of less than asked
// would look like success.
func only(backups []*backup.Backup, docs []*flow.Document, ids []string) ([]*backup.Backup, []*flow.Document, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var keptB []*backup.Backup
	var keptD []*flow.Document
	for i, b := range backups {
		if want[b.FlowID] {
			keptB, keptD = append(keptB, b), append(keptD, docs[i])
			delete(want, b.FlowID)
		}
	}
	for _, id := range ids {
		if want[id] {
			return nil, nil, fmt.Errorf("-flows %s: no backup of flow %s in the folder", cli.Cut(strings.Join(ids, ",")), cli.Quote(id))
		}
	}
	return keptB, keptD, nil
}

// checkIdentities reads each backup's flow and checks the backup belongs to
// it. Any refusal refuses the whole restore: nothing is written.
func checkIdentities(ctx context.Context, c *client.Client, backups []*backup.Backup, force bool, stderr io.Writer) bool {
	ok := true
	for _, b := range backups {
		f, err := c.Flow(ctx, b.FlowID)
		if err != nil {
			fmt.Fprintf(stderr, "restore: %s: flow %s: %s\n", b.Path, b.FlowID, connect.Explain(err, permissions))
			ok = false
			continue
		}
		if err := b.Check(f); err != nil {
			if force {
				fmt.Fprintf(stderr, "restore: warning: %v; restoring anyway (-force)\n", err)
				continue
			}
			fmt.Fprintf(stderr, "restore: refused: %v (-force restores it anyway)\n", err)
			ok = false
		}
	}
	if !ok {
		fmt.Fprintln(stderr, "restore: nothing restored")
	}
	return ok
}

// errChangedSince: the flow no longer holds what the raise left, so
// putting the backup back would undo somebody's later change too.
var errChangedSince = errors.New("the flow was changed after the raise wrote it, and restoring the backup would undo that change too; nothing was written (-force restores it anyway)")

// restoreEdit puts backup b (its document doc) back, made on the flow as
// read under the lock: only while the flow holds what the raise left
// (the manifest's newSha256), or already the backup, unless force. A
// manifest from before the raise recorded what it left, or from a raise
// that did not get to verify its write, has no newSha256: the backup is
// put back over whatever the flow holds, as before.
func restoreEdit(b *backup.Backup, doc *flow.Document, force bool) client.EditFunc {
	return func(d *flow.Document) ([]flow.Change, error) {
		if m := b.Manifest; m != nil && m.NewSHA256 != "" && !force {
			sum := sha256.Sum256(d.Bytes())
			if now := hex.EncodeToString(sum[:]); now != m.NewSHA256 && now != m.SHA256 {
				return nil, errChangedSince
			}
		}
		return d.Overwrite(doc), nil
	}
}

func restoreAll(ctx context.Context, c *client.Client, backups []*backup.Backup, docs []*flow.Document, o *options, stdout, stderr io.Writer) int {
	failed, restored, same, skipped := 0, 0, 0, 0
	for i, b := range backups {
		if ctx.Err() != nil {
			break
		}
		res, err := c.UpdateFlow(ctx, b.FlowID, restoreEdit(b, docs[i], o.force), &o.update)
		for _, w := range res.Warnings {
			fmt.Fprintf(stderr, "restore: warning: flow %s (%s): %s\n", res.FlowID, res.FlowName, w)
		}
		switch {
		case errors.Is(err, client.ErrLocked) || errors.Is(err, client.ErrDraftPending):
			skipped++
			fmt.Fprintf(stderr, "restore: skipped: %s\n", connect.Explain(err, permissions))
		case err != nil:
			failed++
			fmt.Fprintf(stderr, "restore: %s\n", connect.Explain(err, permissions))
		case res.DryRun && res.Diff != "":
			restored++
			fmt.Fprintf(stdout, "== %s (%s): would restore %d timeout(s)\n%s", res.FlowName, b.FlowID, len(res.Changes), res.Diff)
		case res.Changed:
			restored++
			fmt.Fprintf(stdout, "%s (%s): restored as version %s\n", res.FlowName, b.FlowID, res.NewVersion)
		default:
			same++
			fmt.Fprintf(stdout, "%s (%s): already as backed up\n", res.FlowName, b.FlowID)
		}
	}
	mode, verb := "", "restored"
	if !o.apply {
		mode, verb = "dry run, nothing written: ", "would restore"
	}
	if ctx.Err() != nil {
		mode = "stopped before the end; no lock of this run left; " + mode
	}
	fmt.Fprintf(stdout, "%s%d backups: %s %d, %d already as backed up, %d skipped (locked or draft pending), %d failed\n",
		mode, len(backups), verb, restored, same, skipped, failed)
	if failed > 0 || ctx.Err() != nil {
		return cli.ExitFailure
	}
	return cli.ExitOK
}

// readActions reads the action backups of the folder (none for -file), the
// ones -actions names when a subset was asked for. An id -actions names
// that has no backup there is a usage error.
func readActions(o *options, stderr io.Writer) ([]*backup.ActionBackup, int) {
	if o.dir == "" {
		return nil, cli.ExitOK
	}
	all, err := backup.ReadActions(o.dir)
	if err != nil {
		fmt.Fprintln(stderr, "restore:", err)
		return nil, cli.ExitFailure
	}
	for _, a := range all {
		if err := a.Check(); err != nil { // every one, before the first request
			fmt.Fprintf(stderr, "restore: %v; nothing was restored\n", err)
			return nil, cli.ExitFailure
		}
	}
	if !o.subset {
		return all, cli.ExitOK
	}
	byID := map[string]*backup.ActionBackup{}
	for _, a := range all {
		byID[a.ActionID] = a
	}
	var out []*backup.ActionBackup
	for _, id := range o.actions {
		a := byID[id]
		if a == nil {
			return nil, cli.Usagef(stderr, "restore", "-actions %s: no backup of action %s in the folder", cli.Cut(strings.Join(o.actions, ",")), cli.Quote(id))
		}
		out = append(out, a)
	}
	return out, cli.ExitOK
}

// restoreActions puts each backed-up action's own timeout back, only while
// the action still has the timeout its run wrote (dataaction.SetOptions.
// Expect): a later change by somebody else wins, and is reported. It
// changes nothing but timeoutSeconds, with the version read.
func restoreActions(ctx context.Context, c *client.Client, actions []*backup.ActionBackup, o *options, stdout, stderr io.Writer) int {
	if len(actions) == 0 {
		return cli.ExitOK
	}
	restored, same, left, failed := 0, 0, 0, 0
	for _, a := range actions {
		if ctx.Err() != nil {
			break
		}
		from, _ := a.FromSeconds() // checked by readActions
		ch, err := dataaction.SetTimeout(ctx, c, a.ActionID, time.Duration(from)*time.Second,
			&dataaction.SetOptions{Expect: time.Duration(a.Manifest.ToSeconds) * time.Second, DryRun: !o.apply})
		switch {
		case errors.Is(err, dataaction.ErrMoved):
			left++
			fmt.Fprintf(stderr, "restore: action %s (%s) left as it is: somebody changed it after the raise: %v\n", a.ActionID, a.Manifest.Name, err)
		case err != nil:
			failed++
			fmt.Fprintf(stderr, "restore: %s\n", connect.Explain(err, permissions))
		case ch.DryRun && ch.Diff != "":
			restored++
			fmt.Fprintf(stdout, "== action %s (%s): would restore its timeout %v -> %v\n%s", a.ActionID, ch.Name, ch.From, ch.To, ch.Diff)
		case ch.Changed:
			restored++
			fmt.Fprintf(stdout, "action %s (%s): timeout restored to %v as version %d\n", a.ActionID, ch.Name, ch.To, ch.NewVersion)
		default:
			same++
			fmt.Fprintf(stdout, "action %s (%s): already as backed up\n", a.ActionID, ch.Name)
		}
	}
	verb := "restored"
	if !o.apply {
		verb = "would restore"
	}
	fmt.Fprintf(stdout, "%d action backups: %s %d, %d already as backed up, %d left as somebody changed them, %d failed\n",
		len(actions), verb, restored, same, left, failed)
	if left > 0 || failed > 0 || ctx.Err() != nil {
		return cli.ExitFailure
	}
	return cli.ExitOK
}
