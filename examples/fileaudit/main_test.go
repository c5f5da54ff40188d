package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	files, err := filepath.Glob("../../flow/testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"-min", "5s"}, files...), &out, &errOut)
	assert.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "19 below 5s")
	assert.Regexp(t, `da-short\s+DataAction\s+CRM lookup\s+3s\s+false\s+5s`, out.String())
	assert.Regexp(t, `da-suggested\s+DataAction\s+Payment "check"\s+1m0s\s+true\s+-`, out.String())
	assert.Regexp(t, `node-790\s+HTTP\s+Call CRM\s+2s\s+false\s+-`, out.String())

	out.Reset()
	assert.Equal(t, 3, run(context.Background(), append([]string{"-check"}, files...), &out, &errOut), "-check finds timeouts below 5s")
	out.Reset()
	assert.Equal(t, 3, run(context.Background(), append([]string{"-check", "-min", "1s"}, files...), &out, &errOut))
	assert.Contains(t, out.String(), "4 below 1s", "unset tutorial timeouts count as below")
	out.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"-check", "-min", "1s", "../../flow/testdata/architect-mixed.json"}, &out, &errOut))
	assert.Contains(t, out.String(), "0 below 1s")

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"flowSequenceItemList": [}`), 0o644))
	errOut.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{bad}, &out, &errOut))
	assert.Contains(t, errOut.String(), "invalid JSON at byte offset 26")

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errOut))
	assert.True(t, strings.HasPrefix(errOut.String(), "usage: fileaudit"))
	assert.Equal(t, 2, run(context.Background(), []string{"-min", "soon", files[0]}, &out, &errOut))
}
