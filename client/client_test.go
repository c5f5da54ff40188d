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
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/fakeclock"
	"github.com/gcflow/timeouts/retry"
)

const (
	testID     = "client-id-1"
	testSecret = "s3cret-Value-that-must-never-show"
	testToken  = "tok-Bearer-value-that-must-never-show"
	prefix     = "/prefix"
)

// fixture is an httptest server whose handlers live under a path prefix, so
// a request built from an absolute path instead of the base URL fails.
type fixture struct {
	mux    *http.ServeMux
	srv    *httptest.Server
	clock  *fakeclock.Clock
	client *client.Client
	logs   *bytes.Buffer

	mu       sync.Mutex
	requests []string // "METHOD path?query"
	tokens   atomic.Int32
}

func newFixture(t *testing.T, edit ...func(*client.Config)) *fixture {
	t.Helper()
	f := &fixture{mux: http.NewServeMux(), clock: fakeclock.New(), logs: &bytes.Buffer{}}
	f.mux.HandleFunc("POST "+prefix+"/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		f.tokens.Add(1)
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testID+":"+testSecret))
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != want || string(body) != "grant_type=client_credentials" ||
			r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":86400}`, fmt.Sprintf("%s-%d", testToken, f.tokens.Load()))
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
		f.mu.Unlock()
		f.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	cfg := client.Config{
		ClientID: testID, ClientSecret: testSecret, BaseURL: f.srv.URL + prefix,
		RequestsPerMinute: -1, UserAgent: "test-agent/1",
		Retry:  retry.Policy{Clock: f.clock, Jitter: retry.NoJitter},
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := client.New(cfg)
	require.NoError(t, err)
	f.client = c
	return f
}

