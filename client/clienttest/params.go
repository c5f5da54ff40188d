package clienttest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// routeParams are the query parameters a route takes, as the Go SDK's method
// for it can send them (platformclientv2, v188). honoured ones the fake acts
// on; unmodelled ones it accepts only at the value the SDK sends when the
// caller leaves them unset (empty, 0, false), and answers 400 naming them
// otherwise, so that a test relying on one fails loudly. A parameter no SDK
// method sends is a 400 too. (modelled: the SDK's parameter lists, in one
// place.)
type routeParams struct{ honoured, unmodelled []string }

var paramsByRoute = map[string]routeParams{
	"GET /api/v2/flows": {
		honoured: []string{"type", "pageNumber", "pageSize", "sortBy", "sortOrder", "id", "name", "lockedBy", "lockedByClientId", "deleted"},
		unmodelled: []string{"description", "nameOrDescription", "publishVersionId", "editableBy", "secure", "includeSchemas",
			"virtualAgentEnabled", "publishedAfter", "publishedBefore", "divisionId"},
	},
	"GET /api/v2/flows/{id}":                               {honoured: []string{"deleted"}},
	"GET /api/v2/flows/{id}/versions":                      {honoured: []string{"pageNumber", "pageSize", "deleted"}},
	"GET /api/v2/flows/{id}/versions/{v}":                  {honoured: []string{"deleted"}},
	"GET /api/v2/flows/{id}/versions/{v}/configuration":    {honoured: []string{"deleted"}},
	"GET /api/v2/flows/{id}/latestconfiguration":           {honoured: []string{"deleted"}},
	"POST /api/v2/flows/{id}/{sub}":                        {honoured: []string{"flow"}, unmodelled: []string{"version"}},
	"POST /api/v2/flows":                                   {unmodelled: []string{"language"}},
	"DELETE /api/v2/flows/{id}":                            {},
	"PATCH /api/v2/integrations/actions/{id}":              {},
	"GET /api/v2/architect/dependencytracking/build":       {},
	"GET /api/v2/integrations/actions/{id}":                {honoured: []string{"includeConfig"}, unmodelled: []string{"expand", "flatten"}},
	"GET /api/v2/integrations/actions/{id}/function":       {},
	"POST /api/v2/integrations/actions/{id}/draft":         {},
	"GET /api/v2/integrations/actions/{id}/draft":          {honoured: []string{"includeConfig"}, unmodelled: []string{"expand", "flatten"}},
	"DELETE /api/v2/integrations/actions/{id}/draft":       {},
	"GET /api/v2/integrations/actions/{id}/draft/function": {},
	"PUT /api/v2/integrations/actions/{id}/draft/function": {},
	"POST /api/v2/integrations/actions/{id}/draft/publish": {},
	"GET /api/v2/architect/dependencytracking/consumingresources": {
		honoured:   []string{"id", "objectType", "resourceType", "pageNumber", "pageSize"},
		unmodelled: []string{"version", "flowFilter"},
	},
	"GET /api/v2/integrations/actions": {
		honoured:   []string{"pageSize", "pageNumber", "sortBy", "sortOrder", "category", "name", "ids", "includeConfig"},
		unmodelled: []string{"nextPage", "previousPage", "secure", "includeAuthActions"},
	},
}

// checkParams answers 400 and returns false when r carries a query
// parameter its route does not take, or one the fake does not model at a
// value other than the SDK's unset one.
func checkParams(w http.ResponseWriter, pattern string, q url.Values) bool {
	spec, ok := paramsByRoute[pattern]
	if !ok {
		return true // the catch-all 404
	}
	for key, values := range q {
		switch {
		case slices.Contains(spec.honoured, key):
		case slices.Contains(spec.unmodelled, key):
			for _, v := range values {
				if v != "" && v != "0" && v != "false" {
					writeError(w, http.StatusBadRequest, "bad.request",
						fmt.Sprintf("clienttest does not model the query parameter %s (%s=%s) of %s", key, key, v, pattern))
					return false
				}
			}
		default:
			writeError(w, http.StatusBadRequest, "bad.request",
				fmt.Sprintf("%s takes no query parameter %s (no method of the Go SDK sends it)", pattern, key))
			return false
		}
	}
	return true
}

// listParam is a list parameter's values, sent as repeated keys or joined
// by commas in one (the SDK's "multi" format joins them), trimmed, empty
// ones dropped; nil when absent.
func listParam(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// deletedParam reports deleted=true: a deleted flow and its versions are
// answered rather than 410.
func deletedParam(r *http.Request) bool {
	return r.URL.Query().Get("deleted") == "true"
}
