package clienttest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
)

// The contract tests drive the server with plain net/http, not the client
// package, so the server is checked on its own.

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(a.body, &m), "body: %s", a.body)
	return m
}

func send(t *testing.T, method, u, auth string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header, b}
}

func tokenRequest(t *testing.T, base, id, secret, grant string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(url.Values{"grant_type": {grant}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// bearer gets a token for the default client.
func bearer(t *testing.T, base string) string {
	t.Helper()
	a := tokenRequest(t, base, clienttest.DefaultClientID, clienttest.DefaultClientSecret, "client_credentials")
	require.Equal(t, 200, a.status, string(a.body))
	return "Bearer " + a.json(t)["access_token"].(string)
}

func assertGenesysError(t *testing.T, a answer, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, a.status, string(a.body))
	m := a.json(t)
	assert.Equal(t, code, m["code"])
	assert.Equal(t, float64(status), m["status"])
	assert.NotEmpty(t, m["message"])
	for _, k := range []string{"messageWithParams", "messageParams", "details", "errors"} {
		assert.Contains(t, m, k)
	}
	assert.NotEmpty(t, m["contextId"])
	assert.Equal(t, m["contextId"], a.header.Get("Inin-Correlation-Id"))
	return m
}

func TestContractToken(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{TokenLifetime: 3600e9}, false)
	a := tokenRequest(t, srv.URL, clienttest.DefaultClientID, clienttest.DefaultClientSecret, "client_credentials")
	require.Equal(t, 200, a.status)
	m := a.json(t)
	assert.Equal(t, "bearer", m["token_type"])
	assert.Equal(t, float64(3600), m["expires_in"])
	assert.NotEmpty(t, m["access_token"])

	for _, tc := range []struct {
		id, secret, grant string
		status            int
		code, desc        string
	}{
		{"nobody", "x", "client_credentials", 400, "invalid_client", "client not found"},
		{clienttest.DefaultClientID, "wrong", "client_credentials", 401, "invalid_client", "authentication failed"},
		{"", "", "client_credentials", 401, "invalid_client", "authentication failed"},
		{clienttest.DefaultClientID, clienttest.DefaultClientSecret, "password", 400, "unsupported_grant_type", ""},
	} {
		a := tokenRequest(t, srv.URL, tc.id, tc.secret, tc.grant)
		assert.Equal(t, tc.status, a.status)
		m := a.json(t)
		assert.Equal(t, tc.code, m["error"])
		if tc.desc != "" {
			assert.Equal(t, tc.desc, m["description"])
			assert.Equal(t, tc.desc, m["error_description"])
		}
	}
	assert.Equal(t, 405, send(t, http.MethodGet, srv.URL+"/oauth/token", "", nil).status)
}

func TestContractAuth(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	u := srv.URL + "/api/v2/flows"
	assertGenesysError(t, send(t, "GET", u, "", nil), 401, "authentication.required")
	assertGenesysError(t, send(t, "GET", u, "Bearer nope", nil), 401, "bad.credentials")
	tok := bearer(t, srv.URL)
	assert.Equal(t, 200, send(t, "GET", u, tok, nil).status)
	srv.ExpireTokens()
	assertGenesysError(t, send(t, "GET", u, tok, nil), 401, "credentials.expired")
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/nothing", bearer(t, srv.URL), nil), 404, "not.found")
}

func seedFlows(t *testing.T, srv *clienttest.Server) []string {
	t.Helper()
	var ids []string
	for i, typ := range []string{"inboundcall", "workflow", "inboundcall", "inqueuecall", "inboundcall"} {
		id, err := srv.AddFlow(clienttest.FlowSeed{ID: fmt.Sprintf("f%d", i), Name: fmt.Sprintf("Flow %d", i), Type: typ, Config: []byte(archConfig)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}

func TestContractListFlows(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	seedFlows(t, srv)
	require.NoError(t, srv.LockByUser("f3", "Jane Doe"))
	tok := bearer(t, srv.URL)
	get := func(q string) map[string]any {
		a := send(t, "GET", srv.URL+"/api/v2/flows?"+q, tok, nil)
		require.Equal(t, 200, a.status, string(a.body))
		return a.json(t)
	}
	ids := func(m map[string]any) (out []string) {
		for _, e := range m["entities"].([]any) {
			out = append(out, e.(map[string]any)["id"].(string))
		}
		return out
	}
	p1 := get("pageSize=2&pageNumber=1")
	assert.Equal(t, []string{"f0", "f1"}, ids(p1))
	assert.Equal(t, float64(5), p1["total"])
	assert.Equal(t, float64(3), p1["pageCount"])
	assert.Contains(t, p1["nextUri"], "pageNumber=2")
	p3 := get("pageSize=2&pageNumber=3")
	assert.Equal(t, []string{"f4"}, ids(p3))
	assert.NotContains(t, p3, "nextUri", "no nextUri on the last page")
	assert.Empty(t, ids(get("pageSize=2&pageNumber=4")))

	assert.Equal(t, []string{"f0", "f2", "f4"}, ids(get("type=inboundcall")))
	assert.Equal(t, []string{"f1", "f3"}, ids(get("type=workflow&type=inqueuecall")))
	assert.Equal(t, []string{"f2"}, ids(get("name=flow+2")))
	assert.Equal(t, []string{"f1", "f2"}, ids(get("name=Flow+[12]*")))
	assert.Equal(t, []string{"f3"}, ids(get("lockedBy=user-jane-doe")))
	assert.Equal(t, []string{"f1", "f4"}, ids(get("id=f4&id=f1&type=inqueuecall")), "id ignores the other filters")
	f0 := get("pageSize=1")["entities"].([]any)[0].(map[string]any)
	assert.Equal(t, "INBOUNDCALL", f0["type"], "types are upper case in answers")
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/flows?pageSize=501", tok, nil), 400, "bad.request")
}

func TestContractFlowAndVersions(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	odd := []byte("{ \"flowVersion\" : {\"nodes\":{}} ,\"x\":1.50 }\n")
	id, err := srv.AddFlow(clienttest.FlowSeed{ID: "d1", Name: "Drafty", Type: "workflow", Config: []byte(archConfig), Draft: odd})
	require.NoError(t, err)
	tok := bearer(t, srv.URL)
	f := send(t, "GET", srv.URL+"/api/v2/flows/"+id, tok, nil).json(t)
	assert.Equal(t, "1.0", f["publishedVersion"].(map[string]any)["id"])
	assert.Equal(t, "2.0", f["checkedInVersion"].(map[string]any)["id"], "a draft newer than the published version")
	assert.Equal(t, "CHECKIN", f["checkedInVersion"].(map[string]any)["type"])
	assert.Equal(t, "Drafty", f["name"])

	latest := send(t, "GET", srv.URL+"/api/v2/flows/d1/latestconfiguration", tok, nil)
	assert.Equal(t, odd, latest.body, "configurations are served as the exact bytes stored")
	v1 := send(t, "GET", srv.URL+"/api/v2/flows/d1/versions/1.0/configuration", tok, nil)
	assert.Equal(t, archConfig, string(v1.body))
	v := send(t, "GET", srv.URL+"/api/v2/flows/d1/versions/1.0", tok, nil).json(t)
	assert.Equal(t, "PUBLISH", v["type"])
	vs := send(t, "GET", srv.URL+"/api/v2/flows/d1/versions", tok, nil).json(t)
	assert.Equal(t, float64(2), vs["total"])
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/flows/d1/versions/9.0/configuration", tok, nil), 404, "not.found")
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/flows/nope", tok, nil), 404, "not.found")
}

func TestContractLocksAndWrites(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{OperationReads: 1}, false)
	seedFlows(t, srv)
	srv.AddClient("other", "other-secret", "Other tool")
	tok := bearer(t, srv.URL)
	a := tokenRequest(t, srv.URL, "other", "other-secret", "client_credentials")
	other := "Bearer " + a.json(t)["access_token"].(string)
	action := func(tok, name, flow string) answer {
		return send(t, "POST", srv.URL+"/api/v2/flows/actions/"+name+"?flow="+flow, tok, nil)
	}
	save := func(tok, flow string, body []byte) answer {
		return send(t, "POST", srv.URL+"/api/v2/flows/"+flow+"/versions", tok, body)
	}
	newConfig := []byte(strings.Replace(archConfig, "P0D0H0M3S0F", "P0D0H0M5S0F", 2))

	// Saving without the lock.
	m := assertGenesysError(t, save(tok, "f0", newConfig), 409, "architect.flow.not.locked.by.user")
	assert.Equal(t, "Flow 'Flow 0' is not locked by client 'clienttest-client'.", m["message"])
	assertGenesysError(t, action(tok, "checkin", "f0"), 409, "architect.flow.not.locked.by.user")

	// Another user holds the lock.
	require.NoError(t, srv.LockByUser("f1", "Jane Doe"))
	m = assertGenesysError(t, action(tok, "checkout", "f1"), 409, "architect.flow.locked.by.user")
	assert.Contains(t, m["message"], "Jane Doe")
	assertGenesysError(t, action(tok, "publish", "f1"), 409, "architect.flow.locked.by.user")
	assertGenesysError(t, action(tok, "revert", "f1"), 409, "architect.flow.locked.by.user")

	// Another OAuth client holds the lock.
	require.Equal(t, 200, action(other, "checkout", "f2").status)
	assertGenesysError(t, action(tok, "checkout", "f2"), 409, "architect.flow.locked.by.user")
	assertGenesysError(t, save(tok, "f2", newConfig), 409, "architect.flow.not.locked.by.user")
	f := send(t, "GET", srv.URL+"/api/v2/flows/f2", tok, nil).json(t)
	assert.Equal(t, "other", f["lockedClient"].(map[string]any)["id"])

	// Our lock: check out, check in without a save, save, publish.
	co := action(tok, "checkout", "f0")
	require.Equal(t, 200, co.status)
	assert.Equal(t, clienttest.DefaultClientID, co.json(t)["lockedClient"].(map[string]any)["id"])
	assertGenesysError(t, action(tok, "checkin", "f0"), 400, "architect.flow.cannot.checkin.missing.config")
	assertGenesysError(t, save(tok, "f0", []byte(`[1,2]`)), 400, "invalid.schema")
	assertGenesysError(t, save(tok, "f0", []byte(`{"a":`)), 400, "invalid.schema")
	assertGenesysError(t, save(tok, "f0", append(append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 512000)...), '"', '}')), 413, "request.bytes.max")
	sv := save(tok, "f0", newConfig)
	require.Equal(t, 200, sv.status)
	assert.Equal(t, "SAVE", sv.json(t)["type"])
	assert.Equal(t, newConfig, send(t, "GET", srv.URL+"/api/v2/flows/f0/latestconfiguration", tok, nil).body)
	assert.Equal(t, archConfig, string(srv.Published("f0")), "a save publishes nothing")

	op := action(tok, "publish", "f0").json(t)
	assert.Equal(t, "PUBLISH", op["actionName"])
	assert.Equal(t, false, op["complete"])
	assertGenesysError(t, action(tok, "publish", "f0"), 409, "architect.operation.already.in.progress")
	cur := send(t, "GET", srv.URL+"/api/v2/flows/f0", tok, nil).json(t)["currentOperation"].(map[string]any)
	assert.Equal(t, op["id"], cur["id"])
	assert.Equal(t, false, cur["complete"], "still running on the first read")
	fl := send(t, "GET", srv.URL+"/api/v2/flows/f0", tok, nil).json(t)
	cur = fl["currentOperation"].(map[string]any)
	assert.Equal(t, true, cur["complete"])
	assert.Equal(t, "SUCCESS", cur["actionStatus"])
	assert.Equal(t, "2.0", fl["publishedVersion"].(map[string]any)["id"])
	assert.NotContains(t, fl, "lockedClient", "a publish checks in")
	assert.Equal(t, newConfig, srv.Published("f0"))
	vs := srv.Versions("f0")
	require.Len(t, vs, 2)
	assert.Equal(t, "PUBLISH", vs[1].Type)
	assert.Equal(t, clienttest.DefaultClientID, vs[1].ByClient)

	// A failed publish keeps the lock and the draft.
	require.Equal(t, 200, action(tok, "checkout", "f4").status)
	require.Equal(t, 200, save(tok, "f4", newConfig).status)
	require.NoError(t, srv.FailNextPublish("f4", "architect.publish.failed", "Flow 'Flow 4' failed validation."))
	action(tok, "publish", "f4")
	send(t, "GET", srv.URL+"/api/v2/flows/f4", tok, nil)
	cur = send(t, "GET", srv.URL+"/api/v2/flows/f4", tok, nil).json(t)["currentOperation"].(map[string]any)
	assert.Equal(t, "FAILURE", cur["actionStatus"])
	assert.Equal(t, "Flow 'Flow 4' failed validation.", cur["errorMessage"])
	assert.Equal(t, "client "+clienttest.DefaultClientID, srv.LockHolder("f4"))

	// Revert discards the draft and releases the lock (modelled).
	require.Equal(t, 200, action(tok, "revert", "f4").status)
	assert.Empty(t, srv.LockHolder("f4"))
	assert.Equal(t, archConfig, string(srv.Latest("f4")))

	// Unlock checks in what the holder saved.
	require.Equal(t, 200, save(other, "f2", newConfig).status)
	require.Equal(t, 200, action(tok, "unlock", "f2").status)
	assert.Empty(t, srv.LockHolder("f2"))
	vs = srv.Versions("f2")
	require.Len(t, vs, 2)
	assert.Equal(t, "CHECKIN", vs[1].Type)
	assert.Equal(t, newConfig, vs[1].Config)

	c := srv.Counters()
	assert.Equal(t, 1, c.Publishes)
	assert.Equal(t, 2, c.Versions)
	assert.Equal(t, 1, c.Unlocks)
	assert.Equal(t, 1, c.Reverts)
}

func TestContractDataActions(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddDataAction("custom_-_a", "Lookup", 12)
	tok := bearer(t, srv.URL)
	m := send(t, "GET", srv.URL+"/api/v2/integrations/actions/custom_-_a?includeConfig=true", tok, nil).json(t)
	assert.Equal(t, float64(12), m["config"].(map[string]any)["timeoutSeconds"])
	assert.NotContains(t, send(t, "GET", srv.URL+"/api/v2/integrations/actions/custom_-_a", tok, nil).json(t), "config")
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/integrations/actions/nope", tok, nil), 404, "not.found")
}

func TestContractRateLimit(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: 2, RateLimitHeaders: true}, false)
	tok := bearer(t, srv.URL)
	first := send(t, "GET", srv.URL+"/api/v2/flows", tok, nil)
	require.Equal(t, 200, first.status)
	assert.Equal(t, "2", first.header.Get("inin-ratelimit-allowed"))
	assert.Equal(t, "1", first.header.Get("inin-ratelimit-count"))
	assert.NotEmpty(t, first.header.Get("inin-ratelimit-reset"))
	require.Equal(t, 200, send(t, "GET", srv.URL+"/api/v2/flows", tok, nil).status, "a minute's worth at once")
	third := send(t, "GET", srv.URL+"/api/v2/flows", tok, nil)
	assertGenesysError(t, third, 429, "too.many.requests.retry.after")
	assert.Equal(t, "30", third.header.Get("Retry-After"), "one request every 30 s")
	// Another token has its own budget.
	assert.Equal(t, 200, send(t, "GET", srv.URL+"/api/v2/flows", bearer(t, srv.URL), nil).status)
	assert.Equal(t, 1, srv.Counters().RateLimited)
}

