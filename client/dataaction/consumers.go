package dataaction

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gcflow/timeouts/client"
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

// Consumers lists the objects that use an action, through dependency
// tracking: as a DATAACTION and as a SECUREACTION, every page. It reads the
// index's build status first: status is what the platform said, and
// complete is false when it is not OPERATIONAL, when the list may miss
// consumers (fall back to the flows you read yourself).
//
// GET /api/v2/architect/dependencytracking/build and
// GET /api/v2/architect/dependencytracking/consumingresources
func Consumers(ctx context.Context, c *client.Client, actionID string) (consumers []Consumer, status string, complete bool, err error) {
	if strings.TrimSpace(actionID) == "" {
		return nil, "", false, fmt.Errorf("%w: Consumers needs an action id", client.ErrInvalidArgument)
	}
	var build struct {
		Status string `json:"status"`
	}
	if err := c.Do(ctx, &client.Request{Method: http.MethodGet, Path: "/api/v2/architect/dependencytracking/build"}, &build); err != nil {
		return nil, "", false, fmt.Errorf("dependency index status: %w", err)
	}
	seen := map[string]bool{}
	for _, objectType := range []string{"DATAACTION", "SECUREACTION"} {
		q := url.Values{"id": {actionID}, "objectType": {objectType}}
		for e, err := range client.Pages[Consumer](ctx, c, "/api/v2/architect/dependencytracking/consumingresources", q, 100) {
			if err != nil {
				return nil, build.Status, false, fmt.Errorf("consumers of action %s: %w", actionID, err)
			}
			if !seen[e.ID] {
				seen[e.ID] = true
				consumers = append(consumers, e)
			}
		}
	}
	return consumers, build.Status, build.Status == dependencyIndexOperational, nil
}
