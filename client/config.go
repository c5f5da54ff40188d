package client

import (
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"net"
	"net/http"
	"net/url"
	"os"
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
	// limit: 0 means DefaultRequestsPerMinute, a negative value no pacing.
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
	// EnvAPIURL is Config.BaseURL: it replaces the login host as well as
	// the API host (the token endpoint is then BaseURL/oauth/token).
	EnvAPIURL = "GENESYS_CLOUD_API_URL"
)

// ConfigFromEnv reads GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID,
// GENESYS_CLOUD_CLIENT_SECRET and GENESYS_CLOUD_API_URL (a base URL
// override). New validates the result.
func ConfigFromEnv() Config {
	return Config{
		Region:       os.Getenv(EnvRegion),
		ClientID:     os.Getenv(EnvClientID),
		ClientSecret: os.Getenv(EnvClientSecret),
		BaseURL:      os.Getenv(EnvAPIURL),
	}
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
		u, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return endpoints{}, fmt.Errorf("%w: base URL %q is not an http(s) URL with a host", ErrConfig, c.BaseURL)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return endpoints{}, fmt.Errorf("%w: base URL %q uses http on %s, which is not a loopback address; use https", ErrConfig, c.BaseURL, u.Hostname())
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return endpoints{}, fmt.Errorf("%w: base URL %q must not hold credentials, a query or a fragment", ErrConfig, u.Redacted())
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
