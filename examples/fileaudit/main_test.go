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

	for _, c := range []struct {
		args []string
		says string
	}{
		{nil, "fileaudit: no file named"},
		{[]string{"-min", "soon", files[0]}, `fileaudit: invalid value "soon" for flag -min: not a duration`},
		{[]string{"-min", "0s", files[0]}, "fileaudit: -min 0s: must be above zero"},
		{[]string{"-min", "-2s", files[0]}, "fileaudit: -min -2s: must be above zero"},
		{[]string{"-min", "1500us", files[0]}, "fileaudit: -min 1500us: not a whole number of milliseconds"},
		{[]string{"-min", "61s", files[0]}, "fileaudit: -min 61s: above 1m0s"},
	} {
		errOut.Reset()
		assert.Equal(t, 2, run(context.Background(), c.args, &out, &errOut), c.args)
		assert.True(t, strings.HasPrefix(errOut.String(), c.says), "%v: %q", c.args, errOut.String())
		assert.Equal(t, 1, strings.Count(errOut.String(), "\n"), "one line: %q", errOut.String())
	}
}

// TestCheckFailsClosed: a Data Action that cannot be read fails the gate.
func TestCheckFailsClosed(t *testing.T) {
	dup := filepath.Join(t.TempDir(), "dup.json")
	require.NoError(t, os.WriteFile(dup, []byte(`{"id":"f","flowVersion":{"id":"v","nodes":{`+
		`"n1":{"type":"DataAction","name":"Lookup","settings":{"timeout":9000,"timeout":1000}}}}}`), 0o644))
	var out, errOut bytes.Buffer
	assert.Equal(t, 3, run(context.Background(), []string{"-check", dup}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "cannot be read: ")
	assert.Contains(t, out.String(), "0 below 5s, 1 cannot be read")
	out.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{dup}, &out, &errOut), "without -check it is reported, not a failure")
}
