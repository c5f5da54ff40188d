package clienttest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
)

// get sends GET path with the raw query exactly as given, as the Go SDK
// builds it (a "multi" list joined by commas, an int or bool left unset by
// its caller sent as 0 or false), and decodes the answer into v.
func get(t *testing.T, c *client.Client, path, rawQuery string, v any) error {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	require.NoError(t, err)
	return c.Do(context.Background(), &client.Request{Method: http.MethodGet, Path: path, Query: q}, v)
}

type flowPage struct {
	Entities []client.Flow `json:"entities"`
	Total    int           `json:"total"`
}

func ids(p flowPage) []string {
	out := []string{}
	for _, f := range p.Entities {
		out = append(out, f.ID)
	}
	return out
}

// TestSDKListFlows holds the listing rows the SDK drove: comma-joined and
// repeated type and id; pageNumber=0&pageSize=0 as the defaults; sortBy and
// sortOrder; lockedByClientId apart from lockedBy; deleted=true; and the
// parameters the SDK sends at their unset values.
func TestSDKListFlows(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	for _, s := range []clienttest.FlowSeed{{ID: "a", Name: "Alpha", Type: "inboundcall"}, {ID: "b", Name: "Beta", Type: "workflow"},
		{ID: "c", Name: "Gamma", Type: "bot"}} {
		s.Config = []byte(`{"name":"` + s.Name + `"}`)
		_, err := srv.AddFlow(s)
		require.NoError(t, err)
	}
	c := srv.Client(t)
	var p flowPage
	sdkDefaults := "&pageNumber=0&pageSize=0&deleted=false&includeSchemas=false&virtualAgentEnabled=false"
	require.NoError(t, get(t, c, "/api/v2/flows", "type=inboundcall,workflow"+sdkDefaults, &p))
	assert.Equal(t, []string{"a", "b"}, ids(p), "comma-joined, as the SDK sends a list")
	require.NoError(t, get(t, c, "/api/v2/flows", "type=inboundcall&type=workflow", &p))
	assert.Equal(t, []string{"a", "b"}, ids(p), "repeated keys")
	require.NoError(t, get(t, c, "/api/v2/flows", "id=c,a"+sdkDefaults, &p))
	assert.Equal(t, []string{"a", "c"}, ids(p))
	require.NoError(t, get(t, c, "/api/v2/flows", "sortBy=name&sortOrder=desc"+sdkDefaults, &p))
	assert.Equal(t, []string{"c", "b", "a"}, ids(p))
	require.NoError(t, get(t, c, "/api/v2/flows", "sortBy=type&sortOrder=asc", &p))
	assert.Equal(t, []string{"c", "a", "b"}, ids(p), "BOT, INBOUNDCALL, WORKFLOW")

	srv.AddClient("other-client", "other-secret", "Other")
	other := srv.Client(t, func(cfg *client.Config) { cfg.ClientID, cfg.ClientSecret = "other-client", "other-secret" })
	_, err := other.Checkout(context.Background(), "b")
	require.NoError(t, err)
	require.NoError(t, srv.LockByUser("c", "Jane Doe"))
	require.NoError(t, get(t, c, "/api/v2/flows", "lockedByClientId=other-client"+sdkDefaults, &p))
	assert.Equal(t, []string{"b"}, ids(p), "the flows that OAuth client holds, and no other")

	require.NoError(t, c.Do(context.Background(), &client.Request{Method: http.MethodDelete, Path: "/api/v2/flows/a"}, nil))
	require.NoError(t, get(t, c, "/api/v2/flows", "deleted=false", &p))
	assert.NotContains(t, ids(p), "a")
	require.NoError(t, get(t, c, "/api/v2/flows", "deleted=true", &p))
	assert.Contains(t, ids(p), "a")
	var f client.Flow
	err = get(t, c, "/api/v2/flows/a", "deleted=false", &f)
	assert.ErrorIs(t, err, client.ErrGone)
	require.NoError(t, get(t, c, "/api/v2/flows/a", "deleted=true", &f))
	assert.Equal(t, "a", f.ID)
	var versions struct{ Entities []client.FlowVersion }
	require.NoError(t, get(t, c, "/api/v2/flows/a/versions", "pageNumber=0&pageSize=0&deleted=true", &versions))
	assert.NotEmpty(t, versions.Entities)
	var raw []byte
	require.NoError(t, get(t, c, "/api/v2/flows/a/versions/1.0/configuration", "deleted=true", &raw))
	assert.Equal(t, `{"name":"Alpha"}`, string(raw))
}

