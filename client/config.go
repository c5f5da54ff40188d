package client

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/gcflow/timeouts/retry"
)

// Config says how to reach and authenticate to a Genesys Cloud organisation.
type Config struct {
	// Region is the organisation's region: an AWS-style name (eu-west-1,
	// eu_west_1) or its host (mypurecloud.ie). See Regions.
	Region string
	// ClientID and ClientSecret are an OAuth client-credentials grant's.
	ClientID, ClientSecret string
	// BaseURL, when set, replaces both the API and the login host (a proxy,
	// the fake organisation of clienttest): the API is under it and the
	// token endpoint at BaseURL/oauth/token. It must be https, or http on a
	// loopback address.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a 2 minute
	// timeout.
	HTTPClient *http.Client
	// Retry says how failed requests are repeated; the zero value takes the
	// retry package's defaults.
	Retry retry.Policy
	// RequestsPerMinute paces the client below the platform's per-token
	// limit: 0 means 300 (the platform's budget per token), a negative value
	// no pacing.
	RequestsPerMinute int
	// UserAgent is sent with every request; empty means the module's.
	UserAgent string
	// Logger, when set, gets one debug line per request attempt with the
	// attributes of RequestInfo. Never a header, a token or a secret.
	Logger *slog.Logger
	// OnRequest, when set, is called after each request attempt, from the
	// goroutine that made it: for metrics and traces.
	OnRequest func(RequestInfo)
	// TokenSource, when set, supplies the bearer tokens instead of the
	// client-credentials grant (a service that already holds one). The
	// Client still needs ClientID: it is how the Client knows which locks
	// are held by its OAuth client. ClientSecret is then not needed. A
	// TokenSource takes no context, so a fetch in flight cannot be
	// cancelled; callers that wait for it can.
	TokenSource oauth2.TokenSource
	// PollInterval is the first wait before a check-in or publish, which
	// runs on the server, is read again; each later wait is half as long
	// again, up to 10 s. 0 means 250 ms. Tests make it short.
	PollInterval time.Duration
	// MaxPages bounds a listing: a server that never stops paging ends it
	// with ErrInvalidResponse after this many pages. 0 means 10,000.
	MaxPages int
	// Limiter, when set, paces the requests instead of RequestsPerMinute.
	// The platform's budget is per OAuth client, so every Client of one
	// OAuth client in a process should share one Limiter.
	Limiter *rate.Limiter
}

// RequestInfo describes one request attempt, for Config.OnRequest and the
// Logger.
type RequestInfo struct {
	// Method and Route are the request's method and route template
	// ("/api/v2/flows/{flowId}/latestconfiguration"): no ids, so they group
	// well in metrics. Path is the path with the ids.
	Method, Route, Path string
	// Status is the answer's HTTP status, zero when none came.
	Status int
	// Attempt counts the attempts of one request from 1.
	Attempt int
	// Duration is the time the attempt took.
	Duration time.Duration
	// CorrelationID is Genesys' Inin-Correlation-Id, what its support asks for.
	CorrelationID string
	// Err is the transport error, if any. It never holds a secret.
	Err error
}

// Environment variables that ConfigFromEnv reads.
const (
	EnvRegion       = "GENESYS_CLOUD_REGION"
	EnvClientID     = "GENESYS_CLOUD_CLIENT_ID"
	EnvClientSecret = "GENESYS_CLOUD_CLIENT_SECRET"
	// EnvClientSecretFile names a file that holds the client secret, as CI
	// systems and containers mount secrets (read once); it is an
	// alternative to EnvClientSecret, not an addition.
	EnvClientSecretFile = "GENESYS_CLOUD_CLIENT_SECRET_FILE"
	// EnvAPIURL is Config.BaseURL: it replaces the login host as well as
	// the API host (the token endpoint is then BaseURL/oauth/token).
	EnvAPIURL = "GENESYS_CLOUD_API_URL"
)

// ConfigFromEnv reads GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID,
// GENESYS_CLOUD_CLIENT_SECRET or GENESYS_CLOUD_CLIENT_SECRET_FILE (read once,
// see readSecretFile), and GENESYS_CLOUD_API_URL (a base URL override).
// Both secret variables at once, or a secret file that cannot be used, is
// an ErrConfig that names the variable and the path, never the secret. New
// validates the rest.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Region:       os.Getenv(EnvRegion),
		ClientID:     os.Getenv(EnvClientID),
		ClientSecret: os.Getenv(EnvClientSecret),
		BaseURL:      os.Getenv(EnvAPIURL),
	}
	path, set := os.LookupEnv(EnvClientSecretFile)
	if !set {
		return cfg, nil
	}
	if cfg.ClientSecret != "" {
		return Config{}, fmt.Errorf("%w: both %s and %s are set; set one", ErrConfig, EnvClientSecret, EnvClientSecretFile)
	}
	secret, err := readSecretFile(path, "secret file "+quoteValue(path)+" ("+EnvClientSecretFile+")")
	if err != nil {
		return Config{}, err
	}
	cfg.ClientSecret = secret
	return cfg, nil
}

