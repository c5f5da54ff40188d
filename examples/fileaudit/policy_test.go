package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/examples/internal/clitest"
	"github.com/gcflow/timeouts/flow"
)

// TestPolicyOffline: a file judged by a policy. Its stored literals are
// judged (below the rule's 5 s, above its 30 s); what cannot be read (an
// expression, an unset timeout) fails closed; a node that uses its
// action's suggested timeout is not judged offline (JUnit: skipped); an
// exemption in force is a skip too. -check exits 3.
func TestPolicyOffline(t *testing.T) {
	file := "../../flow/testdata/architect-mixed.json"
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(`version: 1
rules:
  - name: voice
    types: [inboundcall]
    min: 5s
    max: 30s
exemptions:
  - flow: `+file+`
    node: da-menu
    reason: the menu lookup is replaced in March
    expires: 2999-03-31
`), 0o600))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-policy", policy, "-format", "junit", "-check", file}, &out, &errOut)
	assert.Equal(t, 3, code, errOut.String())
	clitest.ValidJUnit(t, out.Bytes()) // as Jenkins' schema says
	var doc cli.JUnitSuites
	require.NoError(t, xml.Unmarshal(out.Bytes(), &doc), out.String())
	require.Len(t, doc.Suites, 1)
	got := map[string]string{}
	for _, c := range doc.Suites[0].Cases {
		switch {
		case c.Skipped != nil:
			got[c.Name] = "skipped: " + c.Skipped.Message
		case len(c.Failures) > 0:
			got[c.Name] = c.Failures[0].Type + ": " + c.Failures[0].Message
		default:
			got[c.Name] = "ok"
		}
	}
	assert.Equal(t, map[string]string{
		"CRM lookup [da-short]":          "below-min: waits 3s, outside rule voice (5s to 30s)",
		`Payment "check" [da-suggested]`: "skipped: " + offline,
		"Variable timeout [da-expr]":     "unreadable: what it waits cannot be read (expression), so it cannot be shown to keep rule voice (5s to 30s)",
		"Slow but fine [da-long]":        "above-max: waits 1m30s, outside rule voice (5s to 30s)",
		"Old style [da-call]":            "below-min: waits 1.5s, outside rule voice (5s to 30s)",
		"No value [da-empty]":            "unreadable: what it waits cannot be read (unset), so it cannot be shown to keep rule voice (5s to 30s)",
		"Menu lookup [da-menu]":          "skipped: exempt: the menu lookup is replaced in March (until 2999-03-31)",
	}, got)
	assert.Equal(t, 7, doc.Tests)
	assert.Equal(t, 5, doc.Failures)
	skipped := 0
	for _, s := range doc.Suites {
		skipped += s.Skipped
	}
	assert.Equal(t, 2, skipped)

	// Bad input: -policy with -min, junit without a policy, a broken file.
	out.Reset()
	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"-policy", policy, "-min", "5s", file}, &out, &errOut))
	assert.Contains(t, errOut.String(), "and -min: the policy holds the limits")
	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"-format", "junit", file}, &out, &errOut))
	assert.Contains(t, errOut.String(), "-format junit: judges by a policy")
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("version: 1\nrules:\n  - name: a\n    min: 30s\n    max: 20s\n"), 0o600))
	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"-policy", broken, file}, &out, &errOut))
	assert.Equal(t, "fileaudit: "+broken+":3: rule a: min 30s is above max 20s\n", errOut.String())
}

// indentedWith reads a flow document, sets two of its readable Data
// Actions to 2 s and 45 s (which also stops them using the suggested
// timeout), and writes it indented, as an export is: the node ids set.
func indentedWith(t *testing.T, src string) (path string, short, long string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	doc, err := flow.Parse(data)
	require.NoError(t, err)
	var ids []string
	for _, n := range doc.DataActions() {
		if n.Err == nil && n.TimeoutKind == flow.TimeoutLiteral {
			ids = append(ids, n.ID)
		}
	}
	require.GreaterOrEqual(t, len(ids), 2, src)
	_, err = doc.SetTimeouts(flow.Edit{NodeID: ids[0], Timeout: 2 * time.Second}, flow.Edit{NodeID: ids[1], Timeout: 45 * time.Second})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, doc.Bytes(), "", "  "))
	path = filepath.Join(t.TempDir(), filepath.Base(src))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path, ids[0], ids[1]
}