// handle registers an API handler that also checks the bearer token and
// the common headers.
func (f *fixture) handle(t *testing.T, pattern string, h http.HandlerFunc) {
	t.Helper()
	method, path, _ := strings.Cut(pattern, " ")
	f.mux.HandleFunc(method+" "+prefix+path, func(w http.ResponseWriter, r *http.Request) {
		assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "+testToken), "bearer token")
		assert.Equal(t, "test-agent/1", r.Header.Get("User-Agent"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		h(w, r)
	})
}

func (f *fixture) count(prefixOf string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefixOf) {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func genesysError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Inin-Correlation-Id", "corr-"+code)
	writeJSON(w, status, fmt.Sprintf(`{"message":%q,"code":%q,"status":%d,"contextId":"ctx-%s","details":[],"errors":[]}`, msg, code, status, code))
}

func TestFlowsPaging(t *testing.T) {
	f := newFixture(t)
	f.handle(t, "GET /api/v2/flows", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Equal(t, []string{"inboundcall,workflow"}, q["type"], "types are sent lower case, comma-joined in one key, as the SDK does")
		assert.Equal(t, "Main*", q.Get("name"))
		assert.Equal(t, "2", q.Get("pageSize"))
		n := q.Get("pageNumber")
		next := fmt.Sprintf(`,"nextUri":"/api/v2/flows?pageNumber=%s"`, n+"x")
		if n == "3" {
			next = ""
		}
		writeJSON(w, 200, fmt.Sprintf(`{"entities":[{"id":"f%s-a","name":"A","type":"INBOUNDCALL"},{"id":"f%s-b"}],"pageSize":2,"pageNumber":%s,"total":6,"pageCount":3%s}`, n, n, n, next))
	})
	var ids []string
	for fl, err := range f.client.Flows(context.Background(), &client.ListFlowsOptions{Types: []string{"INBOUNDCALL", "workflow"}, Name: "Main*", PageSize: 2}) {
		require.NoError(t, err)
		ids = append(ids, fl.ID)
	}
	assert.Equal(t, []string{"f1-a", "f1-b", "f2-a", "f2-b", "f3-a", "f3-b"}, ids)
	assert.Equal(t, 3, f.count("GET "+prefix+"/api/v2/flows?"))
	assert.Equal(t, 1, int(f.tokens.Load()), "one token for the whole run")

	// Stopping early asks for no more pages.
	for range f.client.Flows(context.Background(), &client.ListFlowsOptions{Types: []string{"inboundcall", "workflow"}, Name: "Main*", PageSize: 2}) {
		break
	}
	assert.Equal(t, 4, f.count("GET "+prefix+"/api/v2/flows?"))

	for _, err := range f.client.Flows(context.Background(), &client.ListFlowsOptions{PageSize: 501}) {
		assert.ErrorIs(t, err, client.ErrInvalidArgument)
	}
}

func TestFlowsPagingNeverEnds(t *testing.T) {
	f := newFixture(t, func(c *client.Config) { c.MaxPages = 50 })
	f.handle(t, "GET /api/v2/flows", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"entities":[],"pageSize":500,"pageNumber":1,"total":1,"pageCount":99999,"nextUri":"/api/v2/flows?pageNumber=2"}`)
	})
	var last error
	for _, err := range f.client.Flows(context.Background(), &client.ListFlowsOptions{PageSize: 500}) {
		last = err
	}
	require.ErrorIs(t, last, client.ErrInvalidResponse)
	assert.Contains(t, last.Error(), "paging did not end after 50 pages")
	assert.Equal(t, 50, f.count("GET "+prefix+"/api/v2/flows?"), "50 pages read, then it stopped")
}

func TestReadEndpoints(t *testing.T) {
	f := newFixture(t)
	config := `{"name":"X","flowSequenceItemList":[{"actionList":[{"__type":"DataAction","id":"n1","timeout":{"config":{"lit":{"text":"P0D0H0M3S0F"}}}}]}]}`
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "flow 1", r.PathValue("id"), "ids are path-escaped")
		writeJSON(w, 200, `{"id":"flow 1","name":"Main","type":"INBOUNDCALL","lockedClient":{"id":"c9","name":"Nightly"},
			"publishedVersion":{"id":"2.0","type":"PUBLISH"},"savedVersion":{"id":"3.0","type":"SAVE"}}`)
	})
	f.handle(t, "GET /api/v2/flows/{id}/versions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"entities":[{"id":"2.0","type":"PUBLISH","dateCreated":1700000000000},{"id":"1.0","type":"CHECKIN"}],"pageSize":100,"pageNumber":1,"total":2,"pageCount":1}`)
	})
	f.handle(t, "GET /api/v2/flows/{id}/versions/{v}/configuration", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "2.0", r.PathValue("v"))
		fmt.Fprint(w, config)
	})
	f.handle(t, "GET /api/v2/flows/{id}/latestconfiguration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, config)
	})
	f.handle(t, "GET /api/v2/integrations/actions/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "true", r.URL.Query().Get("includeConfig"))
		assert.Equal(t, "custom_-_abc", r.PathValue("id"))
		writeJSON(w, 200, `{"id":"custom_-_abc","name":"Lookup","category":"CRM","config":{"timeoutSeconds":12,"request":{},"response":{}}}`)
	})
	ctx := context.Background()
	fl, err := f.client.Flow(ctx, "flow 1")
	require.NoError(t, err)
	assert.Equal(t, "Main", fl.Name)
	assert.NotEmpty(t, fl.LockHolder())
	assert.Equal(t, "OAuth client Nightly (c9)", fl.LockHolder())
	assert.True(t, fl.HasDraft(), "saved 3.0 is newer than published 2.0")

	var versions []string
	for v, err := range f.client.FlowVersions(ctx, "flow 1") {
		require.NoError(t, err)
		versions = append(versions, v.ID+"/"+v.Type)
	}
	assert.Equal(t, []string{"2.0/PUBLISH", "1.0/CHECKIN"}, versions)

	doc, err := f.client.Configuration(ctx, "flow 1", "2.0")
	require.NoError(t, err)
	assert.Equal(t, config, string(doc.Bytes()))
	assert.Equal(t, flow.ShapeArchitect, doc.Shape())
	doc, err = f.client.LatestConfiguration(ctx, "flow 1")
	require.NoError(t, err)
	assert.Len(t, doc.DataActions(), 1)

	a, err := dataaction.Get(ctx, f.client, "custom_-_abc")
	require.NoError(t, err)
	assert.Equal(t, 12, a.Config.TimeoutSeconds)
}

