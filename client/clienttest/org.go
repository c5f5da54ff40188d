package clienttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/retry"
)

// The credentials every Org accepts, for an OAuth client named DefaultClientName.
const (
	DefaultClientID     = "clienttest-client"
	DefaultClientSecret = "clienttest-secret"
	DefaultClientName   = "clienttest"
)

// Options configure an Org. The zero value is a well-behaved organisation.
type Options struct {
	// RequestsPerMinute is the per-token rate limit: 0 means 300, a
	// negative value none. It is a token bucket that holds a minute's
	// worth and refills continuously (modelled: the platform counts per
	// minute).
	RequestsPerMinute int
	// RateLimitHeaders adds inin-ratelimit-count, -allowed and -reset to
	// every API answer (modelled: a fixed one-minute window).
	RateLimitHeaders bool
	// TokenLifetime is how long a token lives: 0 means 24 h.
	TokenLifetime time.Duration
	// OperationReads is how many reads of a flow an asynchronous check-in
	// or publish stays incomplete for (modelled: time on the platform,
	// counted in reads so that tests need no clock).
	OperationReads int
	// Faults are injected into API requests (not the token endpoint).
	Faults Faults
	// Now is the clock for token expiry and version dates; nil means time.Now.
	Now func() time.Time
	// Deviations make the Org differ from the modelled platform in named
	// ways (see Deviations), so that a probe of the model can be tested.
	Deviations []Deviation
}

// Faults make an Org misbehave the way the real platform does, drawn from a
// random source seeded with Seed, one draw per API request in arrival order.
type Faults struct {
	Seed int64
	// ServerErrors is the fraction of requests answered 500, 502, 503 or 504.
	ServerErrors float64
	// RateLimited is the fraction answered 429 with Retry-After: RetryAfter.
	RateLimited float64
	// RetryAfter is the wait a 429 asks for: 0 means 1 s.
	RetryAfter time.Duration
	// Dropped is the fraction whose connection is closed without an answer.
	Dropped float64
	// Latency delays every API request.
	Latency time.Duration
}

// Org is an in-memory Genesys Cloud organisation and its HTTP API (an
// http.Handler). NewOrg makes one with options; the zero value is
// NewOrg(nil), ready to use.
type Org struct {
	ready sync.Once // setup has run
	opts  Options
	mux   *http.ServeMux

	mu        sync.Mutex
	clients   map[string]oauthClient
	tokens    map[string]*token
	flows     map[string]*flowState
	actions   map[string]*dataAction
	rnd       *mrand.Rand
	seq       int // ids, correlation ids
	requests  int // API requests seen, the clock of scheduled events
	log       []Request
	counters  Counters
	failNext  []*failRule
	loseNext  []*failRule
	hooks     []*hook
	schedules []*lockSchedule
	depBuild  string // the dependency index's build status; "" is OPERATIONAL
}

type oauthClient struct{ secret, name string }

type token struct {
	clientID string
	expires  time.Time
	limiter  *rate.Limiter
	window   time.Time // start of the rate-limit header window
	count    int       // requests in the window
}

// Request is one logged API request.
type Request struct {
	Method, Path string
	Status       int
	ClientID     string
}

// Counters count what an Org has done, for tests to compare with reports.
type Counters struct {
	Requests    int         // API requests, token requests excluded
	Writes      int         // API requests other than GET and HEAD, refused ones included
	Tokens      int         // tokens issued
	ByStatus    map[int]int // API answers by status
	Faults      int         // requests answered by fault injection (5xx, 429, dropped)
	RateLimited int         // 429s from the rate limiter
	Checkouts   int
	Saves       int
	Checkins    int // completed check-ins
	Publishes   int // completed publishes
	Unlocks     int
	Reverts     int
	Versions    int // committed versions (CHECKIN, PUBLISH) created through the API
	// ActionPatches counts the data actions changed through the API.
	ActionPatches int
	// ActionDrafts counts the action drafts created through the API.
	ActionDrafts int
	// ConfigReads counts the configurations served (a version's or the
	// latest), answered with a configuration.
	ConfigReads int
}

