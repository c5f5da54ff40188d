package org_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/retry"
)

// TestSelectionFailsClosed: a raise that names a flow that does not exist
// is an error before anything is written, naming it; an audit yields it
// with ErrNotFound beside the others; an empty list or an empty id is an
// error before anything is listed, never "every flow"; a selection that
// matches nothing is ErrEmptySelection for both; nothing is written.
func TestSelectionFailsClosed(t *testing.T) {
	srv, c, id := setup(t)
	ctx := context.Background()
	seq, err := org.Raise(ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{"nope", id, id, "gone"}}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}})
	require.ErrorIs(t, err, client.ErrNotFound)
	assert.Nil(t, seq)
	assert.Equal(t, "client: not found: flows nope, gone do not exist, or this OAuth client cannot see them; nothing was written", err.Error())
	_, err = org.Raise(ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{"nope"}}, Min: 5 * time.Second})
	assert.EqualError(t, err, "client: not found: flow nope does not exist, or this OAuth client cannot see it; nothing was written")
	assert.Zero(t, srv.Counters().Writes)

	for _, sel := range []org.Selection{{Name: "no such name"}, {Types: []string{"voicemail"}}} {
		_, err = org.Raise(ctx, c, &org.RaiseOptions{Selection: sel, Min: 5 * time.Second})
		assert.ErrorIs(t, err, org.ErrEmptySelection, "%+v", sel)
		_, err = org.Audit(ctx, c, &org.AuditOptions{Selection: sel})
		assert.ErrorIs(t, err, org.ErrEmptySelection, "%+v", sel)
	}
	_, err = org.Audit(ctx, c, &org.AuditOptions{Selection: org.Selection{Name: "no such name"}})
	assert.EqualError(t, err, `org: no flow matched the selection (name "no such name")`)

	before := srv.Counters().Requests
	for _, ids := range [][]string{{}, {" "}, {id, ""}} {
		seq, err := org.Raise(ctx, c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: ids}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}})
		require.ErrorIs(t, err, client.ErrInvalidArgument, "%q", ids)
		assert.Nil(t, seq)
		aseq, err := org.Audit(ctx, c, &org.AuditOptions{Selection: org.Selection{FlowIDs: ids}})
		require.ErrorIs(t, err, client.ErrInvalidArgument, "%q", ids)
		assert.Nil(t, aseq)
	}
	assert.Equal(t, before, srv.Counters().Requests, "refused before anything is sent")
	audited := map[string]error{}
	for a, err := range mustAudit(t, ctx, c, &org.AuditOptions{Selection: org.Selection{FlowIDs: []string{id, "nope"}}}) {
		audited[a.Flow.ID] = err
	}
	require.Len(t, audited, 2)
	assert.NoError(t, audited[id])
	assert.ErrorIs(t, audited["nope"], client.ErrNotFound)
	assert.Zero(t, srv.Counters().Writes)
}

// TestListingKeepsOnlyFlowsAskedFor: a listing by ids that also answers a
// flow not asked for (named "..") does not audit or raise it.
func TestListingKeepsOnlyFlowsAskedFor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth/token":
			fmt.Fprint(w, `{"access_token":"tok-listing","token_type":"bearer","expires_in":3600}`)
		case "/api/v2/flows":
			fmt.Fprint(w, `{"entities":[{"id":"f1","name":"one"},{"id":"..","name":"evil"}],"pageNumber":1,"pageCount":1}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"code":"not.found","message":"no"}`)
		}
	}))
	defer srv.Close()
	c, err := client.New(client.Config{BaseURL: srv.URL, ClientID: "id", ClientSecret: "secret", RequestsPerMinute: -1, Retry: retry.Policy{MaxAttempts: 1}})
	require.NoError(t, err)
	var audited []string
	for a := range mustAudit(t, context.Background(), c, &org.AuditOptions{Selection: org.Selection{FlowIDs: []string{"f1"}}}) {
		audited = append(audited, a.Flow.ID)
	}
	assert.Equal(t, []string{"f1"}, audited)
	// This server has no configuration for f1 (404), so the raise fails
	// whole before writing; what it read was f1 alone, never "..".
	_, err = org.Raise(context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{"f1"}}, Min: 5 * time.Second})
	require.ErrorIs(t, err, client.ErrNotFound)
	assert.Contains(t, err.Error(), "/api/v2/flows/f1/latestconfiguration")
	assert.NotContains(t, err.Error(), "evil")
}

// TestRaiseReadsNamedFlowsFirst: a raise of named flows reads each one's
// configuration before anything is written; one that cannot be read (403)
// fails the whole raise, naming it, and nothing is written.
func TestRaiseReadsNamedFlowsFirst(t *testing.T) {
	srv, c, id := setup(t)
	config, err := os.ReadFile("../testdata/crm-and-pay.json")
	require.NoError(t, err)
	other, err := srv.AddFlow(clienttest.FlowSeed{Name: "Other", Type: "inboundcall", Config: config})
	require.NoError(t, err)
	srv.FailNext("GET", "/api/v2/flows/"+other+"/versions", 1, http.StatusForbidden)
	_, err = org.Raise(context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id, other}},
		Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}})
	require.ErrorIs(t, err, client.ErrForbidden)
	assert.ErrorContains(t, err, "update of flow Other: client: GET /api/v2/flows/"+other+"/versions/1.0/configuration: 403")
	assert.ErrorContains(t, err, "; nothing was written")
	assert.Zero(t, srv.Counters().Writes)
	// The same flows, readable: raised, each configuration read once before
	// the lock (the plan's read serves the update's first read).
	reads := srv.Counters().ConfigReads
	for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{FlowIDs: []string{id, other}},
		Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		assert.True(t, res.Changed)
	}
	assert.Equal(t, reads+2+2+2, srv.Counters().ConfigReads, "per flow: the first read, the read under the lock, the read-back")
}
