package clienttest_test

import (
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/clienttest/internal/demogen"
	"github.com/gcflow/timeouts/flow"
)

// TestDemoFilesAreGenerated checks that the embedded demo is what the
// generator writes (run go generate ./client/clienttest after changing it).
func TestDemoFilesAreGenerated(t *testing.T) {
	want := demogen.Files()
	got := map[string][]byte{}
	require.NoError(t, fs.WalkDir(clienttest.DemoFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(clienttest.DemoFiles(), path)
		got[path] = b
		return err
	}))
	require.Equal(t, len(want), len(got))
	for name, b := range want {
		assert.Equal(t, string(b), string(got[name]), name)
	}
}

func TestDemoOrganisation(t *testing.T) {
	srv := clienttest.Start(t, nil, true)
	ids := srv.FlowIDs()
	require.Len(t, ids, 40)
	shapes := map[flow.Shape]int{}
	var below, above, suggested, expression, locked, drafts int
	for _, id := range ids {
		doc, err := flow.Parse(srv.Published(id))
		require.NoError(t, err, id)
		shapes[doc.Shape()]++
		for _, n := range doc.DataActions() {
			require.NoError(t, n.Err)
			switch {
			case n.TimeoutKind == flow.TimeoutExpression:
				expression++
			case n.UseSuggested:
				suggested++
			case n.TimeoutKind != flow.TimeoutLiteral || n.Timeout < 5*time.Second:
				below++
			default:
				above++
			}
		}
		if srv.LockHolder(id) != "" {
			locked++
		}
		if string(srv.Latest(id)) != string(srv.Published(id)) {
			drafts++
		}
	}
	assert.Equal(t, map[flow.Shape]int{flow.ShapeArchitect: 36, flow.ShapeTutorial: 4}, shapes)
	assert.Greater(t, below, 20, "Data Actions below 5 s")
	assert.Greater(t, above, 10, "Data Actions at 5 s or above")
	assert.Greater(t, suggested, 20, "nodes that use the suggested timeout")
	assert.Greater(t, expression, 1, "expression timeouts")
	assert.Equal(t, 1, locked)
	assert.Equal(t, 1, drafts)
	assert.Equal(t, "user Jane Doe", srv.LockHolder("demo-flow-05"))
	t.Logf("demo: %d below 5 s, %d above, %d suggested, %d expressions", below, above, suggested, expression)
}
