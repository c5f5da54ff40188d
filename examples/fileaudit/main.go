// Command fileaudit lists the Data Actions of flow documents on disk, with
// their stored timeouts, and what raising them to -min would change. It reads
// files only: no credentials, no network.
//
//	go run ./examples/fileaudit -min 5s flow/testdata/*.json
//
// Exit codes: 0 success, 1 a file could not be read or parsed, 2 usage, 3
// with -check when a timeout is below -min.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"
	"time"

	"github.com/gcflow/timeouts/flow"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fileaudit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	min := fs.Duration("min", 5*time.Second, "the shortest acceptable Data Action timeout")
	check := fs.Bool("check", false, "exit 3 when any timeout is below -min")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fileaudit [-min 5s] [-check] FILE.json ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 || *min <= 0 {
		fs.Usage()
		return 2
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tNODE\tTYPE\tNAME\tSTORED\tSUGGESTED\tRAISE TO")
	failed, below := false, 0
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "fileaudit: %v\n", err)
			failed = true
			continue
		}
		doc, err := flow.Parse(data)
		if err != nil {
			fmt.Fprintf(stderr, "fileaudit: %s: %v\n", path, err)
			failed = true
			continue
		}
		nodes := doc.Nodes()
		changes, err := doc.RaiseTimeouts(*min, &flow.RaiseOptions{Filter: func(n flow.Node) bool { return n.Err == nil }})
		if err != nil {
			fmt.Fprintf(stderr, "fileaudit: %s: %v\n", path, err)
			failed = true
			continue
		}
		raised := map[string]bool{}
		for _, c := range changes {
			raised[c.Node.Pointer] = true
		}
		below += len(changes)
		for _, n := range nodes {
			stored := n.TimeoutKind.String()
			if n.TimeoutKind == flow.TimeoutLiteral {
				stored = n.Timeout.String()
			}
			if n.Err != nil {
				stored = "error: " + n.Err.Error()
			}
			to := "-"
			if raised[n.Pointer] {
				to = min.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", path, n.ID, n.Type, n.Name, stored, n.UseSuggested, to)
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d below %v\n", below, *min)
	switch {
	case failed:
		return 1
	case *check && below > 0:
		return 3
	}
	return 0
}
