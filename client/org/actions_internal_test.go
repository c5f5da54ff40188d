package org

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/retry"
)

// TestActionCacheKeepsOnlyLastingAnswers: a cancelled first caller or a
// failing moment is not kept for the run; a success and a 404 are.
func TestActionCacheKeepsOnlyLastingAnswers(t *testing.T) {
	var reads, fail atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"bearer","expires_in":3600}`))
			return
		}
		reads.Add(1)
		switch {
		case r.URL.Path == "/api/v2/integrations/actions/gone":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Action not found","code":"not.found","status":404}`))
		case fail.Load() > 0:
			fail.Add(-1)
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte(`{"id":"` + strings.TrimPrefix(r.URL.Path, "/api/v2/integrations/actions/") + `","version":1,"config":{"timeoutSeconds":8}}`))
		}
	}))
	defer srv.Close()
	c, err := client.New(client.Config{BaseURL: srv.URL, ClientID: "id", ClientSecret: "secret", RequestsPerMinute: -1,
		Retry: retry.Policy{MaxAttempts: 1}})
	require.NoError(t, err)
	ac := newActionCache(c)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ac.get(cancelled, "a1")
	require.ErrorIs(t, err, context.Canceled)
	a, err := ac.get(context.Background(), "a1")
	require.NoError(t, err, "the first caller's cancellation is not kept")
	assert.Equal(t, 8, a.Config.TimeoutSeconds)

	fail.Store(1)
	_, err = ac.get(context.Background(), "a2")
	var ae *client.APIError
	require.ErrorAs(t, err, &ae, "a 503, without retries")
	require.Equal(t, http.StatusServiceUnavailable, ae.Status)
	_, err = ac.get(context.Background(), "a2")
	require.NoError(t, err, "a failing moment is not kept")

	before := reads.Load()
	_, _ = ac.get(context.Background(), "a1")
	_, _ = ac.get(context.Background(), "a2")
	assert.Equal(t, before, reads.Load(), "successes are kept: no read")

	_, err = ac.get(context.Background(), "gone")
	require.ErrorIs(t, err, client.ErrNotFound)
	before = reads.Load()
	_, err = ac.get(context.Background(), "gone")
	require.ErrorIs(t, err, client.ErrNotFound)
	assert.Equal(t, before, reads.Load(), "a 404 is an answer for the whole run")
}