func TestContractFaults(t *testing.T) {
	statuses := func(seed int64) []int {
		srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1, Faults: clienttest.Faults{Seed: seed, ServerErrors: 0.3, RateLimited: 0.2, RetryAfter: 3e9}}, false)
		tok := bearer(t, srv.URL)
		var out []int
		for range 40 {
			a := send(t, "GET", srv.URL+"/api/v2/flows", tok, nil)
			if a.status == 429 {
				assert.Equal(t, "3", a.header.Get("Retry-After"))
			}
			out = append(out, a.status)
		}
		assert.Equal(t, 40, srv.Counters().Requests)
		return out
	}
	a, b := statuses(7), statuses(7)
	assert.Equal(t, a, b, "the same seed, the same faults")
	assert.NotEqual(t, a, statuses(8))
	count := map[int]int{}
	for _, s := range a {
		count[s/100*100]++
	}
	assert.Greater(t, count[500], 4)
	assert.Greater(t, count[400], 2)
	assert.Greater(t, count[200], 10)

	srv := clienttest.Start(t, &clienttest.Options{Faults: clienttest.Faults{Dropped: 1}}, false)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v2/flows", nil)
	req.Header.Set("Authorization", bearer(t, srv.URL))
	_, err := http.DefaultClient.Do(req)
	assert.Error(t, err, "the connection is dropped without an answer")

	srv2 := clienttest.Start(t, nil, false)
	seedFlows(t, srv2)
	tok := bearer(t, srv2.URL)
	srv2.FailNext("GET", "/api/v2/flows/f1", 2, 503)
	assertGenesysError(t, send(t, "GET", srv2.URL+"/api/v2/flows/f1", tok, nil), 503, "service.unavailable")
	assert.Equal(t, 200, send(t, "GET", srv2.URL+"/api/v2/flows/f0", tok, nil).status, "other paths are not affected")
	assert.Equal(t, 503, send(t, "GET", srv2.URL+"/api/v2/flows/f1", tok, nil).status)
	assert.Equal(t, 200, send(t, "GET", srv2.URL+"/api/v2/flows/f1", tok, nil).status)

	ran := false
	srv2.Before("POST", "/api/v2/flows/actions/checkout", func(o *clienttest.Org) {
		ran = true
		require.NoError(t, o.LockByUser("f3", "Jane Doe"))
	})
	assertGenesysError(t, send(t, "POST", srv2.URL+"/api/v2/flows/actions/checkout?flow=f3", tok, nil), 409, "architect.flow.locked.by.user")
	assert.True(t, ran)

	n := srv2.Counters().Requests
	srv2.LockByUserDuring("f4", "Scheduled User", n+2, n+4)
	assert.Empty(t, srv2.LockHolder("f4"))
	send(t, "GET", srv2.URL+"/api/v2/flows", tok, nil)
	send(t, "GET", srv2.URL+"/api/v2/flows", tok, nil)
	assert.Equal(t, "user Scheduled User", srv2.LockHolder("f4"))
	send(t, "GET", srv2.URL+"/api/v2/flows", tok, nil)
	send(t, "GET", srv2.URL+"/api/v2/flows", tok, nil)
	assert.Empty(t, srv2.LockHolder("f4"))
	n = srv2.Counters().Requests
	srv2.LockByClientDuring("f4", "other", n+1, n+2)
	f4 := send(t, "GET", srv2.URL+"/api/v2/flows/f4", tok, nil).json(t)
	assert.Equal(t, "other", f4["lockedClient"].(map[string]any)["id"], "another OAuth client holds it")
	send(t, "GET", srv2.URL+"/api/v2/flows", tok, nil)
	assert.Empty(t, srv2.LockHolder("f4"))
	log := srv2.Requests()
	assert.Equal(t, "GET", log[len(log)-1].Method)
	assert.Equal(t, "/api/v2/flows", log[len(log)-1].Path)
	assert.Equal(t, 200, log[len(log)-1].Status)
	assert.Equal(t, clienttest.DefaultClientID, log[len(log)-1].ClientID)
}

