package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

// offline is what a node that waits its action's suggested timeout is,
// read from a file: the action's own timeout is on the platform, so the
// node is judged only against the organisation (audit -policy).
const offline = "uses its action's suggested timeout: judged only against the organisation (audit -policy)"

// judgeFiles judges the Data Actions of each file by p. A file's flow is
// named by its path (the id an exemption or a rule's flows names), and by
// the document's own name and type. A node's wait is its stored literal;
// one that cannot be read is unreadable (fail closed); one that uses the
// suggested timeout is not judged offline.
func judgeFiles(p *policy.Policy, policyAt string, paths []string, format string, check bool, stdout, stderr io.Writer) int {
	var suites []cli.JUnitSuite
	var results []cli.SARIFResult
	failed, findings, read := false, 0, 0
	use := cli.NewPolicyUse(p)
	now := time.Now()
	for _, path := range paths {
		data, doc, err := readDocument(path)
		f := policy.Flow{ID: path, Name: gjson.GetBytes(data, "name").Str, Type: gjson.GetBytes(data, "type").Str}
		if err != nil {
			fmt.Fprintf(stderr, "fileaudit: %v\n", err)
			failed = true
			// In the reports too: an upload without the file would show its
			// nodes as fixed.
			if c, result, judged := unreadableFile(p, use, f, err, now); judged {
				suites = append(suites, cli.JUnitSuite{Name: suiteName(f), Cases: []cli.JUnitCase{c}})
				results = append(results, result...)
				findings += min(len(c.Failures), 1)
			}
			continue
		}
		read++
		suite, res, n := judgeFile(p, use, f, data, doc, now)
		results, findings = append(results, res...), findings+n
		if len(suite.Cases) > 0 {
			suites = append(suites, suite)
		}
	}
	var err error
	switch format {
	case "junit":
		err = cli.WriteJUnit(stdout, "gcflow-timeouts fileaudit", suites)
	case "sarif":
		err = cli.WriteSARIF(stdout, "gcflow-timeouts", cli.PolicyRules(), results)
	default:
		writeJudged(stdout, suites, findings)
	}
	if err != nil {
		fmt.Fprintln(stderr, "fileaudit:", err)
		return cli.ExitFailure
	}
	for _, line := range use.Unused(policyAt, "the "+cli.Things(read, "file")+" read") {
		fmt.Fprintln(stderr, "fileaudit:", line)
	}
	switch {
	case failed:
		return cli.ExitFailure
	case check && use.Judged == 0:
		fmt.Fprintf(stderr, "fileaudit: -check: no rule of %s matched a Data Action of the %s; a gate that judged nothing has not passed\n", policyAt, cli.Things(read, "file"))
		return cli.ExitFindings
	case check && findings > 0:
		return cli.ExitFindings
	}
	return cli.ExitOK
}

