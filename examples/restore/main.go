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
// bytes. Credentials and permissions are as for examples/raise.
//
// Exit codes: 0 success, 1 a flow failed, 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/flow"
)

const permissions = "architect:flow:view, architect:flow:edit and architect:flow:publish"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.Connect)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, connect cli.ConnectFunc) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "a backup folder written by examples/raise")
	file := fs.String("file", "", "one backup file (<flow id>.json)")
	apply := fs.Bool("apply", false, "write (check in); without it, a dry run")
	publish := fs.Bool("publish", false, "publish (implies -apply)")
	allowDraft := fs.Bool("allow-draft", false, "go ahead when a flow has an unpublished draft")
	forceUnlock := fs.Bool("force-unlock", false, "break another holder's lock (Genesys checks in their saved work)")
	demo := fs.Bool("demo", false, "restore into an in-process demo organisation")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: restore (-dir DIR | -file FILE) [flags]\n\nSaves each backed-up configuration as a new version of its flow.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		return cli.ExitUsage
	}
	if fs.NArg() > 0 || (*dir == "") == (*file == "") {
		fmt.Fprintln(stderr, "restore: give exactly one of -dir and -file; see restore -h")
		return cli.ExitUsage
	}
	if *publish {
		*apply = true
	}
	files := []string{*file}
	if *dir != "" {
		var err error
		if files, err = filepath.Glob(filepath.Join(*dir, "*.json")); err != nil || len(files) == 0 {
			fmt.Fprintf(stderr, "restore: no backup files (*.json) in %s\n", *dir)
			return cli.ExitFailure
		}
		sort.Strings(files)
	}
	// Read and check every backup before writing anything.
	type backup struct {
		flowID string
		config []byte
	}
	var backups []backup
	for _, path := range files {
		id, err := url.PathUnescape(strings.TrimSuffix(filepath.Base(path), ".json"))
		if err != nil || id == "" || !strings.HasSuffix(path, ".json") {
			fmt.Fprintf(stderr, "restore: %s is not named <flow id>.json\n", path)
			return cli.ExitFailure
		}
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "restore:", err)
			return cli.ExitFailure
		}
		if _, err := flow.Parse(b); err != nil {
			fmt.Fprintf(stderr, "restore: %s: %s\n", path, cli.Explain(err, permissions))
			return cli.ExitFailure
		}
		backups = append(backups, backup{id, b})
	}

	c, closeFn, err := connect(*demo)
	if err != nil {
		fmt.Fprintln(stderr, "restore:", cli.Explain(err, permissions))
		return cli.ExitFailure
	}
	defer closeFn()
	failed, restored, same := 0, 0, 0
	for _, b := range backups {
		if ctx.Err() != nil {
			break
		}
		res, err := c.UpdateFlow(ctx, b.flowID, func(d *flow.Document) ([]flow.Change, error) { return d.Replace(b.config) },
			&client.UpdateOptions{Publish: *publish, AllowDraft: *allowDraft, ForceUnlock: *forceUnlock, DryRun: !*apply})
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stderr, "restore: %s\n", cli.Explain(err, permissions))
		case res.DryRun && res.Diff != "":
			restored++
			fmt.Fprintf(stdout, "== %s (%s): would restore %d timeout(s)\n%s", res.FlowName, b.flowID, len(res.Changes), res.Diff)
		case res.Changed:
			restored++
			fmt.Fprintf(stdout, "%s (%s): restored as version %s\n", res.FlowName, b.flowID, res.NewVersion)
		default:
			same++
			fmt.Fprintf(stdout, "%s (%s): already as backed up\n", res.FlowName, b.flowID)
		}
	}
	mode := ""
	if !*apply {
		mode = "dry run, nothing written: "
	}
	fmt.Fprintf(stdout, "%s%d backups: %d restored, %d already as backed up, %d failed\n", mode, len(backups), restored, same, failed)
	if failed > 0 || ctx.Err() != nil {
		return cli.ExitFailure
	}
	return cli.ExitOK
}
