package cli

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileURI: a SARIF uri is the path as named, a URI reference: relative
// stays relative, what a URI cannot hold is percent-encoded, and a colon
// in the first segment is not taken for a scheme.
func TestFileURI(t *testing.T) {
	for path, want := range map[string]string{
		"flow.json":             "flow.json",
		"flows/main ivr.json":   "flows/main%20ivr.json",
		"../up/flow.json":       "../up/flow.json",
		"a:b.json":              "./a:b.json",
		"100%.json":             "100%25.json",
		"/abs/with space.json":  "/abs/with%20space.json",
		"flows/ünïcode #1.json": "flows/%C3%BCn%C3%AFcode%20%231.json",
	} {
		assert.Equal(t, want, FileURI(path), path)
		u, err := url.Parse(want)
		require.NoError(t, err, want)
		assert.Equal(t, filepath.ToSlash(path), strings.TrimPrefix(u.Path, "./"), "the path comes back whole")
	}
}
