package clitest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCheckSARIF: the schema check refuses what is not SARIF 2.1.0, so a
// test that passes it says something.
func TestCheckSARIF(t *testing.T) {
	good := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"below-min","level":"error","message":{"text":"t"}}]}]}`
	assert.NoError(t, CheckSARIF([]byte(good)))
	for _, bad := range []string{
		`{"version":"2.0.0","runs":[]}`,
		`{"version":"2.1.0"}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r","level":"fatal","message":{"text":"t"}}]}]}`,
		`not json`,
	} {
		assert.Error(t, CheckSARIF([]byte(bad)), bad)
	}
}