// TestPolicySARIFPositions: fileaudit -format sarif on an indented export
// whose Data Actions were set to 2 s and 45 s (policy 5 to 30 s) gives one
// result for each, under the right rule, at the line and column of that
// node's "timeout" key; a node that uses the suggested timeout gives none;
// the log is valid SARIF 2.1.0; -check exits 3.
func TestPolicySARIFPositions(t *testing.T) {
	sources := []string{"../../../shared/fixtures/architect/proactive-callback-v1-0.i3workflow.json"}
	if _, err := os.Stat(sources[0]); err != nil {
		t.Logf("%s is not beside the repository: the real export is left out", sources[0])
		sources = nil
	}
	for _, src := range sources {
		path, short, long := indentedWith(t, src)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		typ := gjson.GetBytes(data, "type").Str
		policy := filepath.Join(t.TempDir(), "policy.yaml")
		require.NoError(t, os.WriteFile(policy, []byte("version: 1\nrules:\n  - name: calls\n    types: ["+typ+"]\n    min: 5s\n    max: 30s\n"), 0o600))
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"-policy", policy, "-format", "sarif", "-check", path}, &out, &errOut)
		assert.Equal(t, 3, code, errOut.String())
		clitest.ValidSARIF(t, out.Bytes())
		var log sarifLog
		require.NoError(t, json.Unmarshal(out.Bytes(), &log))
		results := log.Runs[0].Results
		require.Len(t, results, 2, "the two nodes set, and none of those that use the suggested timeout")
		lines := strings.Split(string(data), "\n")
		for _, r := range results {
			want := map[string]string{"below-min": short, "above-max": long}[r.RuleID]
			require.NotEmpty(t, want, r.RuleID)
			assert.Contains(t, r.Message.Text, want)
			loc := r.Locations[0].PhysicalLocation
			assert.Equal(t, path, loc.ArtifactLocation.URI, "as the file was named")
			line := []rune(lines[loc.Region.StartLine-1])
			require.Greater(t, len(line), loc.Region.StartColumn, r.RuleID)
			assert.True(t, strings.HasPrefix(string(line[loc.Region.StartColumn-1:]), `"timeout"`), "%s: line %d column %d: %s", r.RuleID, loc.Region.StartLine, loc.Region.StartColumn, string(line))
			// The key is the "timeout" member of the node the result names:
			// the node object (found by its pointer) has that id, holds
			// the place, and its timeout's value follows the key there.
			offset := len(strings.Join(lines[:loc.Region.StartLine-1], "\n")) + 1 + len(string(line[:loc.Region.StartColumn-1]))
			if loc.Region.StartLine == 1 {
				offset = len(string(line[:loc.Region.StartColumn-1]))
			}
			node := nodeByID(t, data, want)
			assert.Equal(t, want, gjson.Get(node.Raw, "id").Str)
			assert.True(t, offset > node.Index && offset < node.Index+len(node.Raw), "%s: inside the node", r.RuleID)
			value := node.Index + gjson.Get(node.Raw, "timeout").Index
			assert.Regexp(t, `^"timeout"\s*:\s*$`, string(data[offset:value]), r.RuleID)
		}
	}
}

// nodeByID finds the Data Action node with id in an Architect document, by
// its JSON Pointer, with the node's offset in data.
func nodeByID(t *testing.T, data []byte, id string) gjson.Result {
	t.Helper()
	doc, err := flow.Parse(data)
	require.NoError(t, err)
	for _, n := range doc.DataActions() {
		if n.ID != id {
			continue
		}
		var parts []string
		for _, tok := range strings.Split(n.Pointer, "/")[1:] {
			parts = append(parts, gjson.Escape(strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")))
		}
		return gjson.GetBytes(data, strings.Join(parts, "."))
	}
	t.Fatalf("no node %s", id)
	return gjson.Result{}
}

// TestPolicyUnreadableFile: a file that cannot be parsed is in the reports
// as an unreadable finding of the rule its type may match (a SARIF result
// at the file, a JUnit case "document [FILE]"), so that an upload without
// it does not show its nodes as fixed; the run exits 1. One whose whole
// flow is exempt is a skip.
func TestPolicyUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(broken, []byte(`{"name":"Half","type":"inboundcall","flowSequenceItemList":[`), 0o600))
	good := "../../flow/testdata/architect-mixed.json"
	policy := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    min: 1s\n")

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-policy", policy, "-format", "sarif", "-check", good, broken}, &out, &errOut)
	assert.Equal(t, 1, code, "a file could not be read")
	assert.Contains(t, errOut.String(), "fileaudit: "+broken+": ")
	clitest.ValidSARIF(t, out.Bytes())
	var log sarifLog
	require.NoError(t, json.Unmarshal(out.Bytes(), &log))
	var at []string
	for _, r := range log.Runs[0].Results {
		if l := r.Locations[0].PhysicalLocation; l.ArtifactLocation.URI == broken {
			at = append(at, r.RuleID)
			assert.Equal(t, 1, l.Region.StartLine)
			assert.Contains(t, r.Message.Text, "its Data Actions cannot be read (")
			assert.Contains(t, r.Message.Text, "so none can be shown to keep rule voice (at least 1s)")
		}
	}
	assert.Equal(t, []string{"unreadable"}, at)

	exempt := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    min: 1s\nexemptions:\n  - flow: "+broken+"\n    reason: being rebuilt\n    expires: 2999-01-01\n")
	out.Reset()
	code = run(context.Background(), []string{"-policy", exempt, "-format", "junit", broken}, &out, &errOut)
	assert.Equal(t, 1, code)
	clitest.ValidJUnit(t, out.Bytes())
	var doc cli.JUnitSuites
	require.NoError(t, xml.Unmarshal(out.Bytes(), &doc))
	require.Len(t, doc.Suites, 1)
	require.Len(t, doc.Suites[0].Cases, 1)
	c := doc.Suites[0].Cases[0]
	assert.Equal(t, "document ["+broken+"]", c.Name)
	require.NotNil(t, c.Skipped)
	assert.Equal(t, "exempt: being rebuilt (until 2999-01-01)", c.Skipped.Message)
}

