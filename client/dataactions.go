package client

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// DataAction reads an integration action with its configuration, where its
// own timeout is (Config.TimeoutSeconds).
//
// GET /api/v2/integrations/actions/{actionId}?includeConfig=true
func (c *Client) DataAction(ctx context.Context, actionID string) (*DataAction, error) {
	var a DataAction
	if err := c.Do(ctx, actionCall(actionID), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// DataActionBytes reads an integration action with its configuration as
// the exact bytes the platform serves: what SetActionTimeout edits, and
// PatchAction sends back.
//
// GET /api/v2/integrations/actions/{actionId}?includeConfig=true
func (c *Client) DataActionBytes(ctx context.Context, actionID string) ([]byte, error) {
	return c.do(ctx, actionCall(actionID))
}

// ListActionsOptions filter and page a listing of data actions. A nil
// value lists every action, 25 at a time.
type ListActionsOptions struct {
	// IDs lists these actions only (the platform's ids filter, sent
	// comma-separated): keep it to 25 ids, so that the URL stays short.
	IDs []string
	// PageSize is the number of actions a request asks for: 0 means 25,
	// the documented default; at most MaxActionPageSize.
	PageSize int
}

// DataActions lists integration actions with their configuration, one
// page at a time as the iteration asks for them.
//
// GET /api/v2/integrations/actions?includeConfig=true
func (c *Client) DataActions(ctx context.Context, opts *ListActionsOptions) iter.Seq2[DataAction, error] {
	q := url.Values{"includeConfig": {"true"}}
	size := 25
	var err error
	if opts != nil {
		if len(opts.IDs) > 0 {
			q.Set("ids", strings.Join(opts.IDs, ","))
		}
		switch {
		case opts.PageSize < 0 || opts.PageSize > MaxActionPageSize:
			err = fmt.Errorf("%w: page size %d is outside 1 to %d", ErrInvalidArgument, opts.PageSize, MaxActionPageSize)
		case opts.PageSize > 0:
			size = opts.PageSize
		}
	}
	return pages[DataAction](ctx, c, "/api/v2/integrations/actions", q, size, err)
}

// PatchAction writes an action's config: the body holds the version, name
// and category of read (the action as DataActionBytes gave it) and config
// whole. Whether the platform merges a partial config is unconfirmed, so
// config should be the whole config, changed only where it must be. A
// stale version is refused by the platform (409, or 400 "does not match the
// current version").
//
// PATCH /api/v2/integrations/actions/{actionId}
func (c *Client) PatchAction(ctx context.Context, actionID string, read, config []byte) error {
	a := gjson.ParseBytes(read)
	if !a.Get("version").Exists() {
		return fmt.Errorf("%w: the action as read names no version", ErrInvalidArgument)
	}
	_, err := c.do(ctx, &Request{Method: http.MethodPatch, Path: actionPath(actionID), Body: patchBody(a, config)})
	return err
}

// actionPath is an action's path.
func actionPath(actionID string) string {
	return "/api/v2/integrations/actions/" + url.PathEscape(actionID)
}

// actionCall is the request that reads an action with its config.
func actionCall(actionID string) *Request {
	return &Request{Method: http.MethodGet, Path: actionPath(actionID), Query: url.Values{"includeConfig": {"true"}}}
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