// TestContractOneHolderPerClient: the platform knows a lock's holder only as
// an OAuth client, so two tokens of the same client are one holder: the
// second may check out again and save (modelled), and both see the lock as
// their client's.
func TestContractOneHolderPerClient(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{OperationReads: 1}, false)
	seedFlows(t, srv)
	first, second := bearer(t, srv.URL), bearer(t, srv.URL)
	require.NotEqual(t, first, second, "two processes, two tokens")
	action := func(tok, name string) answer {
		return send(t, "POST", srv.URL+"/api/v2/flows/actions/"+name+"?flow=f0", tok, nil)
	}
	require.Equal(t, 200, action(first, "checkout").status)
	again := action(second, "checkout")
	require.Equal(t, 200, again.status, "a check-out by the holder while locked succeeds (modelled)")
	assert.Equal(t, clienttest.DefaultClientID, again.json(t)["lockedClient"].(map[string]any)["id"])
	newConfig := []byte(strings.Replace(archConfig, "P0D0H0M3S0F", "P0D0H0M5S0F", 2))
	sv := send(t, "POST", srv.URL+"/api/v2/flows/f0/versions", second, newConfig)
	require.Equal(t, 200, sv.status, "a save by any process of the holder is accepted")
	assert.Equal(t, newConfig, send(t, "GET", srv.URL+"/api/v2/flows/f0/latestconfiguration", first, nil).body, "and the first process reads it")
	assert.Equal(t, "client "+clienttest.DefaultClientID, srv.LockHolder("f0"))
}

