package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestREADMECIJobs: the README's CI jobs are YAML, and the audit command
// each runs parses with this command's flags (the README's policy file
// beside it): a job a user copies does not fail on a flag.
func TestREADMECIJobs(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1)
	policyText := ""
	var commands []string
	for _, b := range blocks {
		var doc any
		require.NoError(t, yaml.Unmarshal(b[1], &doc), "%s", b[1])
		if bytes.Contains(b[1], []byte("rules:")) && policyText == "" {
			policyText = string(b[1])
		}
		for _, m := range regexp.MustCompile(`examples/audit@\S+ ([^>\n]*)>`).FindAllSubmatch(b[1], -1) {
			commands = append(commands, strings.TrimSpace(string(m[1])))
		}
	}
	require.Len(t, commands, 2, "the GitHub Actions job and the GitLab CI job")
	// The official Go images set GOTOOLCHAIN=local: an image older than
	// go.mod's go line cannot run the module at all.
	gomod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	want := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(gomod)
	require.NotNil(t, want)
	images := regexp.MustCompile(`image: golang:(\d+)\.(\d+)`).FindAllSubmatch(readme, -1)
	require.NotEmpty(t, images, "the GitLab job names its Go image")
	for _, img := range images {
		assert.Equal(t, string(want[1])+"."+string(want[2]), string(img[1])+"."+string(img[2]), "the Go image of the GitLab job is go.mod's Go")
	}
	require.NotEmpty(t, policyText)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(policyText), 0o600))
	t.Chdir(dir)
	for _, c := range commands {
		var stderr bytes.Buffer
		o, code := parseArgs(strings.Fields(c), &stderr)
		require.NotNil(t, o, "%s: exit %d: %s", c, code, stderr.String())
		assert.NotNil(t, o.policy, c)
		assert.True(t, o.check, c)
	}
}
