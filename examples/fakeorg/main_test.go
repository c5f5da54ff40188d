package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/internal/syncbuf"
)

func TestFakeorgServesTheDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, &out, &errOut, ready) }()
	base := <-ready

	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		require.True(t, ok, line)
		env[k] = v
	}
	assert.Equal(t, base, env["GENESYS_CLOUD_API_URL"])
	assert.Equal(t, clienttest.DefaultClientID, env["GENESYS_CLOUD_CLIENT_ID"])
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := client.ConfigFromEnv()
	require.NoError(t, err)
	c, err := client.New(cfg)
	require.NoError(t, err)
	n := 0
	for _, err := range c.Flows(context.Background(), nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 40, n)
	cancel()
	assert.Equal(t, 0, <-done)
}

func TestFakeorgRefusesOtherAddresses(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"-addr", "0.0.0.0:0"}, &out, &errOut, nil))
	assert.Contains(t, errOut.String(), "not a loopback address")
}