// judgeFile judges the Data Actions of the document doc (its bytes data)
// of file f: a JUnit case per node a rule judges, a SARIF result per
// finding at the line and column of the node's "timeout" key, and how many
// nodes have findings.
//
// Code scanning tells one alert from another by a hash of the line it is
// on, which it computes when the result has none. An export as Architect
// writes it is one line: every finding of a kind in the file would be one
// alert. So when one line holds two findings of a kind, the file's results
// carry their own fingerprints, from the path, the node and the kind.
func judgeFile(p *policy.Policy, use *cli.PolicyUse, f policy.Flow, data []byte, doc *flow.Document, now time.Time) (cli.JUnitSuite, []cli.SARIFResult, int) {
	suite := cli.JUnitSuite{Name: suiteName(f)}
	var results []cli.SARIFResult
	var nodeOf []string // the node of each result
	shared := false     // two results of a kind on one line
	seen := map[string]bool{}
	findings := 0
	lines := lineStarts(data)
	for _, n := range doc.DataActions() {
		known := n.Err == nil && n.TimeoutKind == flow.TimeoutLiteral && !n.UseSuggested
		v := p.Judge(f, &n, n.Timeout, known, now)
		use.Add(v)
		if v.Rule == nil {
			continue
		}
		c := cli.JUnitCase{ClassName: strings.ToLower(f.Type) + "." + f.ID, Name: n.Name + " [" + n.ID + "]"}
		switch {
		case v.Exempt != nil:
			c.Skipped = &cli.JUnitSkipped{Message: fmt.Sprintf("exempt: %s (until %s)", v.Exempt.Reason, v.Exempt.Expires.Format(time.DateOnly))}
		case n.Err == nil && n.UseSuggested:
			c.Skipped = &cli.JUnitSkipped{Message: offline}
		default:
			line, col := position(data, lines, n.Pointer)
			for _, fd := range v.Findings {
				c.Failures = append(c.Failures, cli.JUnitFailure{Type: string(fd), Message: message(v, fd, n)})
				results = append(results, cli.SARIFResult{RuleID: string(fd), Level: "error",
					Message:   cli.SARIFMessage{Text: fmt.Sprintf("node %s (%s): %s", n.Name, n.ID, message(v, fd, n))},
					Locations: []cli.SARIFLocation{{Physical: cli.NewPhysical(f.ID, line, col)}}})
				nodeOf = append(nodeOf, n.ID)
				key := fmt.Sprintf("%s %d", fd, line)
				shared = shared || seen[key]
				seen[key] = true
			}
		}
		if len(c.Failures) > 0 {
			findings++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if shared {
		for i := range results {
			results[i].PartialFingerprints = cli.Fingerprint(f.ID, nodeOf[i], results[i].RuleID)
		}
	}
	return suite, results, findings
}

// suiteName is a file's JUnit suite: "<flow name> (<path>)".
func suiteName(f policy.Flow) string { return f.Name + " (" + f.ID + ")" }

// unreadableFile is the JUnit case and the SARIF results of a file that
// cannot be read or parsed, when a rule may judge it (policy.JudgeFlow, by
// the name and type its bytes may still show): unreadable, or a skip when
// the whole file is exempt.
func unreadableFile(p *policy.Policy, use *cli.PolicyUse, f policy.Flow, err error, now time.Time) (cli.JUnitCase, []cli.SARIFResult, bool) {
	v := p.JudgeFlow(f, now)
	use.Add(v)
	if v.Rule == nil {
		return cli.JUnitCase{}, nil, false
	}
	c := cli.JUnitCase{ClassName: strings.ToLower(f.Type) + "." + f.ID, Name: "document [" + f.ID + "]"}
	if v.Exempt != nil {
		c.Skipped = &cli.JUnitSkipped{Message: fmt.Sprintf("exempt: %s (until %s)", v.Exempt.Reason, v.Exempt.Expires.Format(time.DateOnly))}
		return c, nil, true
	}
	var results []cli.SARIFResult
	for _, fd := range v.Findings {
		msg := fmt.Sprintf("its Data Actions cannot be read (%v), so none can be shown to keep rule %s (%s)", err, v.Rule.Name, v.Rule.Bounds())
		if fd == policy.FindingExemptionExpired {
			msg = fmt.Sprintf("its exemption (%s) expired on %s; it is judged by rule %s", v.Expired.Reason, v.Expired.Expires.Format(time.DateOnly), v.Rule.Name)
		}
		c.Failures = append(c.Failures, cli.JUnitFailure{Type: string(fd), Message: msg})
		results = append(results, cli.SARIFResult{RuleID: string(fd), Level: "error", Message: cli.SARIFMessage{Text: msg},
			Locations: []cli.SARIFLocation{{Physical: cli.NewPhysical(f.ID, 1, 1)}}})
	}
	return c, results, true
}

// message says a finding of node n under verdict v.
func message(v policy.Verdict, fd policy.Finding, n flow.Node) string {
	r := v.Rule
	switch fd {
	case policy.FindingUnreadable:
		return fmt.Sprintf("what it waits cannot be read (%s), so it cannot be shown to keep rule %s (%s)", n.TimeoutKind, r.Name, r.Bounds())
	case policy.FindingExemptionExpired:
		return fmt.Sprintf("its exemption (%s) expired on %s; it is judged by rule %s", v.Expired.Reason, v.Expired.Expires.Format(time.DateOnly), r.Name)
	}
	return fmt.Sprintf("waits %v, outside rule %s (%s)", n.Timeout, r.Name, r.Bounds())
}

// writeJudged is the text report: a line per judged node, then the count.
func writeJudged(w io.Writer, suites []cli.JUnitSuite, findings int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tNODE\tRESULT")
	matched, skipped := 0, 0
	for _, s := range suites {
		for _, c := range s.Cases {
			matched++
			if c.Skipped != nil {
				skipped++
			}
			result := "ok"
			switch {
			case c.Skipped != nil:
				result = "not judged: " + c.Skipped.Message
			case len(c.Failures) > 0:
				var kinds []string
				for _, f := range c.Failures {
					kinds = append(kinds, f.Type+": "+f.Message)
				}
				result = strings.Join(kinds, "; ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, c.Name, result)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "%d Data Actions a rule matches: %d with findings, %d not judged (exempt, or judged only against the organisation)\n", matched, findings, skipped)
}

// position is the 1-based line and column (in code points; lines are
// lineStarts(data)) of the node at pointer: of the opening quote of its "timeout" member's key, or of its
// opening brace when it has none (a tutorial node keeps its timeout in
// settings).
func position(data []byte, lines []int, pointer string) (line, col int) {
	var parts []string
	for _, tok := range strings.Split(pointer, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		parts = append(parts, gjson.Escape(tok))
	}
	node := gjson.GetBytes(data, strings.Join(parts, "."))
	at := node.Index
	if t := gjson.Get(node.Raw, "timeout"); node.Exists() && t.Exists() && t.Index > 0 {
		at = keyStart(data, node.Index+t.Index)
	}
	i := sort.SearchInts(lines, at+1) - 1 // the last line that starts at or before at
	return i + 1, utf8.RuneCount(data[lines[i]:at]) + 1
}

// lineStarts are the offsets at which data's lines start, once a file.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// keyStart is the offset of the opening quote of the key whose value
// starts at value: back over the colon, the white space and the key.
func keyStart(data []byte, value int) int {
	i := value - 1
	for i > 0 && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ':') {
		i--
	}
	// data[i] is the key's closing quote; its opening one is the previous
	// quote not escaped.
	for j := i - 1; j >= 0; j-- {
		if data[j] == '"' && (j == 0 || data[j-1] != '\\') {
			return j
		}
	}
	return value
}