// TestContractPatchDataAction: the version must be the current one, the
// config is replaced whole, the version goes up by one (modelled); static
// actions and bad timeouts are refused.
func TestContractPatchDataAction(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddDataAction("custom_-_a", "A", 3)
	srv.AddDataAction("static_-_b", "B", 3)
	tok := bearer(t, srv.URL)
	patch := func(id, body string) answer {
		return send(t, "PATCH", srv.URL+"/api/v2/integrations/actions/"+id, tok, []byte(body))
	}
	got := send(t, "GET", srv.URL+"/api/v2/integrations/actions/custom_-_a?includeConfig=true", tok, nil).json(t)
	assert.Equal(t, float64(1), got["version"])
	assert.Equal(t, float64(3), got["config"].(map[string]any)["timeoutSeconds"])
	assert.NotContains(t, send(t, "GET", srv.URL+"/api/v2/integrations/actions/custom_-_a", tok, nil).json(t), "config", "config only when asked")

	m := assertGenesysError(t, patch("custom_-_a", `{"version":7,"config":{"timeoutSeconds":5}}`), 400, "bad.request")
	assert.Contains(t, m["message"], "does not match the current version")
	assertGenesysError(t, patch("custom_-_a", `{"version":1,"config":{"timeoutSeconds":0}}`), 400, "invalid.schema")
	assertGenesysError(t, patch("custom_-_a", `{"config":{}}`), 400, "invalid.schema")
	assertGenesysError(t, patch("static_-_b", `{"version":1,"config":{"timeoutSeconds":5}}`), 400, "bad.request")
	assertGenesysError(t, patch("custom_-_none", `{"version":1}`), 404, "not.found")

	ok := patch("custom_-_a", `{"version":1,"name":"A2","config":{"timeoutSeconds":9, "request":{}}}`)
	require.Equal(t, 200, ok.status)
	after := ok.json(t)
	assert.Equal(t, float64(2), after["version"])
	assert.Equal(t, "A2", after["name"])
	config, version, _ := srv.ActionConfig("custom_-_a")
	assert.Equal(t, `{"timeoutSeconds":9, "request":{}}`, string(config), "replaced whole, byte for byte")
	assert.Equal(t, 2, version)
	assert.Equal(t, 1, srv.Counters().ActionPatches)
}

