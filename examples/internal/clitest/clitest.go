// Package clitest holds what the example commands' own tests share.
package clitest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Main runs a command package's tests with the user cache folder
// (XDG_CACHE_HOME) in a temporary folder, so that the commands' default
// configuration cache stays out of the user's own, and exits with their
// code.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "gcflow-cache-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// WritePolicy writes a policy file (0600) into a temporary folder of t and
// returns its path.
func WritePolicy(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