// TestSDKParametersNotModelled: a parameter the SDK can send but the fake
// does not model is a 400 that names it (at any value but the unset one),
// as is one no SDK method sends: nothing is silently ignored.
func TestSDKParametersNotModelled(t *testing.T) {
	srv := clienttest.Start(t, nil, true)
	c := srv.Client(t)
	var p flowPage
	require.NoError(t, get(t, c, "/api/v2/flows", "divisionId=&secure=&description=", &p), "unset values are the SDK's defaults")
	for _, c2 := range []struct{ path, query, says string }{
		{"/api/v2/flows", "divisionId=d1", "does not model the query parameter divisionId"},
		{"/api/v2/flows", "publishedAfter=2026-01-01", "does not model the query parameter publishedAfter"},
		{"/api/v2/flows", "pageCursor=x", "takes no query parameter pageCursor"},
		{"/api/v2/flows", "sortBy=dateModified", "sorts flows by id, name or type"},
		{"/api/v2/integrations/actions", "nextPage=abc", "does not model the query parameter nextPage"},
		{"/api/v2/integrations/actions/custom_-_0a1b2c3d-0001-4000-8000-000000000001", "expand=contract", "does not model the query parameter expand"},
		{"/api/v2/flows/demo-flow-01/versions", "sortBy=id", "takes no query parameter sortBy"},
	} {
		err := get(t, c, c2.path, c2.query, &p)
		var ae *client.APIError
		require.ErrorAs(t, err, &ae, "%s?%s", c2.path, c2.query)
		assert.Equal(t, http.StatusBadRequest, ae.Status)
		assert.ErrorContains(t, err, c2.says)
	}
}

// TestSDKListActions: the action listing filters by ids, name and category
// and sorts, as GetIntegrationsActions sends them.
func TestSDKListActions(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddDataAction("custom_-_a", "Get account", 3)
	srv.AddDataAction("custom_-_b", "Check payment", 8)
	srv.AddDataAction("custom_-_c", "Get order", 12)
	c := srv.Client(t)
	var p struct {
		Entities []struct {
			ID     string
			Name   string
			Config *struct{ TimeoutSeconds int }
		}
	}
	names := func() []string {
		out := []string{}
		for _, e := range p.Entities {
			out = append(out, e.ID)
		}
		return out
	}
	sdkDefaults := "&pageSize=0&pageNumber=0&includeConfig=false"
	require.NoError(t, get(t, c, "/api/v2/integrations/actions", "name=get"+sdkDefaults, &p))
	assert.Equal(t, []string{"custom_-_a", "custom_-_c"}, names())
	assert.Nil(t, p.Entities[0].Config, "no config without includeConfig=true")
	require.NoError(t, get(t, c, "/api/v2/integrations/actions", "ids=custom_-_b,custom_-_c&includeConfig=true&pageSize=0&pageNumber=0", &p))
	assert.Equal(t, []string{"custom_-_b", "custom_-_c"}, names())
	assert.Equal(t, 8, p.Entities[0].Config.TimeoutSeconds)
	require.NoError(t, get(t, c, "/api/v2/integrations/actions", "sortBy=name&sortOrder=desc"+sdkDefaults, &p))
	assert.Equal(t, []string{"custom_-_c", "custom_-_a", "custom_-_b"}, names(), "Get order, Get account, Check payment")
	require.NoError(t, get(t, c, "/api/v2/integrations/actions", "category=nothing-like-it"+sdkDefaults, &p))
	assert.Empty(t, names())
}

// TestSDKConsumersByResourceType: dependency tracking's resourceType
// filters the consumers (comma-joined, as the SDK sends the list).
func TestSDKConsumersByResourceType(t *testing.T) {
	srv := clienttest.Start(t, nil, true)
	c := srv.Client(t)
	type consumers struct {
		Entities []struct{ ID, Type string }
	}
	var all, flows consumers
	action := "custom_-_0a1b2c3d-0001-4000-8000-000000000001"
	require.NoError(t, get(t, c, "/api/v2/architect/dependencytracking/consumingresources", "id="+action+"&objectType=DATAACTION&pageNumber=1&pageSize=100", &all))
	require.NoError(t, get(t, c, "/api/v2/architect/dependencytracking/consumingresources", "id="+action+"&objectType=DATAACTION&resourceType=WORKFLOW,BOTFLOW&pageNumber=0&pageSize=0", &flows))
	require.NotEmpty(t, flows.Entities)
	assert.Less(t, len(flows.Entities), len(all.Entities))
	for _, e := range flows.Entities {
		assert.Equal(t, "WORKFLOW", e.Type)
	}
}