func TestWriteEndpoints(t *testing.T) {
	f := newFixture(t)
	doc, err := flow.Parse([]byte(`{"flowVersion":{"nodes":{"n":{"type":"DataAction"}}}}`))
	require.NoError(t, err)
	polls := 0
	for _, action := range []string{"checkout", "unlock", "revert"} {
		f.handle(t, "POST /api/v2/flows/actions/"+action, func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "f1", r.URL.Query().Get("flow"), "the flow id is the query parameter flow")
			assert.Empty(t, r.Header.Get("Content-Type"))
			writeJSON(w, 200, `{"id":"f1","lockedClient":{"id":"`+testID+`"}}`)
		})
	}
	f.handle(t, "POST /api/v2/flows/{id}/versions", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		body, _ := io.ReadAll(r.Body)
		assert.Equal(t, string(doc.Bytes()), string(body), "the document, unwrapped, byte for byte")
		writeJSON(w, 200, `{"id":"4.0","type":"SAVE"}`)
	})
	f.handle(t, "POST /api/v2/flows/actions/publish", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"op-7","complete":false,"actionName":"PUBLISH","actionStatus":"STARTED"}`)
	})
	f.handle(t, "POST /api/v2/flows/actions/checkin", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"op-8","complete":false,"actionName":"CHECKIN","actionStatus":"STARTED"}`)
	})
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		polls++
		switch {
		case polls < 3:
			writeJSON(w, 200, `{"id":"f1","currentOperation":{"id":"op-7","complete":false,"actionName":"PUBLISH","actionStatus":"PENDING_GENERATION"}}`)
		case polls == 3:
			writeJSON(w, 200, `{"id":"f1","publishedVersion":{"id":"4.0"},"currentOperation":{"id":"op-7","complete":true,"actionName":"PUBLISH","actionStatus":"SUCCESS"}}`)
		default:
			writeJSON(w, 200, `{"id":"f1","currentOperation":{"id":"op-8","complete":true,"actionName":"CHECKIN","actionStatus":"FAILURE","errorCode":"architect.flow.validation.failed","errorMessage":"Flow 'Main' has 2 validation errors."}}`)
		}
	})
	ctx := context.Background()
	fl, err := f.client.Checkout(ctx, "f1")
	require.NoError(t, err)
	assert.Equal(t, testID, fl.LockedClient.ID)
	v, err := f.client.SaveVersion(ctx, "f1", doc)
	require.NoError(t, err)
	assert.Equal(t, "4.0", v.ID)
	fl, err = f.client.Publish(ctx, "f1")
	require.NoError(t, err)
	assert.Equal(t, "4.0", fl.PublishedVersion.ID)
	assert.Equal(t, 3, polls, "polled until the operation was complete")
	assert.Len(t, f.clock.Waits(), 2, "with a pause between polls")

	_, err = f.client.Checkin(ctx, "f1")
	require.ErrorIs(t, err, client.ErrOperationFailed)
	assert.Contains(t, err.Error(), "Flow 'Main' has 2 validation errors.")
	var oe *client.OperationError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "architect.flow.validation.failed", oe.Operation.ErrorCode)

	_, err = f.client.Unlock(ctx, "f1")
	require.NoError(t, err)
	_, err = f.client.Revert(ctx, "f1")
	require.NoError(t, err)

	big, err := flow.Parse([]byte(`{"flowVersion":{"nodes":{}},"pad":"` + strings.Repeat("x", client.MaxRequestBytes) + `"}`))
	require.NoError(t, err)
	before := f.count("POST")
	_, err = f.client.SaveVersion(ctx, "f1", big)
	require.ErrorIs(t, err, client.ErrTooLarge)
	assert.Equal(t, before, f.count("POST"), "nothing is sent")
}

func TestRetryAfter429(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "2")
			genesysError(w, 429, "too.many.requests.retry.after", "Rate limit exceeded the maximum. Retry the request in [2] seconds")
			return
		}
		writeJSON(w, 200, `{"id":"f1"}`)
	})
	_, err := f.client.Flow(context.Background(), "f1")
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{2 * time.Second}, f.clock.Waits(), "waited exactly Retry-After, on the injected clock")

	// A POST is repeated after a 429 too: the server did not act on it.
	posts := 0
	f.handle(t, "POST /api/v2/flows/actions/checkout", func(w http.ResponseWriter, r *http.Request) {
		posts++
		if posts == 1 {
			w.Header().Set("Retry-After", "3")
			genesysError(w, 429, "too.many.requests", "slow down")
			return
		}
		writeJSON(w, 200, `{"id":"f1"}`)
	})
	_, err = f.client.Checkout(context.Background(), "f1")
	require.NoError(t, err)
	assert.Equal(t, 2, posts)
}

func TestRetry503ThenSuccess(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			genesysError(w, 503, "service.unavailable", "try later")
			return
		}
		writeJSON(w, 200, `{"id":"f1"}`)
	})
	_, err := f.client.Flow(context.Background(), "f1")
	require.NoError(t, err)
	assert.Equal(t, 2, calls)
	assert.Equal(t, []time.Duration{500 * time.Millisecond}, f.clock.Waits())
}

