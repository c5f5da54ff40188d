package client

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Consumer is an Architect object that uses an action, as dependency
// tracking lists it.
type Consumer struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Type    string `json:"type,omitempty"` // INBOUNDCALLFLOW, WORKFLOW, ...
	Version string `json:"version,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
	// StateUnknown: dependency tracking does not know this object's state.
	StateUnknown bool `json:"stateUnknown,omitempty"`
}

// DependencyIndexOperational is the build status of a complete dependency
// index; any other (BUILDINITIALIZING, BUILDINPROGRESS, BUILDINCOMPLETE,
// NOTBUILT) means its answers may be partial.
const DependencyIndexOperational = "OPERATIONAL"

// ActionConsumers lists the objects that use an action, through dependency
// tracking: as a DATAACTION and as a SECUREACTION, every page. It reads the
// index's build status first: status is what the platform said, and
// complete is false when it is not OPERATIONAL, when the list may miss
// consumers (fall back to the flows you read yourself).
//
// GET /api/v2/architect/dependencytracking/build and
// GET /api/v2/architect/dependencytracking/consumingresources
func (c *Client) ActionConsumers(ctx context.Context, actionID string) (consumers []Consumer, status string, complete bool, err error) {
	if strings.TrimSpace(actionID) == "" {
		return nil, "", false, fmt.Errorf("%w: ActionConsumers needs an action id", ErrInvalidArgument)
	}
	var build struct {
		Status string `json:"status"`
	}
	if err := c.getJSON(ctx, "/api/v2/architect/dependencytracking/build", nil, &build); err != nil {
		return nil, "", false, fmt.Errorf("dependency index status: %w", err)
	}
	seen := map[string]bool{}
	for _, objectType := range []string{"DATAACTION", "SECUREACTION"} {
		q := url.Values{"id": {actionID}, "objectType": {objectType}}
		for e, err := range pages[Consumer](ctx, c, "/api/v2/architect/dependencytracking/consumingresources", q, 100, nil) {
			if err != nil {
				return nil, build.Status, false, fmt.Errorf("consumers of action %s: %w", actionID, err)
			}
			if !seen[e.ID] {
				seen[e.ID] = true
				consumers = append(consumers, e)
			}
		}
	}
	return consumers, build.Status, build.Status == DependencyIndexOperational, nil
}
