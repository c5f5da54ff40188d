package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/retry"
)

// modulePath is this module's path, as the build info names it.
const modulePath = "github.com/gcflow/timeouts"

// defaultUserAgent is sent when Config.UserAgent is empty: the module and
// its version, as the build info of the program that uses it says.
func defaultUserAgent() string {
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == modulePath && d.Version != "" {
				version = d.Version
			}
		}
	}
	return "gcflow-timeouts/" + version + " (+https://" + modulePath + ")"
}

// Read caps: a configuration can be large (real bot flows reach 600 KB, the
// save limit is 512,000 bytes, a read is not bound by it); an error body is
// small.
const (
	maxBodyBytes      = flow.MaxDocumentBytes
	maxErrorBodyBytes = 64 << 10
)

// Client talks to one Genesys Cloud organisation. It is safe for concurrent
// use; create one per set of credentials, with New, and reuse it. A Client
// not made by New (the zero value) sends nothing: every call that would
// send a request returns ErrInvalidArgument.
type Client struct {
	ep        endpoints
	http      *http.Client
	tokens    *tokens
	policy    retry.Policy
	limiter   *rate.Limiter // nil: no pacing
	userAgent string
	cfg       Config
	red       *redactor
	// readOnly refuses every request but GET and HEAD (a dry run).
	readOnly bool
	// anyShape parses configurations with flow.ParseAny
	// (UpdateOptions.AnyShape).
	anyShape bool
	// pollInterval and maxPages are Config's, defaults applied.
	pollInterval time.Duration
	maxPages     int
}

// New checks cfg and returns a client. It sends nothing: the first request
// fetches the first token.
func New(cfg Config) (*Client, error) {
	ep, err := cfg.endpoints()
	if err != nil {
		return nil, err
	}
	hc := noRedirects(cfg.HTTPClient)
	c := &Client{ep: ep, http: hc, policy: cfg.Retry, userAgent: cfg.UserAgent, cfg: cfg, red: newRedactor(cfg),
		pollInterval: cfg.PollInterval, maxPages: cfg.MaxPages}
	if c.pollInterval <= 0 {
		c.pollInterval = defaultPollInterval
	}
	if c.maxPages <= 0 {
		c.maxPages = defaultMaxPages
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent()
	}
	rpm := cfg.RequestsPerMinute
	if rpm == 0 {
		rpm = defaultRequestsPerMinute
	}
	switch {
	case cfg.Limiter != nil:
		c.limiter = cfg.Limiter
	case rpm > 0:
		// A burst of one spaces requests evenly, so no window of a minute
		// ever sees more than the limit.
		c.limiter = rate.NewLimiter(rate.Limit(float64(rpm)/60), 1)
	}
	c.tokens = newTokens(cfg, ep, hc, c.red)
	return c, nil
}

// noRedirects returns a copy of hc (nil: a client with a 2 minute timeout)
// that follows no redirect. A redirect is an error (redirectError): Go's
// client keeps the Authorization header on a redirect to the same host
// whatever the port, and the OAuth transport adds it again anyway, so a
// redirect would carry the token or the client secret elsewhere. No
// Genesys Cloud API or login endpoint this module calls is known to
// redirect. The caller's client is not modified.
func noRedirects(hc *http.Client) *http.Client {
	out := &http.Client{Timeout: 2 * time.Minute}
	if hc != nil {
		cp := *hc
		out = &cp
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return out
}

// redirectTarget says where a 3xx answer pointed: the Location's scheme,
// host and port only (never its user info, path or query).
func redirectTarget(resp *http.Response) string {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "nowhere (no Location)"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "an unreadable Location"
	}
	if resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL.ResolveReference(u)
	}
	if u.Host == "" {
		return "an unreadable Location"
	}
	return u.Scheme + "://" + u.Host
}

// Region is the region name the client resolved, or the base URL.
func (c *Client) Region() string { return c.ep.region }