func TestPublish500NotRepeated(t *testing.T) {
	f := newFixture(t)
	f.handle(t, "POST /api/v2/flows/actions/publish", func(w http.ResponseWriter, r *http.Request) {
		genesysError(w, 500, "internal.server.error", "boom")
	})
	_, err := f.client.Publish(context.Background(), "f1")
	require.Error(t, err)
	assert.Equal(t, 1, f.count("POST "+prefix+"/api/v2/flows/actions/publish"), "a publish repeated is a second version")
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 500, ae.Status)
	assert.Equal(t, "ctx-internal.server.error", ae.CorrelationID)
	assert.Equal(t, "POST", ae.Method)
	assert.Equal(t, "/api/v2/flows/actions/publish", ae.Path)
}

func TestConnectionRefusedPostIsRepeated(t *testing.T) {
	var refused atomic.Int32
	f := newFixture(t, func(c *client.Config) {
		c.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			if strings.Contains(r.URL.Path, "/actions/") && refused.Add(1) <= 2 {
				return nil, &netError{syscall.ECONNREFUSED}
			}
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	f.handle(t, "POST /api/v2/flows/actions/checkout", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"f1"}`)
	})
	_, err := f.client.Checkout(context.Background(), "f1")
	require.NoError(t, err)
	assert.Equal(t, int32(3), refused.Load())

	// Any other transport failure of a POST is not repeated.
	var reset atomic.Int32
	f2 := newFixture(t, func(c *client.Config) {
		c.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			if strings.Contains(r.URL.Path, "/actions/") {
				reset.Add(1)
				return nil, &netError{syscall.ECONNRESET}
			}
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	_, err = f2.client.Publish(context.Background(), "f1")
	require.Error(t, err)
	assert.Equal(t, int32(1), reset.Load())
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type netError struct{ errno syscall.Errno }

func (e *netError) Error() string { return "dial: " + e.errno.Error() }
func (e *netError) Unwrap() error { return e.errno }

func TestReauthorizeOn401(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if strings.HasSuffix(r.Header.Get("Authorization"), "-1") {
			genesysError(w, 401, "credentials.expired", "token expired")
			return
		}
		writeJSON(w, 200, `{"id":"f1"}`)
	})
	_, err := f.client.Flow(context.Background(), "f1")
	require.NoError(t, err)
	assert.Equal(t, 2, calls)
	assert.Equal(t, int32(2), f.tokens.Load(), "one fresh token")

	// Always 401: one fresh token, one repeat, then the error.
	f2 := newFixture(t)
	f2.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		genesysError(w, 401, "bad.credentials", "no")
	})
	_, err = f2.client.Flow(context.Background(), "f1")
	require.ErrorIs(t, err, client.ErrUnauthorized)
	assert.Equal(t, 2, f2.count("GET"))
	assert.Equal(t, int32(2), f2.tokens.Load())
}

func TestTokenRefused(t *testing.T) {
	f := newFixture(t, func(c *client.Config) { c.ClientSecret = "wrong-" + testSecret })
	_, err := f.client.Flow(context.Background(), "f1")
	require.ErrorIs(t, err, client.ErrUnauthorized)
	var ae *client.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "invalid_client", ae.Code)
	assert.Contains(t, err.Error(), f.srv.URL+prefix+"/oauth/token")
	assert.Contains(t, err.Error(), "the wrong region is the most common cause")
	assert.Equal(t, 0, f.count("GET"), "no API request without a token")
	assert.Equal(t, int32(1), f.tokens.Load(), "refused credentials are not retried")
}

func TestBodyNotJSON(t *testing.T) {
	f := newFixture(t)
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>maintenance</html>")
	})
	f.handle(t, "GET /api/v2/flows/{id}/latestconfiguration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"flowSequenceItemList":[`)
	})
	_, err := f.client.Flow(context.Background(), "f1")
	require.ErrorIs(t, err, client.ErrInvalidResponse)
	assert.Contains(t, err.Error(), `"<html>maintenance</html>"`)
	_, err = f.client.LatestConfiguration(context.Background(), "f1")
	require.ErrorIs(t, err, client.ErrInvalidResponse)
	assert.ErrorIs(t, err, flow.ErrInvalidJSON)

	f.handle(t, "GET /api/v2/flows/{id}/versions", func(w http.ResponseWriter, r *http.Request) {
		genesysError(w, 404, "not.found", "Flow not found")
	})
	for _, err := range f.client.FlowVersions(context.Background(), "f1") {
		assert.ErrorIs(t, err, client.ErrNotFound)
		assert.NotErrorIs(t, err, client.ErrConflict)
	}
}

