package clienttest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
)

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP serves the organisation's API.
func (o *Org) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.ready.Do(func() { o.setup(nil) })
	if r.URL.Path == "/oauth/token" {
		o.serveToken(w, r)
		return
	}
	if o.opts.Faults.Latency > 0 {
		select {
		case <-time.After(o.opts.Faults.Latency):
		case <-r.Context().Done():
			return
		}
	}
	o.runHooks(r)
	// Every API answer carries a correlation id, as the platform's do; an
	// error's replaces it with the one in its body.
	w.Header().Set("Inin-Correlation-Id", newCorrelationID())
	sw := &statusWriter{ResponseWriter: w}
	clientID := o.serveAPI(sw, r)
	o.lock()
	o.log = append(o.log, Request{Method: r.Method, Path: r.URL.Path, Status: sw.status, ClientID: clientID})
	o.counters.ByStatus[sw.status]++
	o.mu.Unlock()
}

func (o *Org) runHooks(r *http.Request) {
	o.lock()
	var run []func(*Org)
	kept := o.hooks[:0]
	for _, h := range o.hooks {
		target := r.URL.Path
		if strings.Contains(h.path, "?") {
			target = r.URL.RequestURI()
		}
		if h.method == r.Method && h.path == target {
			run = append(run, h.fn)
		} else {
			kept = append(kept, h)
		}
	}
	o.hooks = kept
	o.mu.Unlock()
	for _, fn := range run {
		fn(o)
	}
}

// serveAPI answers one API request and returns the caller's client id.
func (o *Org) serveAPI(w *statusWriter, r *http.Request) string {
	o.lock()
	o.requests++
	o.counters.Requests++
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		o.counters.Writes++
	}
	o.runSchedules()
	tok := o.authenticate(w, r)
	if tok == nil {
		o.mu.Unlock()
		return ""
	}
	fault := o.fault(r)
	if fault != 0 {
		o.counters.Faults++
	}
	o.mu.Unlock()
	switch fault {
	case faultDrop:
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				w.status = -1 // logged as dropped
				return tok.clientID
			}
		}
		writeError(w, http.StatusBadGateway, "bad.gateway", "connection dropped")
		return tok.clientID
	case 0:
	default:
		if fault == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(o.opts.Faults.RetryAfter.Seconds()))))
			writeError(w, fault, "too.many.requests.retry.after", "Rate limit exceeded the maximum. Retry the request later")
			return tok.clientID
		}
		code, message := faultBody(fault)
		writeError(w, fault, code, message)
		return tok.clientID
	}
	o.lock()
	lose := 0
	for i, f := range o.loseNext {
		if r.Method == f.method && strings.HasPrefix(r.URL.Path, f.prefix) {
			lose = f.status
			o.loseNext = append(o.loseNext[:i], o.loseNext[i+1:]...)
			break
		}
	}
	o.mu.Unlock()
	r = r.WithContext(withClient(r.Context(), tok.clientID))
	if lose != 0 {
		o.mux.ServeHTTP(discard{header: http.Header{}}, r)
		writeError(w, lose, "internal.server.error", "The answer was lost")
		return tok.clientID
	}
	if _, pattern := o.mux.Handler(r); !checkParams(w, pattern, r.URL.Query()) {
		return tok.clientID
	}
	o.mux.ServeHTTP(w, r)
	return tok.clientID
}

// discard is a ResponseWriter that keeps nothing: the answer that is lost.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

const faultDrop = -1

// faultBody is the error code and message the platform gives with a status
// that FailNext injects (modelled on the spec's error table).
func faultBody(status int) (code, message string) {
	switch status {
	case http.StatusBadRequest:
		return "bad.request", "The request could not be understood by the server due to malformed syntax"
	case http.StatusUnauthorized:
		return "bad.credentials", "Invalid login credentials"
	case http.StatusForbidden:
		return "missing.permissions", "You are missing the following permission(s) for this request (injected by clienttest.FailNext)"
	case http.StatusNotFound:
		return "not.found", "The requested resource was not found"
	case http.StatusConflict:
		return "conflict", "The request conflicts with the current state of the resource"
	}
	return "service.unavailable", "The service is temporarily unavailable"
}

// fault draws the request's fault, if any. It holds o.mu.
func (o *Org) fault(r *http.Request) int {
	for i, f := range o.failNext {
		if f.n > 0 && r.Method == f.method && strings.HasPrefix(r.URL.Path, f.prefix) {
			f.n--
			if f.n == 0 {
				o.failNext = append(o.failNext[:i], o.failNext[i+1:]...)
			}
			return f.status
		}
	}
	fl := o.opts.Faults
	if fl.ServerErrors == 0 && fl.RateLimited == 0 && fl.Dropped == 0 {
		return 0
	}
	x := o.rnd.Float64()
	switch {
	case x < fl.ServerErrors:
		return []int{500, 502, 503, 504}[o.rnd.IntN(4)]
	case x < fl.ServerErrors+fl.RateLimited:
		return http.StatusTooManyRequests
	case x < fl.ServerErrors+fl.RateLimited+fl.Dropped:
		return faultDrop
	}
	return 0
}

