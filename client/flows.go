package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gcflow/timeouts/flow"
)

// ListFlowsOptions filters and pages a flow listing. A nil value lists every
// flow, a page of 100 at a time.
//
// Several types or ids are sent joined by commas in one query parameter
// (type=inboundcall,workflow), as Genesys' own Go SDK sends every list
// parameter of this route (its "multi" format), and so as the platform is
// known to take them; clienttest takes repeated keys too.
type ListFlowsOptions struct {
	// Types keeps flows of these types (inboundcall, workflow, ...; any
	// letter case).
	Types []string
	// Name keeps flows whose name matches (Genesys matches substrings and
	// accepts * wildcards).
	Name string
	// LockedBy keeps flows locked by this user id.
	LockedBy string
	// FlowIDs lists these flows only; Genesys then ignores the other
	// filters.
	FlowIDs []string
	// PageSize is the number of flows a request asks for, up to MaxPageSize.
	PageSize int
}

func (o *ListFlowsOptions) query() (url.Values, int, error) {
	q := url.Values{}
	size := 100
	if o == nil {
		return q, size, nil
	}
	if o.PageSize != 0 {
		if o.PageSize < 1 || o.PageSize > MaxPageSize {
			return nil, 0, fmt.Errorf("%w: page size %d is outside 1 to %d", ErrInvalidArgument, o.PageSize, MaxPageSize)
		}
		size = o.PageSize
	}
	if len(o.Types) > 0 {
		types := make([]string, len(o.Types))
		for i, t := range o.Types {
			types[i] = strings.ToLower(t)
		}
		q.Set("type", strings.Join(types, ","))
	}
	if o.Name != "" {
		q.Set("name", o.Name)
	}
	if o.LockedBy != "" {
		q.Set("lockedBy", o.LockedBy)
	}
	if len(o.FlowIDs) > 0 {
		q.Set("id", strings.Join(o.FlowIDs, ","))
	}
	return q, size, nil
}

// Flows lists flows, one page at a time as the iteration asks for them. It
// stops after the last page (pageNumber reaches pageCount, or no nextUri);
// an error ends the iteration after it is yielded.
//
// GET /api/v2/flows
func (c *Client) Flows(ctx context.Context, opts *ListFlowsOptions) iter.Seq2[Flow, error] {
	q, size, err := opts.query()
	if err != nil {
		return func(yield func(Flow, error) bool) { yield(Flow{}, err) }
	}
	return Pages[Flow](ctx, c, "/api/v2/flows", q, size)
}

// FlowVersions lists a flow's versions, newest first as Genesys orders them.
//
// GET /api/v2/flows/{flowId}/versions
func (c *Client) FlowVersions(ctx context.Context, flowID string) iter.Seq2[FlowVersion, error] {
	return Pages[FlowVersion](ctx, c, "/api/v2/flows/"+url.PathEscape(flowID)+"/versions", nil, 100)
}

// Pages lists any paged endpoint of the platform (the envelope of
// entities, pageNumber, pageCount and nextUri), pageSize entries a request,
// one page at a time as the iteration asks for them, through Do: the
// listings of this module use it, and a caller can for an endpoint it has
// no method for. It stops after the last page (pageNumber reaches
// pageCount, or no nextUri), after Config.MaxPages with ErrInvalidResponse,
// and after an error, which it yields. query is not modified.
func Pages[T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := url.Values{}
		for k, v := range query {
			q[k] = append([]string(nil), v...)
		}
		q.Set("pageSize", strconv.Itoa(pageSize))
		for n := 1; ; n++ {
			q.Set("pageNumber", strconv.Itoa(n))
			var p page[T]
			if err := c.getJSON(ctx, path, q, &p); err != nil {
				yield(zero, err)
				return
			}
			for _, e := range p.Entities {
				if !yield(e, nil) {
					return
				}
			}
			if p.NextURI == "" || p.PageNumber >= p.PageCount || p.PageCount == 0 {
				return
			}
			if n >= c.maxPages {
				yield(zero, fmt.Errorf("%w: GET %s: paging did not end after %d pages", ErrInvalidResponse, path, c.maxPages))
				return
			}
		}
	}
}

// Flow reads one flow: its lock holder, versions and current operation. An
// answer about another flow than the one asked for is ErrInvalidResponse:
// nothing is ever written, or backed up, under an id the server chose.
//
// GET /api/v2/flows/{flowId}
func (c *Client) Flow(ctx context.Context, flowID string) (*Flow, error) {
	var f Flow
	path := "/api/v2/flows/" + url.PathEscape(flowID)
	if err := c.getJSON(ctx, path, nil, &f); err != nil {
		return nil, err
	}
	if f.ID != flowID {
		return nil, fmt.Errorf("%w: GET %s: the answer is about flow %s, not the flow asked for", ErrInvalidResponse, path, strconv.Quote(truncate(c.red.text(f.ID), 100)))
	}
	return &f, nil
}

// Configuration reads one version's configuration as a flow document.
//
// GET /api/v2/flows/{flowId}/versions/{versionId}/configuration
func (c *Client) Configuration(ctx context.Context, flowID, versionID string) (*flow.Document, error) {
	return c.document(ctx, configurationPath(flowID, versionID))
}

// LatestConfiguration reads the newest saved configuration of a flow.
//
// GET /api/v2/flows/{flowId}/latestconfiguration
func (c *Client) LatestConfiguration(ctx context.Context, flowID string) (*flow.Document, error) {
	return c.document(ctx, latestConfigurationPath(flowID))
}

// latestConfigurationBytes reads the newest saved configuration as its
// exact bytes, without parsing them: an update compares a saved draft with
// what it saved.
//
// GET /api/v2/flows/{flowId}/latestconfiguration
func (c *Client) latestConfigurationBytes(ctx context.Context, flowID string) ([]byte, error) {
	return c.do(ctx, &Request{Method: http.MethodGet, Path: latestConfigurationPath(flowID)})
}

func configurationPath(flowID, versionID string) string {
	return "/api/v2/flows/" + url.PathEscape(flowID) + "/versions/" + url.PathEscape(versionID) + "/configuration"
}

func latestConfigurationPath(flowID string) string {
	return "/api/v2/flows/" + url.PathEscape(flowID) + "/latestconfiguration"
}

func (c *Client) document(ctx context.Context, path string) (*flow.Document, error) {
	body, err := c.do(ctx, &Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, err
	}
	return c.parseConfiguration(path, body)
}

// parseConfiguration parses a configuration read from path: with
// flow.ParseAny on a view made for UpdateOptions.AnyShape, else with
// flow.Parse.
func (c *Client) parseConfiguration(path string, body []byte) (*flow.Document, error) {
	parse := flow.Parse
	if c.anyShape {
		parse = flow.ParseAny
	}
	doc, err := parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrInvalidResponse, path, err)
	}
	return doc, nil
}