// ReadOnly returns a view of c that sends only GET and HEAD requests (and
// the token request): every other request is refused with ErrReadOnly before
// it leaves the process. It shares c's token, pacing and retry policy. A dry
// run uses it, so that no code path, however it is reached, can write.
func (c *Client) ReadOnly() *Client {
	if c.readOnly {
		return c
	}
	ro := *c
	ro.readOnly = true
	return &ro
}

// WithOnRequest returns a view of c that also calls fn after each request
// attempt, after Config.OnRequest: a caller that wants the answers of its
// own calls (the probe records them) without a second token or pace.
func (c *Client) WithOnRequest(fn func(RequestInfo)) *Client {
	v := *c
	prev := c.cfg.OnRequest
	v.cfg.OnRequest = func(info RequestInfo) {
		if prev != nil {
			prev(info)
		}
		fn(info)
	}
	return &v
}

// Config is the configuration c was made with (the secret included: it is
// the caller's own).
func (c *Client) Config() Config { return c.cfg }

// lockedBySameClient reports whether f's lock is held by this client's
// OAuth client id: by this process, or by any other that uses the same
// credentials. Only the process that checked the flow out knows the lock
// is its own.
func (c *Client) lockedBySameClient(f *Flow) bool {
	return f.LockedClient != nil && f.LockedClient.ID == c.cfg.ClientID
}

// Request is one request to the Genesys Cloud API, as NewRequest makes it
// and Do sends it: a method, a path under the API base, a query and a JSON
// body. Requests go nowhere but the client's own API host.
type Request struct {
	// Method is the HTTP method: GET, POST, PUT, PATCH or DELETE.
	Method string
	// Path is the escaped path under the API base, starting with /api/v2/.
	Path string
	// Query is the query string's values; nil for none.
	Query url.Values
	// Body is sent as application/json when not nil.
	Body []byte
}

// NewRequest makes a request for Do, for an endpoint this package has no
// method for (go-github's escape hatch). path is relative to the API base
// and starts with /api/v2/ (escape ids in it with url.PathEscape); body is
// nil, a []byte or json.RawMessage sent as it is, or any other value,
// encoded as JSON. A bad method, a path elsewhere or a body that cannot be
// encoded is ErrInvalidArgument.
func (c *Client) NewRequest(method, path string, query url.Values, body any) (*Request, error) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil, fmt.Errorf("%w: method %s", ErrInvalidArgument, quoteValue(method))
	}
	if !strings.HasPrefix(path, "/api/v2/") || strings.ContainsAny(path, "?#") || strings.Contains(path, "/../") {
		return nil, fmt.Errorf("%w: path %s is not under /api/v2/ (and holds no query)", ErrInvalidArgument, quoteValue(path))
	}
	r := &Request{Method: method, Path: path, Query: query}
	switch b := body.(type) {
	case nil:
	case []byte:
		r.Body = b
	case json.RawMessage:
		r.Body = b
	default:
		enc, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%w: the body cannot be encoded as JSON: %w", ErrInvalidArgument, err)
		}
		r.Body = enc
	}
	return r, nil
}

// Do sends req through the one place every request of this package goes
// through (pacing, authentication, the retries that are safe, the redactor,
// *APIError for a non-2xx answer; a ReadOnly client refuses anything but
// GET and HEAD) and decodes a 2xx answer into v: nothing when v is nil,
// the exact bytes when v is a *[]byte or *json.RawMessage, else as JSON.
// A POST, PUT, PATCH or DELETE once sent is seen through to its answer even
// when ctx ends meanwhile, and is repeated only when it provably never
// reached the server.
func (c *Client) Do(ctx context.Context, req *Request, v any) error {
	if req == nil || req.Method == "" || req.Path == "" {
		return fmt.Errorf("%w: a request needs a method and a path (NewRequest makes one)", ErrInvalidArgument)
	}
	body, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	switch out := v.(type) {
	case nil:
	case *[]byte:
		*out = body
	case *json.RawMessage:
		*out = body
	default:
		if err := json.Unmarshal(body, v); err != nil {
			return fmt.Errorf("%w: %s %s: %v (the answer starts %s)", ErrInvalidResponse, req.Method, req.Path, err, c.red.bodyText(body, 80))
		}
	}
	return nil
}

