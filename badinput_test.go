package timeouts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/internal/fakeclock"
	"github.com/gcflow/timeouts/retry"
)

const goodFlow = `{"name":"Main","flowSequenceItemList":[{"__type":"Task","actionList":[` +
	`{"__type":"DataAction","id":"n1","useSuggestedTimeout":false,"timeout":{"config":{"lit":{"text":"P0D0H0M3S0F"}},"text":"P0D0H0M3S0F"}}]}]}`

// oneFlow is a fake organisation holding one flow (config), and a client for it.
type oneFlow struct {
	srv *clienttest.Server
	c   *client.Client
	id  string
}

func newOrg(t *testing.T, config string) *oneFlow {
	t.Helper()
	srv := clienttest.Start(t, nil, false)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Main", Type: "inboundcall", Config: []byte(config)})
	require.NoError(t, err)
	c := srv.Client(t, func(cfg *client.Config) { cfg.Retry = retry.Policy{Clock: fakeclock.New(), MaxAttempts: 3} })
	return &oneFlow{srv, c, id}
}

// lockedByAnotherRun checks the flow out with a second Client of the same
// credentials: another run's lock, to the platform the same holder.
func (o *oneFlow) lockedByAnotherRun(t *testing.T) {
	t.Helper()
	_, err := o.srv.Client(t).Checkout(context.Background(), o.id)
	require.NoError(t, err)
}

// nothingWritten: no save, check-in or publish, no lock of ours, and the
// flow's bytes as they were.
func (o *oneFlow) nothingWritten(t *testing.T, config string) {
	t.Helper()
	cn := o.srv.Counters()
	assert.Zero(t, cn.Saves+cn.Checkins+cn.Publishes, "nothing saved, checked in or published")
	assert.NotEqual(t, "client "+clienttest.DefaultClientID, o.srv.LockHolder(o.id), "no lock of ours left")
	assert.Equal(t, config, string(o.srv.Latest(o.id)))
}

func raise(doc *flow.Document) ([]flow.Change, error) { return doc.RaiseTimeouts(5*time.Second, nil) }

// server is an httptest server whose token endpoint works and whose API
// answers with h.
func server(t *testing.T, h http.HandlerFunc) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"t","token_type":"bearer","expires_in":3600}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, ClientID: "id", ClientSecret: "secret", RequestsPerMinute: -1,
		Retry: retry.Policy{Clock: fakeclock.New(), MaxAttempts: 3}})
	require.NoError(t, err)
	return c
}

