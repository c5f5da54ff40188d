package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/examples/internal/cli"
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
	assert.Equal(t, 2, doc.Skipped)

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
