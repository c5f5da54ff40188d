package client_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/flow"
)

// TestZeroClient: a Client not made by New sends nothing and says so with
// ErrInvalidArgument, whatever is called, instead of a nil dereference.
func TestZeroClient(t *testing.T) {
	ctx := context.Background()
	for _, c := range []*client.Client{{}} {
		_, err := c.Flow(ctx, "f1")
		assert.ErrorIs(t, err, client.ErrInvalidArgument)
		for _, err := range c.Flows(ctx, nil) {
			assert.ErrorIs(t, err, client.ErrInvalidArgument)
		}
		_, err = c.LatestConfiguration(ctx, "f1")
		assert.ErrorIs(t, err, client.ErrInvalidArgument)
		edit := func(d *flow.Document) ([]flow.Change, error) { return nil, nil }
		_, err = c.UpdateFlow(ctx, "f1", edit, nil)
		assert.ErrorIs(t, err, client.ErrInvalidArgument)
		_, err = c.UpdateFlow(ctx, "f1", edit, &client.UpdateOptions{DryRun: true})
		assert.ErrorIs(t, err, client.ErrInvalidArgument)
		assert.ErrorIs(t, c.Do(ctx, &client.Request{Method: "GET", Path: "/api/v2/flows"}, nil), client.ErrInvalidArgument)
	}
}
