package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/gcflow/timeouts/client"
)

// The tests of what a service that imports the module needs: its own token
// source, one limiter for every Client of an OAuth client, a request hook,
// token waits that honour each caller's context, and a User-Agent with the
// module's version.

const flowJSON = `{"id":"f1","name":"Main"}`

func TestTokenSourceOfTheCaller(t *testing.T) {
	f := newFixture(t, func(c *client.Config) {
		c.ClientSecret = ""
		c.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken + "-from-the-caller"})
	})
	f.handle(t, "GET /api/v2/flows/f1", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testToken+"-from-the-caller", r.Header.Get("Authorization"))
		writeJSON(w, 200, flowJSON)
	})
	_, err := f.client.Flow(context.Background(), "f1")
	require.NoError(t, err)
	assert.Zero(t, f.tokens.Load(), "the token endpoint is not asked")

	_, err = client.New(client.Config{BaseURL: f.srv.URL, TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})})
	require.ErrorIs(t, err, client.ErrConfig, "the client id is still needed: it names our locks")
}

// TestSharedLimiter: two Clients of one OAuth client draw on one budget.
func TestSharedLimiter(t *testing.T) {
	lim := rate.NewLimiter(rate.Limit(1e-9), 3) // three requests, then none for ages
	share := func(c *client.Config) { c.Limiter = lim }
	a, b := newFixture(t, share), newFixture(t, share)
	for _, f := range []*fixture{a, b} {
		f.handle(t, "GET /api/v2/flows/f1", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, flowJSON) })
	}
	ctx := context.Background()
	for _, c := range []*client.Client{a.client, a.client, b.client} {
		_, err := c.Flow(ctx, "f1")
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := b.client.Flow(ctx, "f1")
	require.Error(t, err, "the fourth request of the two clients is over the shared budget")
	assert.Contains(t, err.Error(), "would exceed context deadline")
	assert.Equal(t, 2, a.count("GET "+prefix+"/api/v2/flows/f1"))
	assert.Equal(t, 1, b.count("GET "+prefix+"/api/v2/flows/f1"))
}

func TestOnRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []client.RequestInfo
	f := newFixture(t, func(c *client.Config) {
		c.OnRequest = func(ri client.RequestInfo) { mu.Lock(); seen = append(seen, ri); mu.Unlock() }
	})
	calls := 0
	f.handle(t, "GET /api/v2/flows/f1/versions/3.0/configuration", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			genesysError(w, 503, "service.unavailable", "try later")
			return
		}
		w.Header().Set("Inin-Correlation-Id", "corr-ok")
		writeJSON(w, 200, `{"flowSequenceItemList":[]}`)
	})
	_, err := f.client.Configuration(context.Background(), "f1", "3.0")
	require.NoError(t, err)
	require.Len(t, seen, 2)
	for i, ri := range seen {
		assert.Equal(t, "GET", ri.Method)
		assert.Equal(t, "/api/v2/flows/{flowId}/versions/{versionId}/configuration", ri.Route, "no ids in the route")
		assert.Equal(t, "/api/v2/flows/f1/versions/3.0/configuration", ri.Path)
		assert.Equal(t, i+1, ri.Attempt)
		assert.Positive(t, ri.Duration)
	}
	assert.Equal(t, 503, seen[0].Status)
	assert.Equal(t, "corr-service.unavailable", seen[0].CorrelationID)
	assert.Equal(t, 200, seen[1].Status)
	assert.Equal(t, "corr-ok", seen[1].CorrelationID)
	assert.Contains(t, f.logs.String(), `route=/api/v2/flows/{flowId}/versions/{versionId}/configuration`)
	assert.Contains(t, f.logs.String(), "attempt=2")
	assert.Contains(t, f.logs.String(), "correlation_id=corr-ok")
	assert.NotContains(t, f.logs.String(), testToken)
}

// TestTokenWaitHonoursCallerContext: while one caller's token request is in
// flight, another caller that needs a token waits for it, but gives up as
// soon as its own context ends; no lock is held across the network call.
func TestTokenWaitHonoursCallerContext(t *testing.T) {
	release := make(chan struct{})
	f := newFixture(t)
	slow := http.NewServeMux()
	slow.HandleFunc("POST "+prefix+"/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		<-release
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":3600}`, testToken+"-slow"))
	})
	slow.Handle("/", f.mux)
	f.mux = slow
	f.handle(t, "GET /api/v2/flows/f1", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, flowJSON) })

	first := make(chan error, 1)
	go func() {
		_, err := f.client.Flow(context.Background(), "f1")
		first <- err
	}()
	// Wait until the first caller's token request is at the server.
	require.Eventually(t, func() bool { return f.count("POST "+prefix+"/oauth/token") == 1 }, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := f.client.Flow(ctx, "f1")
		second <- err
	}()
	cancel()
	select {
	case err := <-second:
		require.ErrorIs(t, err, context.Canceled, "the waiting caller gave up on its own context")
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting caller was stuck behind the first caller's token request")
	}
	close(release)
	require.NoError(t, <-first)
	assert.Equal(t, 1, f.count("POST "+prefix+"/oauth/token"), "one token request in flight at a time")
}

func TestUserAgentNamesTheModuleVersion(t *testing.T) {
	var ua string
	f := newFixture(t, func(c *client.Config) { c.UserAgent = "" })
	f.mux.HandleFunc("GET "+prefix+"/api/v2/flows/f1", func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
		writeJSON(w, 200, flowJSON)
	})
	_, err := f.client.Flow(context.Background(), "f1")
	require.NoError(t, err)
	// A test binary is the module itself, unversioned: "devel". A program
	// that requires the module at v1.2.3 sends gcflow-timeouts/v1.2.3.
	assert.Equal(t, "gcflow-timeouts/devel (+https://github.com/gcflow/timeouts)", ua)
	assert.True(t, strings.HasPrefix(ua, "gcflow-timeouts/"))
}