// idempotent reports whether repeating the request cannot do its action twice.
func (r *Request) idempotent() bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }

// do sends r through the one place that paces, authenticates, retries what
// is safe to retry and turns non-2xx answers into *APIError. It returns the
// response body.
func (c *Client) do(ctx context.Context, r *Request) ([]byte, error) {
	if c.tokens == nil {
		return nil, errNotMade
	}
	if c.readOnly && !r.idempotent() {
		return nil, fmt.Errorf("%w: %s %s was not sent", ErrReadOnly, r.Method, r.Path)
	}
	var out []byte
	n := 0
	err := retry.Do(ctx, c.policy, func(ctx context.Context) error {
		n++
		body, err := c.attempt(ctx, r, n)
		if err == nil {
			out = body
		}
		return err
	})
	return out, err
}

// attempt sends r once, or twice when the first answer is a 401: the token
// may have expired or been revoked, so one fresh token and one repeat.
func (c *Client) attempt(ctx context.Context, r *Request, n int) ([]byte, error) {
	for try := 0; ; try++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, retry.Permanent(err)
			}
		}
		tok, err := c.authorize(ctx)
		if err != nil {
			return nil, err
		}
		req, err := c.request(ctx, r, tok)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		resp, err := c.http.Do(req)
		if err != nil {
			c.report(ctx, r, n, nil, start, err)
			return nil, c.transportFailed(ctx, r, err)
		}
		body, err := c.readAnswer(ctx, r, n, resp, start)
		if err != nil || resp.StatusCode < 300 {
			return body, err
		}
		apiErr := newAPIError(resp, body, r.Method, r.Path, c.now(), c.red)
		switch {
		case resp.StatusCode < 400:
			return nil, retry.Permanent(apiErr) // a redirect, not followed
		case resp.StatusCode == http.StatusUnauthorized && try == 0:
			c.tokens.invalidate(tok)
			continue
		case resp.StatusCode == http.StatusTooManyRequests:
			return nil, apiErr
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && r.idempotent():
			return nil, apiErr
		default:
			return nil, retry.Permanent(apiErr)
		}
	}
}

// authorize returns a token; a refusal, or a failure after ctx ended, is
// not worth repeating.
func (c *Client) authorize(ctx context.Context) (*oauth2.Token, error) {
	tok, err := c.tokens.token(ctx)
	if err == nil {
		return tok, nil
	}
	var ae *AuthError
	if (errors.As(err, &ae) && ae.Status != 0 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests) || ctx.Err() != nil {
		return nil, retry.Permanent(err)
	}
	return nil, err // the login host failed or was unreachable: worth repeating
}