// sdkFunctionconfig and sdkFunction are the SDK's Functionconfig and
// Function models (platformclientv2, v188), field for field.
type sdkFunctionconfig struct {
	ID       *string      `json:"id,omitempty"`
	Function *sdkFunction `json:"function,omitempty"`
	Zip      any          `json:"zip,omitempty"`
	SelfURI  *string      `json:"selfUri,omitempty"`
}

type sdkFunction struct {
	ID             *string `json:"id,omitempty"`
	Name           *string `json:"name,omitempty"`
	Description    *string `json:"description,omitempty"`
	DateCreated    *string `json:"dateCreated,omitempty"`
	ZipID          *string `json:"zipId,omitempty"`
	Handler        *string `json:"handler,omitempty"`
	Runtime        *string `json:"runtime,omitempty"`
	TimeoutSeconds *int    `json:"timeoutSeconds,omitempty"`
}

// TestSDKFunctionActionRoutes walks a function action's routes as the SDK's
// methods call them: GetIntegrationsActionFunction, PostIntegrationsActionDraft
// (no body), GetIntegrationsActionDraft (expand, flatten, includeConfig at
// their unset values), GetIntegrationsActionDraftFunction,
// PutIntegrationsActionDraftFunction (the whole Function),
// PostIntegrationsActionDraftPublish (Publishdraftinput) and
// DeleteIntegrationsActionDraft; the action body has no function field, as
// the SDK's Action model has none.
func TestSDKFunctionActionRoutes(t *testing.T) {
	srv := clienttest.Start(t, nil, false)
	srv.AddFunctionAction("custom_-_fn", "Score", 4)
	srv.AddDataAction("custom_-_plain", "Plain", 8)
	c := srv.Client(t)
	ctx := context.Background()
	base := "/api/v2/integrations/actions/custom_-_fn"

	var raw []byte
	require.NoError(t, get(t, c, base, "includeConfig=true&expand=&flatten=false", &raw))
	assert.NotContains(t, string(raw), `"function"`, "the Action model has no function field")
	assert.Contains(t, string(raw), `"category":"Function Data Actions"`)

	var fc sdkFunctionconfig
	require.NoError(t, get(t, c, base+"/function", "", &fc))
	require.NotNil(t, fc.Function)
	assert.Equal(t, 4, *fc.Function.TimeoutSeconds)
	assert.Equal(t, "custom_-_fn", *fc.ID)
	err := get(t, c, "/api/v2/integrations/actions/custom_-_plain/function", "", &fc)
	assert.ErrorIs(t, err, client.ErrNotFound, "not a function action")

	var draft struct{ Version *int }
	require.NoError(t, c.Do(ctx, &client.Request{Method: http.MethodPost, Path: base + "/draft"}, &draft))
	require.NotNil(t, draft.Version)
	var again struct{ Version *int }
	require.NoError(t, get(t, c, base+"/draft", "expand=&flatten=false&includeConfig=false", &again))
	assert.Equal(t, *draft.Version, *again.Version)
	var dfc sdkFunctionconfig
	require.NoError(t, get(t, c, base+"/draft/function", "", &dfc))
	seven := 7
	dfc.Function.TimeoutSeconds = &seven
	body, err := json.Marshal(dfc.Function)
	require.NoError(t, err)
	require.NoError(t, c.Do(ctx, &client.Request{Method: http.MethodPut, Path: base + "/draft/function", Body: body}, &dfc))
	assert.Equal(t, 7, *dfc.Function.TimeoutSeconds)
	require.NoError(t, get(t, c, base+"/function", "", &fc))
	assert.Equal(t, 4, *fc.Function.TimeoutSeconds, "the published function is unchanged until the draft is published")

	var published struct{ Version int }
	require.NoError(t, c.Do(ctx, &client.Request{Method: http.MethodPost, Path: base + "/draft/publish",
		Body: []byte(fmt.Sprintf(`{"version":%d}`, *draft.Version))}, &published))
	assert.Equal(t, 2, published.Version)
	require.NoError(t, get(t, c, base+"/function", "", &fc))
	assert.Equal(t, 7, *fc.Function.TimeoutSeconds)
	err = c.Do(ctx, &client.Request{Method: http.MethodDelete, Path: base + "/draft"}, nil)
	assert.ErrorIs(t, err, client.ErrNotFound, "publishing removed the draft")

	require.NoError(t, c.Do(ctx, &client.Request{Method: http.MethodPost, Path: base + "/draft"}, &draft))
	require.NoError(t, c.Do(ctx, &client.Request{Method: http.MethodDelete, Path: base + "/draft"}, nil))
	assert.False(t, srv.HasActionDraft("custom_-_fn"))
	err = get(t, c, base+"/draft", "expand=contract", &again)
	assert.ErrorContains(t, err, "does not model the query parameter expand")
}