// NewOrg returns an empty organisation that accepts DefaultClientID.
func NewOrg(opts *Options) *Org {
	o := &Org{}
	o.ready.Do(func() { o.setup(opts) })
	return o
}

// setup makes an Org ready: once, from NewOrg, or on the first use of a
// zero Org (which is NewOrg(nil)).
func (o *Org) setup(opts *Options) {
	o.clients = map[string]oauthClient{DefaultClientID: {DefaultClientSecret, DefaultClientName}}
	o.tokens = map[string]*token{}
	o.flows = map[string]*flowState{}
	o.actions = map[string]*dataAction{}
	if opts != nil {
		o.opts = *opts
	}
	if o.opts.RequestsPerMinute == 0 {
		o.opts.RequestsPerMinute = 300 // the platform's budget per token (client.Config's default pace)
	}
	if o.opts.TokenLifetime == 0 {
		o.opts.TokenLifetime = 24 * time.Hour
	}
	if o.opts.Faults.RetryAfter == 0 {
		o.opts.Faults.RetryAfter = time.Second
	}
	if o.opts.Now == nil {
		o.opts.Now = time.Now
	}
	seed := uint64(o.opts.Faults.Seed)
	o.rnd = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	o.counters.ByStatus = map[int]int{}
	o.routes()
}

// lock makes a zero Org ready, then takes its mutex: every exported method
// begins here.
func (o *Org) lock() {
	o.ready.Do(func() { o.setup(nil) })
	o.mu.Lock()
}

// AddClient lets another OAuth client in.
func (o *Org) AddClient(id, secret, name string) {
	o.lock()
	defer o.mu.Unlock()
	o.clients[id] = oauthClient{secret, name}
}

// ExpireTokens makes every token issued so far expired, as if its lifetime
// had passed: the next API request with one gets a 401.
func (o *Org) ExpireTokens() {
	o.lock()
	defer o.mu.Unlock()
	for _, t := range o.tokens {
		t.expires = time.Time{}
	}
}

// Server is an Org served over HTTP on a loopback address, made by
// NewServer, NewDemoServer or Start. The zero value serves nothing: Close
// does nothing, Client fails the test, and ClientConfig's configuration is
// refused by client.New (it names no server and no region), so that no
// request leaves for a real organisation.
type Server struct {
	*Org
	// URL is the server's base URL: the API and /oauth/token are under it.
	URL string
	srv *http.Server
}

// NewServer starts an Org on a loopback address (127.0.0.1, or ::1 where
// there is no IPv4 loopback), on a port of its own. Close it when done.
// It panics when no loopback port can be had, as httptest.NewServer does.
func NewServer(opts *Options) *Server {
	o := NewOrg(opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if l, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("clienttest: no loopback port to serve on: %v", err))
		}
	}
	srv := &http.Server{Handler: o, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return &Server{Org: o, URL: "http://" + l.Addr().String(), srv: srv}
}

// Close shuts the server down: it stops listening and waits up to five
// seconds for the requests in flight, then closes their connections.
func (s *Server) Close() {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		_ = s.srv.Close()
	}
}

// TB is what Start and Server.Client need of a test: *testing.T,
// *testing.B and *testing.F have it. The package imports no testing, so
// that a program may serve the fake too (the example commands' -demo).
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Start serves a new organisation for a test, with the demo flows when
// demo is set, and closes it when the test ends. It is the one builder
// the tests share: what a test adds (AddFlow, AddDataAction) it adds to
// the Server Start returns.
func Start(tb TB, opts *Options, demo bool) *Server {
	tb.Helper()
	s := NewServer(opts)
	tb.Cleanup(s.Close)
	if demo {
		if err := s.AddDemo(); err != nil {
			tb.Fatalf("clienttest: %v", err)
		}
	}
	return s
}