// TestBadInputCatalogue gives each bad input, across the packages, and
// checks the error says what was wrong and that nothing was written.
func TestBadInputCatalogue(t *testing.T) {
	ctx := context.Background()
	fixture, _ := os.ReadFile("../shared/fixtures/architect/blacklist.i3workflow.json")
	if fixture == nil {
		fixture = []byte(goodFlow)
	}
	// parse: the document must fail to parse with this text.
	parse := func(in []byte, says string) func(t *testing.T) {
		return func(t *testing.T) {
			d, err := flow.Parse(in)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), says)
		}
	}
	// edit: the edit must fail on a parsed document, which stays as it was.
	edit := func(in string, fn func(*flow.Document) error, says string) func(t *testing.T) {
		return func(t *testing.T) {
			d, err := flow.Parse([]byte(in))
			require.NoError(t, err)
			err = fn(d)
			require.Error(t, err)
			assert.Contains(t, err.Error(), says)
			assert.Equal(t, in, string(d.Bytes()), "the document is unchanged")
		}
	}
	raiseBy := func(min time.Duration) func(*flow.Document) error {
		return func(d *flow.Document) error { _, err := d.RaiseTimeouts(min, nil); return err }
	}
	config := func(cfg client.Config, says string) func(t *testing.T) {
		return func(t *testing.T) {
			c, err := client.New(cfg)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, client.ErrConfig)
			assert.Contains(t, err.Error(), says)
		}
	}
	// update: UpdateFlow on a fake organisation must fail with this text and
	// write nothing.
	update := func(cfg string, prepare func(*oneFlow), says string) func(t *testing.T) {
		return func(t *testing.T) {
			o := newOrg(t, cfg)
			if prepare != nil {
				prepare(o)
			}
			_, err := o.c.UpdateFlow(ctx, o.id, raise, &client.UpdateOptions{Publish: true})
			require.Error(t, err)
			assert.Contains(t, err.Error(), says)
			o.nothingWritten(t, cfg)
		}
	}
	big := strings.Replace(goodFlow, `"name":"Main"`, `"name":"Main","pad":"`+strings.Repeat("x", 600_000)+`"`, 1)
	good := client.Config{Region: "eu-west-1", ClientID: "id", ClientSecret: "secret"}
	with := func(edit func(*client.Config)) client.Config { c := good; edit(&c); return c }

	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"malformed JSON", parse([]byte(`{"flowSequenceItemList": [}`), "invalid JSON at byte offset 26: invalid character '}' looking for beginning of value")},
		{"truncated JSON", parse(fixture[:100], "unexpected end of JSON input")},
		{"empty input", parse(nil, "invalid JSON at byte offset 0: unexpected end of JSON input")},
		{"white space only", parse([]byte(" \n\t"), "unexpected end of JSON input")},
		{"not an object", parse([]byte(`[{"flowSequenceItemList":[]}]`), "the top-level value is an array, want an object")},
		{"neither shape", parse([]byte(`{"name":"x","nodes":{}}`), "unknown document shape")},
		{"both shapes", parse([]byte(`{"flowSequenceItemList":[],"flowVersion":{"nodes":{}}}`), "both flowSequenceItemList (Architect) and flowVersion (tutorial)")},
		{"trailing garbage", parse([]byte(`{"flowSequenceItemList":[]} x`), "after top-level value")},
		{"timeout of the wrong JSON type", edit(`{"flowSequenceItemList":[{"__type":"DataAction","id":"n","timeout":"P0D0H0M3S0F"}]}`, raiseBy(5*time.Second), `node "n" at /flowSequenceItemList/0: invalid timeout: timeout is a string`)},
		{"huge number", edit(`{"flowVersion":{"nodes":{"n":{"type":"DataAction","settings":{"timeout":1e999}}}}}`, raiseBy(5*time.Second), "whole number of milliseconds")},
		{"huge integer", edit(`{"flowVersion":{"nodes":{"n":{"type":"DataAction","settings":{"timeout":99999999999999999999999}}}}}`, raiseBy(5*time.Second), "out of range")},
		{"empty duration text", edit(`{"flowSequenceItemList":[{"__type":"DataAction","id":"n","timeout":{"config":{"lit":{"text":""}}}}]}`, raiseBy(5*time.Second), `invalid duration "": does not start with P`)},
		{"ISO duration", edit(`{"flowSequenceItemList":[{"__type":"DataAction","id":"n","timeout":{"config":{"lit":{"text":"PT5S"}}}}]}`, raiseBy(5*time.Second), `invalid duration "PT5S"`)},
		{"zero target", edit(goodFlow, raiseBy(0), "target 0s is not positive")},
		{"negative target", edit(goodFlow, raiseBy(-time.Second), "target -1s is not positive")},
		{"unknown node id", edit(goodFlow, func(d *flow.Document) error {
			_, err := d.SetTimeouts(flow.Edit{NodeID: "", Timeout: time.Second})
			return err
		}, `no Data Action or HTTP node has id ""`)},
		{"duplicate keys on an edited path", edit(`{"flowSequenceItemList":[{"__type":"DataAction","id":"n","timeout":{"config":{"lit":{"text":"P0D0H0M1S0F"}}},"timeout":{}}]}`, raiseBy(5*time.Second), `two "timeout" members`)},
		{"600 KB configuration", update(big, nil, "above the platform's limit of 512000")},
		{"empty flow id", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			_, err := o.c.UpdateFlow(ctx, "", raise, nil)
			assert.ErrorContains(t, err, "UpdateFlow needs a flow id")
			o.nothingWritten(t, goodFlow)
		}},
		{"unknown flow", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			_, err := o.c.UpdateFlow(ctx, "no-such-flow", raise, nil)
			assert.ErrorIs(t, err, client.ErrNotFound)
			assert.ErrorContains(t, err, "Flow 'no-such-flow' not found.")
			o.nothingWritten(t, goodFlow)
		}},
		{"stored configuration not JSON", func(t *testing.T) {
			posts := 0
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == "POST":
					posts++
				case strings.HasSuffix(r.URL.Path, "/latestconfiguration"):
					fmt.Fprint(w, `{"flowVersion":{"nodes":{}},"x":[}`)
				default:
					fmt.Fprint(w, `{"id":"f","name":"Main"}`)
				}
			})
			_, err := c.UpdateFlow(ctx, "f", raise, &client.UpdateOptions{Publish: true})
			assert.ErrorIs(t, err, client.ErrInvalidResponse)
			assert.ErrorContains(t, err, "GET /api/v2/flows/f/latestconfiguration: flow: invalid JSON at byte offset 33")
			assert.Zero(t, posts, "nothing written")
		}},
		{"permission missing on save", update(goodFlow, func(o *oneFlow) { o.srv.FailNext("POST", "/api/v2/flows/"+o.id+"/versions", 1, 403) }, "403 Forbidden")},
		{"flow locked by another user", update(goodFlow, func(o *oneFlow) { require.NoError(t, o.srv.LockByUser(o.id, "Jane Doe")) }, "flow locked by user Jane Doe")},
		{"flow locked by this OAuth client, not by this run", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			o.lockedByAnotherRun(t)
			_, err := o.c.UpdateFlow(ctx, o.id, raise, &client.UpdateOptions{Publish: true})
			assert.ErrorIs(t, err, client.ErrLocked)
			assert.ErrorContains(t, err, "the OAuth client this run uses, but not by this run")
			cn := o.srv.Counters()
			assert.Zero(t, cn.Saves+cn.Reverts+cn.Unlocks+cn.Checkins+cn.Publishes, "never reverted, unlocked or written")
			assert.Equal(t, "client "+clienttest.DefaultClientID, o.srv.LockHolder(o.id), "the other run's lock stays")
			assert.Equal(t, goodFlow, string(o.srv.Latest(o.id)))
		}},
		{"a write asked of a read-only client", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			_, err := o.c.ReadOnly().Checkout(ctx, o.id)
			assert.ErrorIs(t, err, client.ErrReadOnly)
			assert.ErrorContains(t, err, "client: read-only client refuses to write: POST /api/v2/flows/actions/checkout was not sent")
			assert.Zero(t, o.srv.Counters().Checkouts)
			o.nothingWritten(t, goodFlow)
		}},
		{"a dry run of a flow with a crashed run's lock", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			o.lockedByAnotherRun(t)
			saves := o.srv.Counters().Checkouts
			_, err := o.c.UpdateFlow(ctx, o.id, raise, &client.UpdateOptions{DryRun: true, Publish: true})
			assert.ErrorIs(t, err, client.ErrLocked)
			cn := o.srv.Counters()
			assert.Equal(t, saves, cn.Checkouts)
			assert.Zero(t, cn.Saves+cn.Reverts+cn.Unlocks+cn.Checkins+cn.Publishes, "a dry run reverts, unlocks and writes nothing")
			assert.Equal(t, "client "+clienttest.DefaultClientID, o.srv.LockHolder(o.id), "the lock stays")
		}},
		{"an empty list of flow ids", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			_, err := org.Raise(ctx, o.c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{}}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}})
			assert.ErrorIs(t, err, client.ErrInvalidArgument)
			assert.ErrorContains(t, err, "the list of flow ids is empty (nil selects every flow; an empty list selects none)")
			o.nothingWritten(t, goodFlow)
		}},
		{"an empty flow id in the list", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			_, err := org.Raise(ctx, o.c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{o.id, " "}}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}})
			assert.ErrorContains(t, err, "flow id 2 of 2 is empty")
			o.nothingWritten(t, goodFlow)
		}},
		{"a named flow that does not exist", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			results, err := org.Raise(ctx, o.c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{o.id, "no-such-flow"}}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}})
			assert.Nil(t, results)
			assert.ErrorIs(t, err, client.ErrNotFound)
			assert.ErrorContains(t, err, "flow no-such-flow does not exist")
			o.nothingWritten(t, goodFlow)
		}},
		{"unknown region", config(with(func(c *client.Config) { c.Region = "eu-west-9" }), `unknown region "eu-west-9"; use one of`)},
		{"empty region", config(with(func(c *client.Config) { c.Region = "" }), "no region (set GENESYS_CLOUD_REGION")},
		{"empty client id", config(with(func(c *client.Config) { c.ClientID = " " }), "no client id")},
		{"http base URL to a non-loopback host", config(with(func(c *client.Config) { c.BaseURL = "http://api.example.com" }), "uses http on api.example.com, which is not a loopback address")},
		{"credentials in the base URL", config(with(func(c *client.Config) { c.BaseURL = "https://u:p@api.example.com" }), "must not hold credentials")},
		{"wrong secret", func(t *testing.T) {
			o := newOrg(t, goodFlow)
			cfg := o.srv.ClientConfig()
			cfg.ClientSecret = "Not-The-Secret-42"
			c, err := client.New(cfg)
			require.NoError(t, err)
			_, err = c.UpdateFlow(ctx, o.id, raise, nil)
			assert.ErrorIs(t, err, client.ErrUnauthorized)
			assert.ErrorContains(t, err, "401 invalid_client (authentication failed); check the client id and secret")
			assert.NotContains(t, err.Error(), "Not-The-Secret-42")
			o.nothingWritten(t, goodFlow)
		}},
		{"token endpoint answers HTML", func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html><body>Sign in</body></html>")
			}))
			defer srv.Close()
			c, err := client.New(client.Config{BaseURL: srv.URL, ClientID: "id", ClientSecret: "secret", Retry: retry.Policy{Clock: fakeclock.New(), MaxAttempts: 2}})
			require.NoError(t, err)
			_, err = c.Flow(ctx, "f")
			assert.ErrorContains(t, err, "token request to "+srv.URL+"/oauth/token failed")
			assert.ErrorContains(t, err, "oauth2: cannot parse json")
		}},
		{"a 200 with an invalid body", func(t *testing.T) {
			c := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id": 12, "name": [}`) })
			_, err := c.Flow(ctx, "f")
			assert.ErrorIs(t, err, client.ErrInvalidResponse)
			assert.ErrorContains(t, err, `GET /api/v2/flows/f`)
		}},
		{"paging that never ends", func(t *testing.T) {
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"entities":[],"pageNumber":1,"pageCount":2,"nextUri":"/api/v2/flows?pageNumber=2"}`)
			})
			var last error
			for _, err := range c.Flows(ctx, nil) {
				last = err
			}
			assert.ErrorContains(t, last, "paging did not end after 10000 pages")
		}},
		{"Retry-After of an hour", func(t *testing.T) {
			calls := 0
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				calls++
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"message":"slow down","code":"too.many.requests","status":429}`)
			})
			_, err := c.Flow(ctx, "f")
			assert.ErrorIs(t, err, client.ErrRateLimited)
			assert.ErrorContains(t, err, "asked to wait 1h0m0s before trying again, more than the 2m0s allowed by the retry policy")
			assert.Equal(t, 1, calls, "no shorter wait, no repeat")
		}},
	}
	require.GreaterOrEqual(t, len(cases), 39)
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}
