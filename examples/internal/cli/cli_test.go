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

// TestOrgLocationStaysInItsFolder: a flow's pseudo-path is one segment
// under genesys-cloud/flows/ whatever id a server sends: decoded, as code
// scanning decodes it before reading a file there, it never climbs out.
func TestOrgLocationStaysInItsFolder(t *testing.T) {
	for _, id := range []string{"0a1b2c3d-0001-4000-8000-000000000001", "..", "../../etc/passwd", `a\b`, "a%2F..%2Fb", "x\x1b[2J", "."} {
		locs, fp := OrgLocation(id, "n1", "below-min", SARIFLogical{FullyQualifiedName: id})
		uri := locs[0].Physical.Artifact.URI
		decoded, err := url.PathUnescape(uri)
		require.NoError(t, err, uri)
		rest, ok := strings.CutPrefix(decoded, "genesys-cloud/flows/")
		require.True(t, ok, uri)
		assert.NotContains(t, rest, "/", "%q: one segment (%s)", id, uri)
		assert.NotContains(t, []string{".", ".."}, rest, "%q", id)
		assert.NotRegexp(t, `[\x00-\x1f\\]`, rest, "%q", id)
		assert.NotEmpty(t, fp["primaryLocationLineHash"])
	}
	locs, _ := OrgLocation("0a1b2c3d-0001-4000-8000-000000000001", "n1", "below-min", SARIFLogical{})
	assert.Equal(t, "genesys-cloud/flows/0a1b2c3d-0001-4000-8000-000000000001", locs[0].Physical.Artifact.URI, "an ordinary id as it is")
}