// TestContractDependencyTracking: the build status, the consumers of an
// action over pages, the errors for a missing id or another object type,
// a build in progress, and faults on the route.
func TestContractDependencyTracking(t *testing.T) {
	srv := clienttest.Start(t, &clienttest.Options{RequestsPerMinute: -1}, true)
	tok := bearer(t, srv.URL)
	base := srv.URL + "/api/v2/architect/dependencytracking/"
	assert.Equal(t, "OPERATIONAL", send(t, "GET", base+"build", tok, nil).json(t)["status"])

	const action = "custom_-_0a1b2c3d-0001-4000-8000-000000000001"
	var ids []string
	pages := 0
	for n := 1; ; n++ {
		m := send(t, "GET", fmt.Sprintf("%sconsumingresources?id=%s&objectType=DATAACTION&pageSize=5&pageNumber=%d", base, action, n), tok, nil).json(t)
		pages = int(m["pageCount"].(float64))
		for _, e := range m["entities"].([]any) {
			ent := e.(map[string]any)
			ids = append(ids, ent["id"].(string))
			assert.NotEmpty(t, ent["name"])
			assert.Contains(t, []string{"INBOUNDCALLFLOW", "INQUEUECALLFLOW", "WORKFLOW", "OUTBOUNDCALLFLOW", "INBOUNDSHORTMESSAGEFLOW"}, ent["type"])
		}
		if n >= pages {
			break
		}
	}
	assert.Equal(t, (len(ids)+4)/5, pages, "five a page")
	var want []string
	for _, id := range srv.FlowIDs() {
		if bytes.Contains(append(srv.Published(id), srv.Latest(id)...), []byte(`"actionId":"`+action+`"`)) {
			want = append(want, id)
		}
	}
	assert.ElementsMatch(t, want, ids, "the flows whose published or latest configuration names the action")

	secure := send(t, "GET", base+"consumingresources?id="+action+"&objectType=SECUREACTION", tok, nil).json(t)
	assert.Empty(t, secure["entities"], "no secure actions in the fake")
	assertGenesysError(t, send(t, "GET", base+"consumingresources?objectType=DATAACTION", tok, nil), 400, "bad.request")
	assertGenesysError(t, send(t, "GET", base+"consumingresources?id="+action+"&objectType=FLOW", tok, nil), 400, "bad.request")

	srv.SetDependencyBuild("BUILDINPROGRESS")
	assert.Equal(t, "BUILDINPROGRESS", send(t, "GET", base+"build", tok, nil).json(t)["status"])
	partial := send(t, "GET", base+"consumingresources?id="+action+"&objectType=DATAACTION&pageSize=100", tok, nil).json(t)
	assert.Less(t, len(partial["entities"].([]any)), len(ids), "partial while the index builds")

	srv.FailNext("GET", "/api/v2/architect/dependencytracking/consumingresources", 1, 503)
	assertGenesysError(t, send(t, "GET", base+"consumingresources?id="+action+"&objectType=DATAACTION", tok, nil), 503, "service.unavailable")
	assert.Equal(t, 200, send(t, "GET", base+"consumingresources?id="+action+"&objectType=DATAACTION", tok, nil).status, "one fault, then answers")
}

