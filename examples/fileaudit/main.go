// Command fileaudit lists the Data Actions of flow documents on disk, with
// their stored timeouts, and what raising them to -min would change. It reads
// files only: no credentials, no network.
//
//	go run ./examples/fileaudit -min 5s flow/testdata/*.json
//
// A file is read up to flow.MaxDocumentBytes (32 MiB): a larger one, or an
// endless one such as /dev/zero, is refused with one line. Names are
// printed with their control characters escaped.
//
// Exit codes: 0 success, 1 a file could not be read or parsed, 2 usage, 3
// with -check when a timeout is below -min or a Data Action cannot be read
// (duplicate keys on its path, a timeout of the wrong type): a gate fails
// closed. A gate that judged nothing has not passed either: with -check,
// files without a Data Action, or a policy none of whose rules matches
// one, are exit 3 with a line that says so. Under -policy, a rule or an
// exemption that matched no Data Action is said on stderr, whatever the
// exit. A file that cannot be read is exit 1; under -policy it is also an
// unreadable finding in the reports (policy.Policy.JudgeFlow), so that an
// upload of them never shows its nodes as fixed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/safefile"
)

func main() {
	cli.Main("fileaudit", run)
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	stdout, stderr = cli.Escaped(stdout), cli.Escaped(stderr) // names from a server or a file never drive the terminal
	fs := flag.NewFlagSet("fileaudit", flag.ContinueOnError)
	minimum := cli.NewDuration(5 * time.Second)
	fs.Var(minimum, "min", "the shortest acceptable Data Action timeout: whole milliseconds, up to 60s")
	check := fs.Bool("check", false, "exit 3 when any timeout is below -min (or, with -policy, a finding), or a Data Action cannot be read, and when nothing was judged")
	policyFile := fs.String("policy", "", "judge each Data Action by this timeout policy, not by -min")
	format := fs.String("format", "text", "output format: text, or with -policy junit or sarif")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fileaudit [-min 5s | -policy FILE [-format junit]] [-check] FILE.json ...")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if code, ok := cli.Parse(fs, args, true, stderr); !ok {
		return code
	}
	if err := cli.CheckTimeout("min", minimum); err != nil {
		return cli.Usagef(stderr, "fileaudit", "%v", err)
	}
	if fs.NArg() == 0 {
		return cli.Usagef(stderr, "fileaudit", "no file named; give one or more flow documents (FILE.json ...)")
	}
	given := cli.Given(fs)
	switch {
	case *format != "text" && *format != "junit" && *format != "sarif":
		return cli.Usagef(stderr, "fileaudit", "-format %s: not text, junit or sarif", cli.Cut(*format))
	case *format != "text" && !given["policy"]:
		return cli.Usagef(stderr, "fileaudit", "-format %s: judges by a policy; give -policy FILE", *format)
	case given["policy"] && given["min"]:
		return cli.Usagef(stderr, "fileaudit", "-policy %s and -min: the policy holds the limits; give one", cli.Cut(*policyFile))
	case given["policy"]:
		p, _, err := cli.ReadPolicy(*policyFile)
		if err != nil {
			return cli.Usagef(stderr, "fileaudit", "%v", err)
		}
		return judgeFiles(p, *policyFile, fs.Args(), *format, *check, stdout, stderr)
	}
	target := minimum.D
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tNODE\tTYPE\tNAME\tSTORED\tSUGGESTED\tRAISE TO")
	failed, below, unreadable, nodes := false, 0, 0, 0
	for _, path := range fs.Args() {
		b, u, n, err := auditFile(tw, path, target)
		if err != nil {
			fmt.Fprintf(stderr, "fileaudit: %v\n", err)
			failed = true
			continue
		}
		below, unreadable, nodes = below+b, unreadable+u, nodes+n
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d below %v, %d cannot be read\n", below, target, unreadable)
	switch {
	case failed:
		return 1
	case *check && nodes == 0:
		fmt.Fprintf(stderr, "fileaudit: -check: no Data Action in the %s; a gate that judged nothing has not passed\n", cli.Things(fs.NArg(), "file"))
		return 3
	case *check && below+unreadable > 0:
		return 3 // a node that cannot be read fails the gate: fail closed
	}
	return 0
}

// readDocument reads and parses the flow document at path, up to
// flow.MaxDocumentBytes (/dev/zero stops at the cap). Its error names the
// file; the bytes read come back with a document that does not parse.
func readDocument(path string) ([]byte, *flow.Document, error) {
	data, err := safefile.ReadFile(path, flow.MaxDocumentBytes)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, nil, fmt.Errorf("%s: larger than %d MiB, the most a flow document is read at; not a flow document", path, flow.MaxDocumentBytes>>20)
	}
	if err != nil {
		return nil, nil, err
	}
	doc, err := flow.Parse(data)
	if err != nil {
		return data, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, doc, nil
}

// auditFile writes a row for each Data Action of the flow document at path,
// and counts those below target, those that cannot be read, and all. Its
// error names the file.
func auditFile(tw io.Writer, path string, target time.Duration) (below, unreadable, all int, err error) {
	_, doc, err := readDocument(path)
	if err != nil {
		return 0, 0, 0, err
	}
	nodes := doc.Nodes()
	changes, err := doc.RaiseTimeouts(target, &flow.RaiseOptions{Filter: func(n flow.Node) bool { return n.Err == nil }})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	raised := map[string]bool{}
	for _, c := range changes {
		raised[c.Node.Pointer] = true
	}
	for _, n := range nodes {
		stored := n.TimeoutKind.String()
		if n.TimeoutKind == flow.TimeoutLiteral {
			stored = n.Timeout.String()
		}
		if n.Err != nil {
			stored = "cannot be read: " + n.Err.Error()
			unreadable++
		}
		to := "-"
		if raised[n.Pointer] {
			to = target.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", path, n.ID, n.Type, n.Name, stored, n.UseSuggested, to)
	}
	return len(changes), unreadable, len(nodes), nil
}