func TestCancelledDuringWait(t *testing.T) {
	clock := fakeclock.NewHolding()
	defer clock.Release()
	f := newFixture(t, func(c *client.Config) { c.Retry.Clock = clock })
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		genesysError(w, 503, "service.unavailable", "down")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := f.client.Flow(ctx, "f1"); done <- err }()
	<-clock.Waiting()
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	var ae *client.APIError
	require.ErrorAs(t, err, &ae, "the last real error comes with the cancellation")
	assert.Equal(t, 503, ae.Status)
}

// TestAnswerAboutAnotherFlow: a flow read that answers about another flow
// (an id such as "..") is an error, so nothing is backed up or written
// under the id the server chose (org.TestListingKeepsOnlyFlowsAskedFor
// holds the listing's side).
func TestAnswerAboutAnotherFlow(t *testing.T) {
	f := newFixture(t)
	f.handle(t, "GET /api/v2/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"..","name":"evil"}`)
	})
	ctx := context.Background()
	_, err := f.client.Flow(ctx, "f1")
	require.ErrorIs(t, err, client.ErrInvalidResponse)
	assert.Contains(t, err.Error(), `GET /api/v2/flows/f1: the answer is about flow "..", not the flow asked for`)

	backups := 0
	_, err = f.client.UpdateFlow(ctx, "f1", func(*flow.Document) ([]flow.Change, error) { return nil, nil },
		&client.UpdateOptions{Backup: func(context.Context, *client.Original) error { backups++; return nil }})
	require.ErrorIs(t, err, client.ErrInvalidResponse)
	assert.Zero(t, backups)
	for _, req := range f.requests {
		assert.True(t, strings.HasPrefix(req, "GET ") || strings.HasPrefix(req, "POST "+prefix+"/oauth/token"), "nothing written: %s", req)
	}
}

// TestNewRequestAndDo: the escape hatch sends through the same place as
// every method (auth, typed errors, read-only refusal) and only to the
// client's own API.
func TestNewRequestAndDo(t *testing.T) {
	f := newFixture(t)
	f.handle(t, "GET /api/v2/routing/queues/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			genesysError(w, 404, "not.found", "no queue")
			return
		}
		assert.Equal(t, "true", r.URL.Query().Get("expand"))
		writeJSON(w, 200, `{"id":"q1","name":"Billing"}`)
	})
	f.handle(t, "POST /api/v2/routing/queues", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"name":"New"}`, string(body))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		writeJSON(w, 200, `{"id":"q2"}`)
	})
	ctx := context.Background()
	req, err := f.client.NewRequest(http.MethodGet, "/api/v2/routing/queues/q1", url.Values{"expand": {"true"}}, nil)
	require.NoError(t, err)
	var q struct{ ID, Name string }
	require.NoError(t, f.client.Do(ctx, req, &q))
	assert.Equal(t, "Billing", q.Name)
	var raw []byte
	require.NoError(t, f.client.Do(ctx, req, &raw))
	assert.Equal(t, `{"id":"q1","name":"Billing"}`, string(raw))

	post, err := f.client.NewRequest(http.MethodPost, "/api/v2/routing/queues", nil, map[string]string{"name": "New"})
	require.NoError(t, err)
	require.NoError(t, f.client.Do(ctx, post, nil))
	assert.ErrorIs(t, f.client.ReadOnly().Do(ctx, post, nil), client.ErrReadOnly)

	missing, _ := f.client.NewRequest(http.MethodGet, "/api/v2/routing/queues/missing", nil, nil)
	err = f.client.Do(ctx, missing, nil)
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 404, ae.Status)
	assert.ErrorIs(t, err, client.ErrNotFound)

	for _, bad := range []struct{ method, path string }{
		{"TRACE", "/api/v2/flows"}, {http.MethodGet, "https://elsewhere.example/api/v2/flows"}, {http.MethodGet, "/oauth/token"},
		{http.MethodGet, "/api/v2/flows?x=1"}, {http.MethodGet, "/api/v2/../../oauth/token"},
	} {
		_, err := f.client.NewRequest(bad.method, bad.path, nil, nil)
		assert.ErrorIs(t, err, client.ErrInvalidArgument, "%s %s", bad.method, bad.path)
	}
	_, err = f.client.NewRequest(http.MethodPost, "/api/v2/x", nil, func() {})
	assert.ErrorIs(t, err, client.ErrInvalidArgument, "a body that is not JSON")
	assert.ErrorIs(t, f.client.Do(ctx, &client.Request{}, nil), client.ErrInvalidArgument)
}
