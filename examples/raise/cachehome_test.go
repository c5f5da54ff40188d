package main

import (
	"os"
	"testing"
)

// TestMain keeps the default configuration cache of the runs under test
// out of the user's own cache folder.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gcflow-cache-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
