package examples_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// packagePrefix is a package's prefix in an error line ("client: ",
// "flow: "): the library's packages and the words that once stood for one.
var packagePrefix = regexp.MustCompile(`\b(client|flow|retry|safefile|org|cache|probe|dataaction|clienttest|backup|edit|oauth2): `)

// flowID is a demo flow's id.
var flowID = regexp.MustCompile(`demo-flow-\d\d`)

// TestErrorLinesNameEachThingOnce: the line a failing command writes names
// the command first, then at most one package prefix (where the error was
// made), and each flow id once.
func TestErrorLinesNameEachThingOnce(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	dir := t.TempDir()
	aFile := filepath.Join(dir, "a-file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o600))
	twoKeys := filepath.Join(dir, "two.json")
	require.NoError(t, os.WriteFile(twoKeys, []byte(`{"flowVersion":{"nodes":{"n":{"type":"DataAction","settings":{"timeout":3000,"timeout":4000}}}}}`), 0o600))
	for _, c := range []struct {
		name    string
		env     []string
		command string
		args    []string
		line    string // the line to check begins so
	}{
		{"wrong secret", []string{"GENESYS_CLOUD_CLIENT_SECRET=wrong"}, "raise", []string{"-apply", "-no-cache"}, "raise: client: token request"},
		{"unreachable host", []string{"GENESYS_CLOUD_API_URL=http://127.0.0.1:1"}, "audit", []string{"-no-cache"}, "audit: client: token request"},
		{"unknown flow id", nil, "raise", []string{"-apply", "-flows", "nope", "-no-cache"}, "raise: client: not found: flow nope"},
		{"locked flow", nil, "raise", []string{"-apply", "-flows", "demo-flow-05", "-no-cache"}, "raise: skipped: update of flow demo-flow-05"},
		{"backup folder is a file", nil, "raise", []string{"-apply", "-flows", "demo-flow-01", "-backup-dir", aFile, "-no-cache"}, "raise: update of flow demo-flow-01"},
		{"missing restore file", nil, "restore", []string{"-file", filepath.Join(dir, "nope.json")}, "restore: "},
		{"two timeout keys", nil, "fileaudit", []string{"-check", twoKeys}, "fileaudit"},
		{"probe of an unknown action", nil, "probe", []string{"-sandbox", "-action", "nope"}, "probe: data action nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := o.run(t, c.env, c.command, c.args...)
			if c.name != "locked flow" { // skipped, as asked: not a failure of the run
				assert.NotZero(t, r.code, "%s", r.stderr)
			}
			var line string
			for _, l := range strings.Split(r.stderr+r.stdout, "\n") {
				if strings.HasPrefix(l, c.line) || (c.command == "fileaudit" && strings.Contains(l, "cannot be read")) {
					line = l
					break
				}
			}
			require.NotEmpty(t, line, "no line begins %q in:\n%s", c.line, r.stderr)
			rest := strings.TrimPrefix(line, c.command+": ") // the command's name first
			assert.LessOrEqual(t, len(packagePrefix.FindAllString(rest, -1)), 1, "one package prefix at most: %s", line)
			counts := map[string]int{}
			for _, id := range flowID.FindAllString(line, -1) {
				counts[id]++
			}
			for id, n := range counts {
				assert.Equal(t, 1, n, "%s named %d times: %s", id, n, line)
			}
		})
	}
}
