// Command probe settles, on a sandbox organisation, every behaviour of
// Genesys Cloud that this module models but no public source confirms, and
// says for each whether the platform does what the module expects.
//
//	go run ./examples/probe -sandbox                  # a table: modelled, observed, verdict
//	go run ./examples/probe -sandbox -format json     # the same, with every platform answer
//	go run ./examples/probe -demo -sandbox            # against the in-process demo organisation
//
// What it writes: it creates ONE scratch workflow, named
// gcflow-probe-<timestamp>-<random>, saves, checks in, publishes and reverts it,
// and deletes it at the end, also on failure and on Ctrl-C or SIGTERM (it
// prints the scratch flow's id first, to delete by hand should the process
// be killed outright). It reads one data action (-action, or the first the
// organisation lists) and writes none, unless -write-action, which PATCHes
// that action with its own config, unchanged, and, when -function-action
// names one, publishes a draft of that function action whose function is
// put back unchanged. It touches no other flow.
// -sandbox acknowledges this; without it, probe only says what it would do.
//
// Each row is one behaviour: what the module models, what the platform did,
// and a verdict: confirmed, differs (with the one place in code to change),
// or could not check (with why).
//
// Credentials come from GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID and
// GENESYS_CLOUD_CLIENT_SECRET (GENESYS_CLOUD_API_URL overrides the hosts).
// The OAuth client needs architect:flow:view, architect:flow:add,
// architect:flow:edit, architect:flow:publish, architect:flow:delete,
// architect:flow:unlock and integrations:action:view (and
// integrations:action:edit for -write-action).
//
// Exit codes: 0 every row confirmed, 3 a row differs, 1 failure (a row
// could not be checked, or the scratch flow could not be deleted), 2 usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gcflow/timeouts/client/probe"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/examples/internal/connect"
)

const permissions = "architect:flow:view, architect:flow:add, architect:flow:edit, architect:flow:publish, architect:flow:delete, architect:flow:unlock and integrations:action:view (integrations:action:edit with -write-action)"

// what is what the probe does, as -sandbox acknowledges it.
const what = "the probe creates one scratch workflow (gcflow-probe-<timestamp>), saves, checks in, publishes and reverts it, then deletes it; it reads one data action and one function action and writes neither unless -write-action; it touches no other flow. Run it on a sandbox organisation, with -sandbox to acknowledge this"

func main() {
	cli.Main("probe", func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, connect.Connect)
	})
}

type options struct {
	probe  probe.Options
	format string
	demo   bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, dial connect.ConnectFunc) int {
	stdout, stderr = cli.Escaped(stdout), cli.Escaped(stderr) // names from a server or a file never drive the terminal
	o, code := parseArgs(args, stderr)
	if o == nil {
		return code
	}
	c, closeFn := connect.Open(dial, o.demo, true, "probe", permissions, stderr)
	if c == nil {
		return cli.ExitFailure
	}
	defer closeFn()
	o.probe.OnScratch = func(id, name string) {
		fmt.Fprintf(stderr, "probe: created the scratch flow %s (%s); it is deleted at the end (if this process is killed outright, delete it by hand)\n", id, name)
	}
	rep, err := probe.Run(ctx, c, &o.probe)
	if rep != nil && len(rep.Rows) > 0 && (rep.ScratchFlowID != "" || err == nil) {
		if werr := write(stdout, o.format, rep); werr != nil {
			fmt.Fprintln(stderr, "probe:", werr)
			return cli.ExitFailure
		}
	}
	switch {
	case err != nil:
		msg := connect.Explain(err, permissions)
		switch {
		case errors.Is(err, probe.ErrNoAction):
			msg += " (name one with -action)"
		case o.probe.ActionID != "" && rep.ActionID == "":
			msg += " (-action)"
		}
		fmt.Fprintln(stderr, "probe:", msg)
		return cli.ExitFailure
	case rep.Count(probe.Differs) > 0:
		fmt.Fprintf(stderr, "probe: %d behaviour(s) differ from the model: each row names the one place to change\n", rep.Count(probe.Differs))
		return cli.ExitFindings
	case rep.Count(probe.NotChecked) > 0:
		fmt.Fprintf(stderr, "probe: %d behaviour(s) could not be checked: each row says why\n", rep.Count(probe.NotChecked))
		return cli.ExitFailure
	}
	return cli.ExitOK
}

func parseArgs(args []string, stderr io.Writer) (*options, int) {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "acknowledge that probe creates, publishes and deletes one scratch flow: run it on a sandbox organisation")
	action := fs.String("action", "", "the id of an existing data action the scratch flow may reference, read only (default: the first the organisation lists)")
	writeAction := fs.Bool("write-action", false, "also PATCH that data action with its own config, unchanged, to see whether its version goes up (and publish an unchanged draft of -function-action's action)")
	functionAction := fs.String("function-action", "", "the id of a function data action whose function route (and, with -write-action, draft path) to check (default: the route of the first whose category says function data action, and no draft)")
	format := fs.String("format", "text", "output format: text or json")
	demo := fs.Bool("demo", false, "probe an in-process demo organisation: no credentials, no network")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: probe -sandbox [flags]\n\nSettles every modelled behaviour of the platform on a sandbox organisation.\n%s.\n\n", what)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if code, ok := cli.Parse(fs, args, false, stderr); !ok {
		return nil, code
	}
	switch {
	case !*sandbox:
		return nil, cli.Usagef(stderr, "probe", "-sandbox is required: %s", what)
	case *format != "text" && *format != "json":
		return nil, cli.Usagef(stderr, "probe", "-format %s: not text or json", cli.Cut(*format))
	}
	return &options{format: *format, demo: *demo, probe: probe.Options{ActionID: *action, WriteAction: *writeAction, FunctionActionID: *functionAction}}, cli.ExitOK
}

// write writes the report as a table or as JSON.
func write(w io.Writer, format string, rep *probe.Report) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BEHAVIOUR\tVERDICT\tOBSERVED\tMODELLED")
	for _, r := range rep.Rows {
		observed := r.Observed
		if r.Verdict == probe.NotChecked {
			observed = r.Why
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Behaviour, r.Verdict, observed, r.Modelled)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rep.Rows {
		if r.Verdict != probe.Differs {
			continue
		}
		fmt.Fprintf(w, "\n%s differs: change %s\n", r.Behaviour, r.FixIn)
		for _, a := range r.Answers {
			fmt.Fprintf(w, "  %s\n", answerLine(a))
		}
		if r.Diff != "" {
			fmt.Fprint(w, indent(r.Diff))
		}
	}
	fmt.Fprintf(w, "\nscratch flow %s (%s): %s; data action %s read\n", rep.ScratchFlowID, rep.ScratchFlowName, map[bool]string{true: "deleted", false: "NOT deleted"}[rep.ScratchDeleted], rep.ActionID)
	_, err := fmt.Fprintf(w, "%d confirmed, %d differ, %d could not be checked\n", rep.Count(probe.Confirmed), rep.Count(probe.Differs), rep.Count(probe.NotChecked))
	return err
}

// answerLine is one platform answer: the request, the status, and the
// code, message and correlation id when there are any.
func answerLine(a probe.Answer) string {
	line := fmt.Sprintf("%s: %d", a.Request, a.Status)
	for _, part := range []string{a.Code, a.Message} {
		if part != "" {
			line += " " + part
		}
	}
	if a.CorrelationID != "" {
		line += " [correlation id " + a.CorrelationID + "]"
	}
	return line
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
