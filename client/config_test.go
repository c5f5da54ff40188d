package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/internal/fakeclock"
	"github.com/gcflow/timeouts/retry"
)

func TestNewValidates(t *testing.T) {
	good := client.Config{Region: "eu-west-1", ClientID: "id", ClientSecret: "secret"}
	for _, tc := range []struct {
		name   string
		edit   func(*client.Config)
		region string // what Region() reports, when valid
		says   string // what the error says, when not
	}{
		{"region name", func(c *client.Config) {}, "eu-west-1", ""},
		{"underscores", func(c *client.Config) { c.Region = "ap_southeast_2" }, "ap-southeast-2", ""},
		{"host", func(c *client.Config) { c.Region = "mypurecloud.de" }, "eu-central-1", ""},
		{"upper case", func(c *client.Config) { c.Region = "US-EAST-1" }, "us-east-1", ""},
		{"unknown region", func(c *client.Config) { c.Region = "mars-north-1" }, "", `unknown region "mars-north-1"; use one of ap-northeast-1,`},
		{"no region", func(c *client.Config) { c.Region = "" }, "", "no region (set GENESYS_CLOUD_REGION"},
		{"no id", func(c *client.Config) { c.ClientID = "" }, "", "no client id (set GENESYS_CLOUD_CLIENT_ID)"},
		{"no secret", func(c *client.Config) { c.ClientSecret = "" }, "", "no client secret"},
		{"https base URL", func(c *client.Config) { c.Region, c.BaseURL = "", "https://proxy.example.com/genesys/" }, "https://proxy.example.com/genesys", ""},
		{"http loopback", func(c *client.Config) { c.BaseURL = "http://127.0.0.1:8080" }, "http://127.0.0.1:8080", ""},
		{"http localhost", func(c *client.Config) { c.BaseURL = "http://localhost:8080" }, "http://localhost:8080", ""},
		{"http ipv6 loopback", func(c *client.Config) { c.BaseURL = "http://[::1]:8080" }, "http://[::1]:8080", ""},
		{"http elsewhere", func(c *client.Config) { c.BaseURL = "http://10.0.0.5:8080" }, "", "uses http on 10.0.0.5, which is not a loopback address"},
		{"not a URL", func(c *client.Config) { c.BaseURL = "ftp://x" }, "", "is not an http(s) URL"},
		{"credentials in URL", func(c *client.Config) { c.BaseURL = "https://user:pw@proxy.example.com" }, "", "must not hold credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			c, err := client.New(cfg)
			if tc.says == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.region, c.Region())
				return
			}
			require.ErrorIs(t, err, client.ErrConfig)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), "pw@")
		})
	}
	assert.Len(t, client.Regions(), 17)
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("GENESYS_CLOUD_REGION", "eu-west-2")
	t.Setenv("GENESYS_CLOUD_CLIENT_ID", "the-id")
	t.Setenv("GENESYS_CLOUD_CLIENT_SECRET", "the-secret")
	t.Setenv("GENESYS_CLOUD_API_URL", "http://127.0.0.1:9")
	cfg := client.ConfigFromEnv()
	assert.Equal(t, client.Config{Region: "eu-west-2", ClientID: "the-id", ClientSecret: "the-secret", BaseURL: "http://127.0.0.1:9"}, cfg)
}

// TestSecretsNeverShow makes every error path fire and checks that neither
// the client secret nor any bearer token is in an error or a log line.
func TestSecretsNeverShow(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	f := newFixture(t, func(c *client.Config) { c.Logger = logger; c.Retry.MaxAttempts = 2 })
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "401":
			genesysError(w, 401, "bad.credentials", "Invalid token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		case "403":
			genesysError(w, 403, "missing.permissions", "Missing permission architect:flow:view")
		case "409":
			genesysError(w, 409, "architect.flow.locked.by.user", "locked")
		case "410":
			genesysError(w, 410, "architect.flow.deleted", "gone")
		case "429":
			w.Header().Set("Retry-After", "1")
			genesysError(w, 429, "too.many.requests", "slow")
		case "500":
			genesysError(w, 500, "internal", "boom")
		case "html":
			fmt.Fprint(w, "<html>")
		default:
			genesysError(w, 404, "not.found", "nope")
		}
	})
	ctx := context.Background()
	for _, id := range []string{"401", "403", "404", "409", "410", "429", "500", "html"} {
		_, err := f.client.Flow(ctx, id)
		collect(err)
	}
	for _, err := range f.client.Flows(ctx, &client.ListFlowsOptions{PageSize: 9999}) {
		collect(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := f.client.Flow(cancelled, "x")
	collect(err)

	// The token endpoint refusing, failing and unreachable.
	for _, edit := range []func(*client.Config){
		func(c *client.Config) { c.ClientSecret = testSecret + "-wrong" },
		func(c *client.Config) { c.BaseURL = f.srv.URL + "/nowhere" },
		func(c *client.Config) { c.BaseURL = "http://127.0.0.1:1" },
	} {
		cfg := client.Config{ClientID: testID, ClientSecret: testSecret, BaseURL: f.srv.URL + prefix, RequestsPerMinute: -1,
			Logger: logger, Retry: retry.Policy{Clock: fakeclock.New(), MaxAttempts: 2}}
		edit(&cfg)
		c, err := client.New(cfg)
		require.NoError(t, err)
		_, err = c.Flow(ctx, "f1")
		collect(err)
	}
	_, err = client.New(client.Config{Region: "nowhere", ClientID: testID, ClientSecret: testSecret})
	collect(err)

	require.Len(t, errs, 14, "every path produced an error")
	for _, err := range errs {
		for _, secret := range []string{testSecret, testToken} {
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
		}
	}
	require.NotEmpty(t, logs.String())
	assert.NotContains(t, logs.String(), testSecret)
	assert.NotContains(t, logs.String(), testToken)
	assert.Contains(t, logs.String(), "path=/api/v2/flows/403 status=403")
}