// runSchedules takes and releases scheduled locks. It holds o.mu.
func (o *Org) runSchedules() {
	for _, s := range o.schedules {
		f := o.flows[s.flowID]
		if f == nil {
			continue
		}
		held := &lock{userID: "user-scheduled", userName: s.user}
		if s.client != "" {
			held = &lock{clientID: s.client}
		}
		if !s.took && o.requests >= s.from && f.lock == nil {
			s.took = true
			f.lock = held
		}
		if s.took && !s.done && o.requests >= s.to {
			s.done = true
			if f.lock != nil && *f.lock == *held {
				f.lock = nil
			}
		}
	}
}

// authenticate checks the bearer token and the rate limit; it writes the
// error and returns nil when the request may not go on. It holds o.mu.
func (o *Org) authenticate(w http.ResponseWriter, r *http.Request) *token {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Bearer ") {
		writeError(w, http.StatusUnauthorized, "authentication.required", "No authentication bearer token specified in authorization header.")
		return nil
	}
	t, ok := o.tokens[strings.TrimPrefix(h, "Bearer ")]
	switch {
	case !ok:
		writeError(w, http.StatusUnauthorized, "bad.credentials", "Invalid login credentials.")
		return nil
	case !o.opts.Now().Before(t.expires):
		writeError(w, http.StatusUnauthorized, "credentials.expired", "The supplied credentials are expired and cannot be used.")
		return nil
	}
	if t.limiter != nil {
		now := o.opts.Now()
		if res := t.limiter.ReserveN(now, 1); res.DelayFrom(now) > 0 {
			wait := res.DelayFrom(now)
			res.CancelAt(now)
			o.counters.RateLimited++
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, "too.many.requests.retry.after",
				fmt.Sprintf("Rate limit exceeded the maximum. Retry the request in [%d] seconds", int(math.Ceil(wait.Seconds()))))
			return nil
		}
	}
	if o.opts.RateLimitHeaders {
		now := o.opts.Now()
		if now.Sub(t.window) >= time.Minute {
			t.window, t.count = now, 0
		}
		t.count++
		w.Header().Set("inin-ratelimit-count", strconv.Itoa(t.count))
		w.Header().Set("inin-ratelimit-allowed", strconv.Itoa(o.opts.RequestsPerMinute))
		w.Header().Set("inin-ratelimit-reset", strconv.Itoa(int(math.Ceil((time.Minute - now.Sub(t.window)).Seconds()))))
	}
	return t
}

// serveToken is POST /oauth/token: client credentials only.
func (o *Org) serveToken(w http.ResponseWriter, r *http.Request) {
	tokenError := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q,"description":%q,"error_description":%q}`, code, desc, desc)
	}
	if r.Method != http.MethodPost {
		tokenError(http.StatusMethodNotAllowed, "invalid_request", "method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		tokenError(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	id, secret, ok := basicAuth(r.Header.Get("Authorization"))
	if !ok {
		tokenError(http.StatusUnauthorized, "invalid_client", "authentication failed")
		return
	}
	o.lock()
	defer o.mu.Unlock()
	c, known := o.clients[id]
	switch {
	case !known:
		// (modelled) 400 for an unknown client id, 401 for a wrong secret.
		tokenError(http.StatusBadRequest, "invalid_client", "client not found")
		return
	case c.secret != secret && o.deviates(DeviateWrongSecret400):
		tokenError(http.StatusBadRequest, "invalid_client", "authentication failed")
		return
	case c.secret != secret:
		tokenError(http.StatusUnauthorized, "invalid_client", "authentication failed")
		return
	}
	tok := newToken()
	o.tokens[tok] = &token{clientID: id, expires: o.opts.Now().Add(o.opts.TokenLifetime), limiter: o.limiterFor()}
	o.counters.Tokens++
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":%d}`, tok, int(o.opts.TokenLifetime.Seconds()))
}

func basicAuth(h string) (id, secret string, ok bool) {
	raw, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(b), ":")
	return id, secret, ok
}

// newCorrelationID is a correlation id in the platform's form (a UUID).
func newCorrelationID() string {
	id := newToken()[:32]
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

// writeError writes the platform's error body; the correlation id is in the
// body and in Inin-Correlation-Id.
func writeError(w http.ResponseWriter, status int, code, message string) {
	ctxID := newCorrelationID()
	w.Header().Set("Inin-Correlation-Id", ctxID)
	body, _ := json.Marshal(map[string]any{
		"message": message, "code": code, "status": status, "messageWithParams": message,
		"messageParams": map[string]string{}, "contextId": ctxID, "details": []any{}, "errors": []any{},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// readBody reads a request body up to the platform's limit.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, client.MaxRequestBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "request.bytes.max",
			fmt.Sprintf("The request body is larger than the maximum of %d bytes", client.MaxRequestBytes))
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad.request", "The request body could not be read")
		return nil, false
	}
	return b, true
}