// TestPolicySARIFFingerprints: an export as Architect writes it is one
// line, and code scanning tells alerts apart by a hash of their line, so
// the findings of a kind on one line would be one alert: such a file's
// results carry their own fingerprints, one per node and kind, the same
// from run to run. An indented file's results carry none (code scanning
// computes them from the lines).
func TestPolicySARIFFingerprints(t *testing.T) {
	node := func(id string) string {
		return `{"__type":"DataAction","id":"` + id + `","name":"Lookup ` + id + `","actionId":"custom_-_x","useSuggestedTimeout":false,` +
			`"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M2S0F","type":"dur"}},"text":"P0D0H0M2S0F","type":"dur"}}`
	}
	compact := filepath.Join(t.TempDir(), "main.i3inboundflow.json")
	require.NoError(t, os.WriteFile(compact, []byte(`{"name":"Main","type":"inboundcall","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[`+
		node("a")+","+node("b")+","+node("c")+`]}]}`), 0o600))
	policy := clitest.WritePolicy(t, "version: 1\nrules:\n  - name: calls\n    min: 5s\n")
	sarif := func(path string) (uris []string, fingerprints []string, raw []byte) {
		var out, errOut bytes.Buffer
		require.Equal(t, 0, run(context.Background(), []string{"-policy", policy, "-format", "sarif", path}, &out, &errOut), errOut.String())
		clitest.ValidSARIF(t, out.Bytes())
		var log sarifLog
		require.NoError(t, json.Unmarshal(out.Bytes(), &log))
		for _, r := range log.Runs[0].Results {
			uris = append(uris, fmt.Sprint(r.Locations[0].PhysicalLocation.Region.StartLine))
			fingerprints = append(fingerprints, r.PartialFingerprints["primaryLocationLineHash"])
		}
		return uris, fingerprints, out.Bytes()
	}
	lines, fps, first := sarif(compact)
	assert.Equal(t, []string{"1", "1", "1"}, lines, "three findings on the one line")
	require.Len(t, fps, 3)
	for _, fp := range fps {
		assert.Regexp(t, `^[0-9a-f]{16}:1$`, fp)
	}
	assert.NotEqual(t, fps[0], fps[1])
	assert.NotEqual(t, fps[1], fps[2])
	assert.NotEqual(t, fps[0], fps[2])
	_, _, again := sarif(compact)
	assert.Equal(t, string(first), string(again), "the same fingerprints on a second run")

	indented := filepath.Join(t.TempDir(), "main.json")
	var buf bytes.Buffer
	data, err := os.ReadFile(compact)
	require.NoError(t, err)
	require.NoError(t, json.Indent(&buf, data, "", "  "))
	require.NoError(t, os.WriteFile(indented, buf.Bytes(), 0o600))
	lines, fps, _ = sarif(indented)
	require.Len(t, lines, 3)
	assert.NotEqual(t, lines[0], lines[1], "a line each")
	assert.Equal(t, []string{"", "", ""}, fps, "code scanning computes them from the lines")
}

// sarifLog is what the tests read of a SARIF log.
type sarifLog struct {
	Runs []struct {
		Results []struct {
			RuleID              string
			Message             struct{ Text string }
			PartialFingerprints map[string]string
			Locations           []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           struct{ StartLine, StartColumn int }
				}
			}
		}
	}
}
