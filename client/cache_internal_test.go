package client

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCacheScopeAndKey(t *testing.T) {
	a, err := New(Config{BaseURL: "http://127.0.0.1:1", ClientID: "a", ClientSecret: "s"})
	require.NoError(t, err)
	b, err := New(Config{BaseURL: "http://127.0.0.1:1", ClientID: "b", ClientSecret: "s"})
	require.NoError(t, err)
	other, err := New(Config{BaseURL: "http://127.0.0.2:1", ClientID: "a", ClientSecret: "s"})
	require.NoError(t, err)
	v := &FlowVersion{ID: "3.0", DateCreated: 1700000000000, GenerationID: "g/1", ConfigurationVersion: "3.0"}
	ka, ok := a.configKey("flow 1", v)
	require.True(t, ok)
	assert.Regexp(t, `^[0-9a-f]{16}/flow%201/3.0/1700000000000/g%2F1/3.0$`, ka)
	kb, _ := b.configKey("flow 1", v)
	ko, _ := other.configKey("flow 1", v)
	assert.NotEqual(t, ka[:16], kb[:16], "another OAuth client: another scope")
	assert.NotEqual(t, ka[:16], ko[:16], "another host: another scope")
	assert.NotContains(t, ka, "127.0.0.1")

	_, ok = a.configKey("flow 1", &FlowVersion{ID: "3.0", ConfigurationVersion: "3.0"})
	assert.False(t, ok, "neither dateCreated nor generationId: not cacheable")
	_, ok = a.configKey("flow 1", nil)
	assert.False(t, ok)
	_, ok = a.configKey("flow 1", &FlowVersion{ID: "3.0", GenerationID: "g"})
	assert.True(t, ok)
}