// request builds the HTTP request of r.
func (c *Client) request(ctx context.Context, r *Request, tok *oauth2.Token) (*http.Request, error) {
	target := c.ep.api.String() + r.Path // r.Path is escaped already
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	var rd io.Reader
	if r.Body != nil {
		rd = bytes.NewReader(r.Body)
	}
	// A write, once sent, is seen through to its answer even if ctx ends
	// meanwhile (the HTTP client's timeout still bounds it): cut off, its
	// outcome would be unknown, and a check-out that lands after we looked
	// would leave a lock nobody releases.
	reqCtx := ctx
	if !r.idempotent() {
		if err := ctx.Err(); err != nil {
			return nil, retry.Permanent(err)
		}
		reqCtx = context.WithoutCancel(ctx)
	}
	req, err := http.NewRequestWithContext(reqCtx, r.Method, target, rd)
	if err != nil {
		return nil, retry.Permanent(fmt.Errorf("client: %s %s: %w", r.Method, r.Path, c.red.err(err)))
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// transportFailed classifies a request that got no answer. A POST is
// repeated only when it provably never reached the server: a publish
// repeated is a second version.
func (c *Client) transportFailed(ctx context.Context, r *Request, err error) error {
	err = fmt.Errorf("client: %s %s: %w", r.Method, r.Path, c.scrub(err))
	if ctx.Err() != nil || (!r.idempotent() && !errors.Is(err, syscall.ECONNREFUSED)) {
		return retry.Permanent(err)
	}
	return err
}

// readAnswer reads an answer's body through its size cap: a 2xx larger
// than the cap is an error; an error body is cut to its cap.
func (c *Client) readAnswer(ctx context.Context, r *Request, n int, resp *http.Response, start time.Time) ([]byte, error) {
	limit := int64(maxBodyBytes)
	if resp.StatusCode >= 300 {
		limit = maxErrorBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	c.report(ctx, r, n, resp, start, err)
	if err != nil {
		err = fmt.Errorf("client: %s %s: reading the answer: %w", r.Method, r.Path, c.scrub(err))
		if r.idempotent() {
			return nil, err
		}
		return nil, retry.Permanent(err)
	}
	if int64(len(body)) > limit {
		if resp.StatusCode < 300 {
			return nil, retry.Permanent(fmt.Errorf("%w: %s %s: the answer is larger than %d bytes", ErrInvalidResponse, r.Method, r.Path, limit))
		}
		body = body[:limit]
	}
	return body, nil
}

func (c *Client) now() time.Time {
	if c.policy.Clock != nil {
		return c.policy.Clock.Now()
	}
	return time.Now()
}

// report tells Config.OnRequest and Config.Logger about one attempt.
func (c *Client) report(ctx context.Context, r *Request, n int, resp *http.Response, start time.Time, err error) {
	if c.cfg.Logger == nil && c.cfg.OnRequest == nil {
		return
	}
	info := RequestInfo{Method: r.Method, Route: route(r.Path), Path: r.Path, Attempt: n, Duration: time.Since(start)}
	if resp != nil {
		info.Status, info.CorrelationID = resp.StatusCode, resp.Header.Get("Inin-Correlation-Id")
	}
	if err != nil {
		info.Err = c.scrub(err)
	}
	if c.cfg.OnRequest != nil {
		c.cfg.OnRequest(info)
	}
	if c.cfg.Logger != nil {
		attrs := []any{"method", info.Method, "route", info.Route, "path", info.Path, "status", info.Status,
			"attempt", info.Attempt, "duration", info.Duration}
		if info.CorrelationID != "" {
			attrs = append(attrs, "correlation_id", info.CorrelationID)
		}
		if info.Err != nil {
			attrs = append(attrs, "error", info.Err.Error())
		}
		c.cfg.Logger.DebugContext(ctx, "genesys cloud request", attrs...)
	}
}

// route is a path's route template: the ids of flows, versions and actions
// replaced by their names, so that requests group in metrics.
func route(path string) string {
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		switch prev := segs[i-1]; {
		case prev == "flows" && segs[i] != "actions":
			segs[i] = "{flowId}"
		case prev == "versions":
			segs[i] = "{versionId}"
		case prev == "actions" && i >= 2 && segs[i-2] == "integrations":
			segs[i] = "{actionId}"
		}
	}
	return strings.Join(segs, "/")
}

// scrub removes the query and user info from the URL of a transport error
// (ours hold only flow ids, but a caller's proxy URL might hold more), and
// passes its text through the redactor: a server's malformed answer can be
// quoted in a transport error.
func (c *Client) scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.ForceQuery, u.User = "", false, nil
			err = &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return c.red.err(err)
}

// getJSON sends a GET and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	return c.Do(ctx, &Request{Method: http.MethodGet, Path: path, Query: query}, out)
}