// Client returns a client for this server, like httptest.Server.Client: the
// default credentials, no client-side pacing, and retries fast enough for
// tests (1 ms growing to 5 ms, 4 attempts). configure, when given, edits the
// configuration first (a fake clock, other credentials). It fails tb when
// the configuration is refused.
func (s *Server) Client(tb TB, configure ...func(*client.Config)) *client.Client {
	tb.Helper()
	if s.srv == nil {
		tb.Fatalf("clienttest: a Server is made by NewServer, NewDemoServer or Start")
		return nil
	}
	cfg := s.ClientConfig()
	cfg.Retry = retry.Policy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxAttempts: 4}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		tb.Fatalf("clienttest: %v", err)
	}
	return c
}

// ClientConfig returns a client.Config for this server with the default
// credentials and no client-side pacing (the Org's own limit still applies).
func (s *Server) ClientConfig() client.Config {
	return client.Config{BaseURL: s.URL, ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, RequestsPerMinute: -1,
		PollInterval: time.Millisecond} // its operations end within a few reads: no need to wait a quarter second
}

// Requests returns the log of API requests so far.
func (o *Org) Requests() []Request {
	o.lock()
	defer o.mu.Unlock()
	return slices.Clone(o.log)
}

// Counters returns what the Org has done so far.
func (o *Org) Counters() Counters {
	o.lock()
	defer o.mu.Unlock()
	c := o.counters
	c.ByStatus = make(map[int]int, len(o.counters.ByStatus))
	for k, v := range o.counters.ByStatus {
		c.ByStatus[k] = v
	}
	return c
}

// FailNext makes the next n API requests whose method is method and whose
// path starts with pathPrefix fail with status and a Genesys error body.
func (o *Org) FailNext(method, pathPrefix string, n, status int) {
	o.lock()
	defer o.mu.Unlock()
	o.failNext = append(o.failNext, &failRule{method, pathPrefix, n, status})
}

// LoseNextAnswer makes the next API request with this method and path
// prefix take effect, and then answers status instead of its real answer:
// a write whose answer was lost.
func (o *Org) LoseNextAnswer(method, pathPrefix string, status int) {
	o.lock()
	defer o.mu.Unlock()
	o.loseNext = append(o.loseNext, &failRule{method, pathPrefix, 1, status})
}

// Before runs fn once, before the next API request with this method and
// exactly this path is handled: the place to make "another user" act
// between two of a client's requests. A path with a query
// ("/api/v2/flows/actions/checkout?flow=f1") must match the query too.
func (o *Org) Before(method, path string, fn func(*Org)) {
	o.lock()
	defer o.mu.Unlock()
	o.hooks = append(o.hooks, &hook{method, path, fn})
}

// LockByUserDuring makes another user hold flowID's lock while the Org's API
// request count is in [from, to): taken, if free, when the count reaches
// from, and released (nothing checked in) when it reaches to.
func (o *Org) LockByUserDuring(flowID, userName string, from, to int) {
	o.lock()
	defer o.mu.Unlock()
	o.schedules = append(o.schedules, &lockSchedule{flowID: flowID, user: userName, from: from, to: to})
}

// LockByClientDuring is LockByUserDuring with another OAuth client as the holder.
func (o *Org) LockByClientDuring(flowID, clientID string, from, to int) {
	o.lock()
	defer o.mu.Unlock()
	o.schedules = append(o.schedules, &lockSchedule{flowID: flowID, client: clientID, from: from, to: to})
}

type failRule struct {
	method, prefix string
	n, status      int
}

type hook struct {
	method, path string
	fn           func(*Org)
}

type lockSchedule struct {
	flowID, user string
	client       string
	from, to     int
	took, done   bool
}

func (o *Org) nextID(prefix string) string {
	o.seq++
	return fmt.Sprintf("%s-%06d", prefix, o.seq)
}

// newGeneration is a version's generationId (its form is modelled: the
// platform's own is opaque to us).
func newGeneration() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// limiterFor returns a token's rate limiter.
func (o *Org) limiterFor() *rate.Limiter {
	rpm := o.opts.RequestsPerMinute
	if rpm < 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(float64(rpm)/60), rpm)
}
