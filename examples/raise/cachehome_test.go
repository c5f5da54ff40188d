package main

import (
	"testing"

	"github.com/gcflow/timeouts/examples/internal/clitest"
)

// TestMain keeps the default configuration cache of the runs under test
// out of the user's own cache folder.
func TestMain(m *testing.M) { clitest.Main(m) }
