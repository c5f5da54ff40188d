package examples_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestoreSubset: restore -flows puts back only the flows named, from a
// folder that holds more; the others keep their raised version.
func TestRestoreSubset(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	original := o.published(t)
	dir := filepath.Join(t.TempDir(), "backups")
	r := o.run(t, nil, "raise", "-publish", "-no-cache", "-backup-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	raised := o.state(t)
	r = o.run(t, nil, "restore", "-dir", dir, "-flows", "demo-flow-02,demo-flow-03", "-publish")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "2 backups: restored 2,")
	after := o.state(t)
	for id, f := range after {
		switch id {
		case "demo-flow-02", "demo-flow-03":
			assert.NotEqual(t, raised[id].Published, f.Published, "%s restored as a new version", id)
		default:
			assert.Equal(t, raised[id], f, "%s untouched", id)
		}
	}
	now := o.published(t)
	for _, id := range []string{"demo-flow-02", "demo-flow-03"} {
		assert.Equal(t, string(original[id].Bytes()), string(now[id].Bytes()), "%s back as it was, byte for byte", id)
	}
}
