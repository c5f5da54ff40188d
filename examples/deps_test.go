package examples_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandsLinkNoTestMachinery: no command links testing or
// net/http/httptest (the demo organisation they serve for -demo comes from
// a package that imports neither), and fileaudit, which never calls the
// API, links no net/http at all.
func TestCommandsLinkNoTestMachinery(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./...").Output()
	require.NoError(t, err)
	commands := strings.Fields(string(out))
	require.Len(t, commands, 6, "audit, fakeorg, fileaudit, probe, raise, restore")
	for _, cmd := range commands {
		deps, err := exec.Command("go", "list", "-deps", cmd).Output()
		require.NoError(t, err, cmd)
		pkgs := strings.Fields(string(deps))
		assert.NotContains(t, pkgs, "testing", cmd)
		assert.NotContains(t, pkgs, "net/http/httptest", cmd)
		if strings.HasSuffix(cmd, "/fileaudit") {
			assert.False(t, slices.Contains(pkgs, "net/http"), "fileaudit links net/http")
		}
	}
}