// TestContractCreateDeleteAndListActions: a flow created by name and type,
// refused twice under one name, deleted (then 410 and gone from the
// listing), a flow another user holds refused; the actions listed, paged,
// without their configs.
func TestContractCreateDeleteAndListActions(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	tok := bearer(t, srv.URL)
	created := send(t, "POST", srv.URL+"/api/v2/flows", tok, []byte(`{"name":"scratch","type":"workflow"}`))
	require.Equal(t, 200, created.status, string(created.body))
	f := created.json(t)
	id := f["id"].(string)
	assert.Equal(t, "WORKFLOW", f["type"])
	assert.NotContains(t, f, "lockedClient", "a new flow is not locked (modelled)")
	assertGenesysError(t, send(t, "POST", srv.URL+"/api/v2/flows", tok, []byte(`{"name":"Scratch","type":"WORKFLOW"}`)), 400, "architect.flow.name.exists")
	assertGenesysError(t, send(t, "POST", srv.URL+"/api/v2/flows", tok, []byte(`{"name":"x","type":"nosuchtype"}`)), 400, "invalid.schema")
	assertGenesysError(t, send(t, "POST", srv.URL+"/api/v2/flows", tok, []byte(`{"type":"workflow"}`)), 400, "invalid.schema")
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/flows/"+id+"/latestconfiguration", tok, nil), 404, "not.found")

	deleted := send(t, "DELETE", srv.URL+"/api/v2/flows/"+id, tok, nil)
	assert.Equal(t, 204, deleted.status, string(deleted.body))
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/flows/"+id, tok, nil), 410, "architect.flow.deleted")
	assert.Equal(t, float64(0), send(t, "GET", srv.URL+"/api/v2/flows", tok, nil).json(t)["total"])
	assertGenesysError(t, send(t, "DELETE", srv.URL+"/api/v2/flows/nope", tok, nil), 404, "not.found")

	held, err := srv.AddFlow(clienttest.FlowSeed{Name: "held", Type: "workflow", Config: []byte(`{}`), LockedByUser: "Jane Doe"})
	require.NoError(t, err)
	assertGenesysError(t, send(t, "DELETE", srv.URL+"/api/v2/flows/"+held, tok, nil), 409, "architect.flow.locked.by.user")

	srv.AddDataAction("custom_-_b", "B", 5)
	srv.AddDataAction("custom_-_a", "A", 3)
	list := send(t, "GET", srv.URL+"/api/v2/integrations/actions?pageSize=1", tok, nil).json(t)
	assert.Equal(t, float64(2), list["total"])
	assert.Equal(t, float64(2), list["pageCount"])
	first := list["entities"].([]any)[0].(map[string]any)
	assert.Equal(t, "custom_-_a", first["id"])
	assert.NotContains(t, first, "config")
}

