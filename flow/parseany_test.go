package flow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
)

func TestParseAny(t *testing.T) {
	other := []byte(`{"flow": {"kind": "something newer"}, "steps": [1, 2]}`)
	_, err := flow.Parse(other)
	require.ErrorIs(t, err, flow.ErrUnknownShape)
	d, err := flow.ParseAny(other)
	require.NoError(t, err)
	assert.Equal(t, flow.ShapeUnknown, d.Shape())
	assert.Equal(t, "unknown", d.Shape().String())
	assert.Equal(t, other, d.Bytes(), "byte for byte")
	assert.Empty(t, d.DataActions())
	changes, err := d.RaiseTimeouts(5*time.Second, nil)
	require.NoError(t, err)
	assert.Empty(t, changes, "nothing to edit")

	// Overwrite works both ways, and says no timeout changed.
	arch, err := flow.Parse([]byte(`{"flowSequenceItemList":[]}`))
	require.NoError(t, err)
	assert.Empty(t, arch.Overwrite(d))
	assert.Equal(t, other, arch.Bytes())
	assert.Equal(t, flow.ShapeUnknown, arch.Shape())

	// Known shapes parse as with Parse; what Parse refuses for another
	// reason stays refused.
	known, err := flow.ParseAny([]byte(`{"flowSequenceItemList":[]}`))
	require.NoError(t, err)
	assert.Equal(t, flow.ShapeArchitect, known.Shape())
	for _, bad := range []string{`[1,2]`, `"text"`, `{"a":`, `{"flowSequenceItemList":[],"flowVersion":{"nodes":{}}}`, ``} {
		_, err := flow.ParseAny([]byte(bad))
		assert.Error(t, err, bad)
	}
}