// maxSecretFileBytes bounds a secret file: a secret is a few dozen bytes.
const maxSecretFileBytes = 64 << 10

// readSecretFile reads a client secret from the file at path: its content
// without one trailing newline (LF or CRLF). A file that others than its
// owner and group can read (mode o+r, such as a Kubernetes secret mounted
// with the default 0644: set defaultMode 0440) is refused, and so is an
// empty one or one larger than 64 KiB. Errors name the file as what says,
// never what it holds.
func readSecretFile(path, what string) (string, error) {
	if strings.TrimSpace(path) == "" {
		return "", fmt.Errorf("%w: %s: the path is empty", ErrConfig, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrConfig, what, errors.Unwrap(err)) // the *PathError would repeat the path
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrConfig, what, err)
	}
	switch {
	case !info.Mode().IsRegular():
		return "", fmt.Errorf("%w: %s is not a regular file", ErrConfig, what)
	case info.Mode().Perm()&0o004 != 0:
		return "", fmt.Errorf("%w: %s can be read by every user of this machine (mode %v); allow its owner and group only (chmod o-r)", ErrConfig, what, info.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrConfig, what, err)
	}
	if len(b) > maxSecretFileBytes {
		return "", fmt.Errorf("%w: %s is larger than %d bytes: not a client secret", ErrConfig, what, maxSecretFileBytes)
	}
	secret := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if secret == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrConfig, what)
	}
	return secret, nil
}

// endpoints are where a validated Config sends requests.
type endpoints struct {
	api      *url.URL // no trailing slash
	tokenURL string
	region   string // what error messages call the place: a region name or the base URL
}

func (c Config) endpoints() (endpoints, error) {
	if strings.TrimSpace(c.ClientID) == "" {
		return endpoints{}, fmt.Errorf("%w: no client id (set %s)", ErrConfig, EnvClientID)
	}
	if c.ClientSecret == "" && c.TokenSource == nil {
		return endpoints{}, fmt.Errorf("%w: no client secret (set %s)", ErrConfig, EnvClientSecret)
	}
	if c.BaseURL != "" {
		u, err := parseBaseURL(c.BaseURL)
		if err != nil {
			return endpoints{}, err
		}
		return endpoints{api: u, tokenURL: u.String() + "/oauth/token", region: u.String()}, nil
	}
	if strings.TrimSpace(c.Region) == "" {
		return endpoints{}, fmt.Errorf("%w: no region (set %s to one of %s)", ErrConfig, EnvRegion, strings.Join(Regions(), ", "))
	}
	name, host, err := regionHost(c.Region)
	if err != nil {
		return endpoints{}, err
	}
	return endpoints{
		api:      &url.URL{Scheme: "https", Host: "api." + host},
		tokenURL: "https://login." + host + "/oauth/token",
		region:   name,
	}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseBaseURL checks a base URL before anything quotes it, and quotes it
// only without its user info (quoteURL): a password in
// GENESYS_CLOUD_API_URL is never printed. It must be an https URL with a
// host and an optional port and path, or http on a loopback address; no
// credentials, query or fragment (not even a bare "?" or "#"), no spaces
// or control characters.
func parseBaseURL(raw string) (*url.URL, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: base URL %s %s", ErrConfig, quoteURL(raw), why)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, bad("holds a space or a control character")
	}
	if strings.Contains(raw, "@") {
		return nil, bad("must not hold credentials (user info): give them in " + EnvClientID + " and " + EnvClientSecret)
	}
	if strings.ContainsAny(raw, "?#") {
		return nil, bad("must not hold a query or a fragment")
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, bad("is not an http(s) URL with a host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, bad("has a port outside 1 to 65535")
		}
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, bad("uses http on " + u.Hostname() + ", which is not a loopback address; use https")
	}
	return u, nil
}

// quoteURL quotes a URL for a message: without its user info (everything
// from the scheme to the last "@"), cut to 100 bytes.
func quoteURL(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	return quoteValue(prefix + rest)
}

// quoteValue quotes a value a user gave for a message, cut to 100 bytes.
func quoteValue(s string) string { return strconv.Quote(truncate(s, 100)) }
