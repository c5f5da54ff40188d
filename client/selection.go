package client

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// selectFlows lists the flows that ids (when not nil), or else types and
// name, select, and the named ids that do not exist.
func (c *Client) selectFlows(ctx context.Context, types []string, name string, ids []string) (flows []Flow, missing []string, err error) {
	asked := map[string]bool{}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil, fmt.Errorf("%w: the list of flow ids is empty (nil selects every flow; an empty list selects none)", ErrInvalidArgument)
		}
		uniq := ids[:0:0]
		for i, id := range ids {
			if strings.TrimSpace(id) == "" {
				return nil, nil, fmt.Errorf("%w: flow id %d of %d is empty", ErrInvalidArgument, i+1, len(ids))
			}
			if !asked[id] {
				asked[id] = true
				uniq = append(uniq, id)
			}
		}
		ids = uniq
	}
	if flows, err = c.listAll(ctx, types, name, ids); err != nil {
		return nil, nil, err
	}
	found := map[string]bool{}
	if ids != nil {
		// A listing by ids that answers other flows too: those were not
		// asked for, and are not touched.
		flows = slices.DeleteFunc(flows, func(f Flow) bool { return !asked[f.ID] })
	}
	for _, f := range flows {
		found[f.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return flows, missing, nil
}

func missingFlow(id string) error {
	return fmt.Errorf("%w: flow %s does not exist, or this OAuth client cannot see it", ErrNotFound, id)
}

// listAll reads a whole listing, 500 flows a page.
func (c *Client) listAll(ctx context.Context, types []string, name string, ids []string) ([]Flow, error) {
	var out []Flow
	for f, err := range c.Flows(ctx, &ListFlowsOptions{Types: types, Name: name, FlowIDs: ids, PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
