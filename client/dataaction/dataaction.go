package dataaction

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
)

// Action is an integration (data) action, with its own timeout.
type Action struct {
	ID            string  `json:"id"`
	Name          string  `json:"name,omitempty"`
	Category      string  `json:"category,omitempty"`
	IntegrationID string  `json:"integrationId,omitempty"`
	Version       int     `json:"version,omitempty"`
	Secure        bool    `json:"secure,omitempty"`
	Config        *Config `json:"config,omitempty"`
	SelfURI       string  `json:"selfUri,omitempty"`
	// Function holds a function action's function settings (IsFunction),
	// whose timeoutSeconds is what it waits, once the caller has read them
	// with GetFunction (org's audits and raises do); the action body never
	// carries them.
	Function *Function `json:"-"`
}

// Config is a data action's configuration.
type Config struct {
	// TimeoutSeconds is how long the action waits (1 to 60; function data
	// actions 1 to 15); zero when the action does not say.
	TimeoutSeconds int             `json:"timeoutSeconds,omitempty"`
	Request        json.RawMessage `json:"request,omitempty"`
	Response       json.RawMessage `json:"response,omitempty"`
}

// Get reads an integration action with its configuration, where its own
// timeout is (Config.TimeoutSeconds). An answer about another action than
// the one asked for is client.ErrInvalidResponse.
//
// GET /api/v2/integrations/actions/{actionId}?includeConfig=true
func Get(ctx context.Context, c *client.Client, actionID string) (*Action, error) {
	var a Action
	if err := c.Do(ctx, readRequest(actionID), &a); err != nil {
		return nil, err
	}
	if a.ID != actionID {
		return nil, fmt.Errorf("%w: GET %s: the answer is about action %s, not the action asked for", client.ErrInvalidResponse, path(actionID), strconv.Quote(cut(a.ID)))
	}
	return &a, nil
}

// GetBytes reads an integration action with its configuration as the
// exact bytes the platform serves: what SetTimeout edits, and Patch sends
// back.
//
// GET /api/v2/integrations/actions/{actionId}?includeConfig=true
func GetBytes(ctx context.Context, c *client.Client, actionID string) ([]byte, error) {
	var raw []byte
	err := c.Do(ctx, readRequest(actionID), &raw)
	return raw, err
}

// ListOptions filter and page a listing of data actions. A nil value
// lists every action, 25 at a time.
type ListOptions struct {
	// IDs lists these actions only (the platform's ids filter, sent
	// comma-separated): keep it to 25 ids, so that the URL stays short.
	IDs []string
	// PageSize is the number of actions a request asks for: 0 means 25,
	// the documented default; at most 100 (modelled).
	PageSize int
}

// List lists integration actions with their configuration, one page at a
// time as the iteration asks for them.
//
// GET /api/v2/integrations/actions?includeConfig=true
func List(ctx context.Context, c *client.Client, opts *ListOptions) iter.Seq2[Action, error] {
	q := url.Values{"includeConfig": {"true"}}
	size := 25
	var err error
	if opts != nil {
		if len(opts.IDs) > 0 {
			q.Set("ids", strings.Join(opts.IDs, ","))
		}
		switch {
		case opts.PageSize < 0 || opts.PageSize > maxPageSize:
			err = fmt.Errorf("%w: page size %d is outside 1 to %d", client.ErrInvalidArgument, opts.PageSize, maxPageSize)
		case opts.PageSize > 0:
			size = opts.PageSize
		}
	}
	if err != nil {
		return func(yield func(Action, error) bool) { yield(Action{}, err) }
	}
	return client.Pages[Action](ctx, c, "/api/v2/integrations/actions", q, size)
}

// Patch writes an action's config: the body holds the version, name
// and category of read (the action as GetBytes gave it) and config
// whole. Whether the platform merges a partial config is unconfirmed, so
// config should be the whole config, changed only where it must be. A
// stale version is refused by the platform (409, or 400 "does not match the
// current version").
//
// PATCH /api/v2/integrations/actions/{actionId}
func Patch(ctx context.Context, c *client.Client, actionID string, read, config []byte) error {
	a := gjson.ParseBytes(read)
	if !a.Get("version").Exists() {
		return fmt.Errorf("%w: the action as read names no version", client.ErrInvalidArgument)
	}
	return c.Do(ctx, &client.Request{Method: http.MethodPatch, Path: path(actionID), Body: patchBody(a, config)}, nil)
}

// path is an action's path.
func path(actionID string) string {
	return "/api/v2/integrations/actions/" + url.PathEscape(actionID)
}

// readRequest is the request that reads an action with its config.
func readRequest(actionID string) *client.Request {
	return &client.Request{Method: http.MethodGet, Path: path(actionID), Query: url.Values{"includeConfig": {"true"}}}
}

// cut bounds an id a server answered, for a message.
func cut(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

// patchBody is an action PATCH's body: the version read, the name and
// category as read (when present), and config.
func patchBody(a gjson.Result, config []byte) []byte {
	var body bytes.Buffer
	body.WriteString(`{"version":` + strconv.FormatInt(a.Get("version").Int(), 10))
	for _, k := range []string{"name", "category"} {
		if v := a.Get(k); v.Exists() {
			fmt.Fprintf(&body, `,%q:%s`, k, v.Raw)
		}
	}
	fmt.Fprintf(&body, `,"config":%s}`, config)
	return body.Bytes()
}