// TestContractCorrelationIDs: every API answer carries an
// Inin-Correlation-Id, a new one each time, and an error's is the one in
// its body.
func TestContractCorrelationIDs(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	tok := bearer(t, srv.URL)
	a := send(t, "GET", srv.URL+"/api/v2/flows", tok, nil)
	b := send(t, "GET", srv.URL+"/api/v2/flows", tok, nil)
	require.Equal(t, 200, a.status)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, a.header.Get("Inin-Correlation-Id"))
	assert.NotEqual(t, a.header.Get("Inin-Correlation-Id"), b.header.Get("Inin-Correlation-Id"))
	assertGenesysError(t, send(t, "GET", srv.URL+"/api/v2/flows/nope", tok, nil), 404, "not.found") // checks header == contextId
}

// TestContractListActionsByIDsWithConfig: the action listing takes ids
// (comma-joined, as the SDK sends them, or repeated) and includeConfig,
// as GetIntegrationsActions does: a batch of actions with their timeouts
// in one request.
func TestContractListActionsByIDsWithConfig(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddDataAction("custom_-_a", "A", 3)
	srv.AddDataAction("custom_-_b", "B", 8)
	srv.AddDataAction("custom_-_c", "C", 12)
	c := srv.Client(t)
	got := map[string]int{}
	for a, err := range dataaction.List(context.Background(), c, &dataaction.ListOptions{IDs: []string{"custom_-_a", "custom_-_c"}}) {
		require.NoError(t, err)
		require.NotNil(t, a.Config, a.ID)
		got[a.ID] = a.Config.TimeoutSeconds
	}
	assert.Equal(t, map[string]int{"custom_-_a": 3, "custom_-_c": 12}, got)
	var body struct {
		Entities []struct {
			ID     string          `json:"id"`
			Config json.RawMessage `json:"config"`
		} `json:"entities"`
	}
	require.NoError(t, c.Do(context.Background(), &client.Request{Method: "GET", Path: "/api/v2/integrations/actions",
		Query: url.Values{"ids": {"custom_-_b", "custom_-_a"}}}, &body))
	require.Len(t, body.Entities, 2, "repeated ids keys")
	assert.Nil(t, body.Entities[0].Config, "no config without includeConfig")
}
