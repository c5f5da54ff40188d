package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
		{"credentials in http URL", func(c *client.Config) { c.BaseURL = "http://user:pa55w0rd@host:8080" }, "", `base URL "http://host:8080" must not hold credentials`},
		{"credentials in ftp URL", func(c *client.Config) { c.BaseURL = "ftp://user:pa55w0rd@host" }, "", `"ftp://host" must not hold credentials`},
		{"credentials and a bad port", func(c *client.Config) { c.BaseURL = "https://user:pa55w0rd@host:99x" }, "", "must not hold credentials"},
		{"credentials after a leading space", func(c *client.Config) { c.BaseURL = " http://user:pa55w0rd@127.0.0.1:1" }, "", "a space or a control character"},
		{"a password with a slash", func(c *client.Config) { c.BaseURL = "https://user:pa55/w0rd@host" }, "", `"https://host" must not hold credentials`},
		{"no scheme", func(c *client.Config) { c.BaseURL = "user:pa55w0rd@host" }, "", `"host" must not hold credentials`},
		{"bad port", func(c *client.Config) { c.BaseURL = "https://host:99999" }, "", "port outside 1 to 65535"},
		{"port not a number", func(c *client.Config) { c.BaseURL = "https://host:x1" }, "", "is not an http(s) URL"},
		{"bare query", func(c *client.Config) { c.BaseURL = "https://host/api?" }, "", "query or a fragment"},
		{"bare fragment", func(c *client.Config) { c.BaseURL = "https://host/#" }, "", "query or a fragment"},
		{"query", func(c *client.Config) { c.BaseURL = "https://host/?a=1" }, "", "query or a fragment"},
		{"control character", func(c *client.Config) { c.BaseURL = "https://host/\x1b[2J" }, "", "control character"},
		{"long", func(c *client.Config) { c.BaseURL = "https://" + strings.Repeat("h", 130_000) + " " }, "", "...\" holds a space"},
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
			assert.NotContains(t, err.Error(), "pa55")
			assert.Less(t, len(err.Error()), 400, "a long value is quoted in part")
		})
	}
	assert.Len(t, client.Regions(), 17)
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("GENESYS_CLOUD_REGION", "eu-west-2")
	t.Setenv("GENESYS_CLOUD_CLIENT_ID", "the-id")
	t.Setenv("GENESYS_CLOUD_CLIENT_SECRET", "the-secret")
	t.Setenv("GENESYS_CLOUD_API_URL", "http://127.0.0.1:9")
	cfg, err := client.ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, client.Config{Region: "eu-west-2", ClientID: "the-id", ClientSecret: "the-secret", BaseURL: "http://127.0.0.1:9"}, cfg)

	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), mode))
		require.NoError(t, os.Chmod(p, mode))
		return p
	}
	t.Run("secret file", func(t *testing.T) {
		t.Setenv("GENESYS_CLOUD_CLIENT_SECRET", "")
		os.Unsetenv("GENESYS_CLOUD_CLIENT_SECRET")
		for content, want := range map[string]string{"from-a-file\n": "from-a-file", "crlf\r\n": "crlf", "no-newline": "no-newline", "two\n\n": "two\n"} {
			t.Setenv("GENESYS_CLOUD_CLIENT_SECRET_FILE", file("s", content, 0o440))
			cfg, err := client.ConfigFromEnv()
			require.NoError(t, err)
			assert.Equal(t, want, cfg.ClientSecret)
		}
	})
	for _, tc := range []struct {
		name, content string
		mode          os.FileMode
		both          bool
		says          string
	}{
		{"readable by all", "leaked-secret-value\n", 0o644, false, "can be read by every user of this machine (mode -rw-r--r--)"},
		{"empty", "\n", 0o600, false, "is empty"},
		{"too large", strings.Repeat("x", 70_000), 0o600, false, "larger than 65536 bytes"},
		{"both variables", "leaked-secret-value", 0o600, true, "both GENESYS_CLOUD_CLIENT_SECRET and GENESYS_CLOUD_CLIENT_SECRET_FILE are set"},
		{"missing", "", 0, false, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "missing")
			if tc.mode != 0 {
				p = file(tc.name, tc.content, tc.mode)
			}
			t.Setenv("GENESYS_CLOUD_CLIENT_SECRET_FILE", p)
			if !tc.both {
				t.Setenv("GENESYS_CLOUD_CLIENT_SECRET", "")
				os.Unsetenv("GENESYS_CLOUD_CLIENT_SECRET")
			}
			_, err := client.ConfigFromEnv()
			require.ErrorIs(t, err, client.ErrConfig)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), "leaked")
		})
	}
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
		case "html-echo": // a 200 that is not JSON, quoting the token
			fmt.Fprint(w, "<html>"+r.Header.Get("Authorization"))
		case "escaped": // the token echoed with every letter a JSON escape
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"code":"bad.request","message":"Invalid token %s","contextId":"%s"}`,
				jsonEscapeAll(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")), jsonEscapeAll(testSecret))
		case "cut-escaped": // the same, in a body that is not JSON (cut at its cap)
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"message":"Invalid token %s`, jsonEscapeAll(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
		case "basic-echo": // credentials of any kind, as a proxy might echo them
			genesysError(w, 400, "bad.request", "got Authorization: "+r.Header.Get("Authorization")+
				" and Basic "+base64.StdEncoding.EncodeToString([]byte(testID+":"+testSecret))+" from https://me:"+testSecret+"@proxy")
		default:
			genesysError(w, 404, "not.found", "nope")
		}
	})
	ctx := context.Background()
	for _, id := range []string{"401", "403", "404", "409", "410", "429", "500", "html", "html-echo", "escaped", "cut-escaped", "basic-echo"} {
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

	// A token endpoint that echoes the credentials in its description,
	// plainly and JSON-escaped.
	for desc, want := range map[string]string{testID + ":" + testSecret: testID + ":[redacted]", jsonEscapeAll(testSecret): "[redacted]"} {
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"authentication failed for %s"}`, desc)
		}))
		c, err := client.New(client.Config{ClientID: testID, ClientSecret: testSecret, BaseURL: echo.URL, RequestsPerMinute: -1,
			Logger: logger, Retry: retry.Policy{Clock: fakeclock.New(), MaxAttempts: 2}})
		require.NoError(t, err)
		_, err = c.Flow(ctx, "f1")
		require.ErrorIs(t, err, client.ErrUnauthorized)
		assert.Contains(t, err.Error(), "(authentication failed for "+want+")", "the description is quoted, redacted")
		collect(err)
		echo.Close()
	}

	require.Len(t, errs, 20, "every path produced an error")
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
	for _, err := range errs {
		if strings.Contains(err.Error(), "/flows/escaped") {
			assert.Contains(t, err.Error(), "Invalid token [redacted]", "decoded, then redacted")
		}
	}
}

// jsonEscapeAll writes every byte of s as a JSON \u escape.
func jsonEscapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// TestRedirectsCarryNoCredentials: a 302 on the API and a 307 on the token
// endpoint, each to another loopback port, are errors that name the status
// and where they pointed; the other port receives no Authorization header
// and no secret.
func TestRedirectsCarryNoCredentials(t *testing.T) {
	var got []string
	var mu sync.Mutex
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen-token-1234","token_type":"bearer","expires_in":3600,"entities":[]}`)
	}))
	defer elsewhere.Close()
	target := strings.Replace(elsewhere.URL, "http://", "http://user:pw@", 1)
	for _, tc := range []struct {
		name, redirect string
		status         int
		says           string
	}{
		{"API 302", "/api/v2/flows", http.StatusFound, "GET /api/v2/flows: 302 Found: redirected to " + elsewhere.URL + "; not followed"},
		{"token 307", "/oauth/token", http.StatusTemporaryRedirect, "307 Temporary Redirect (redirected to " + elsewhere.URL + "; not followed"},
		{"API 308", "/api/v2/flows", http.StatusPermanentRedirect, "308 Permanent Redirect: redirected to " + elsewhere.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == tc.redirect {
					http.Redirect(w, r, target+r.URL.Path+"?secret=q", tc.status)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"access_token":"`+testToken+`","token_type":"bearer","expires_in":3600}`)
			}))
			defer srv.Close()
			c, err := client.New(client.Config{ClientID: testID, ClientSecret: testSecret, BaseURL: srv.URL, RequestsPerMinute: -1,
				Retry: retry.Policy{Clock: fakeclock.New(), MaxAttempts: 3}})
			require.NoError(t, err)
			var listErr error
			for _, err := range c.Flows(context.Background(), nil) {
				listErr = err
			}
			require.Error(t, listErr)
			assert.Contains(t, listErr.Error(), tc.says)
			assert.NotContains(t, listErr.Error(), "secret=q", "never the Location's query")
			assert.NotContains(t, listErr.Error(), "user:pw", "never its user info")
			assert.NotContains(t, listErr.Error(), "\n")
		})
	}
	assert.Empty(t, got, "the other port received nothing at all")
}
