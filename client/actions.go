package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/retry"
)

// flowActionCall is the request of POST /api/v2/flows/actions/{action}?flow={flowId}.
func flowActionCall(action, flowID string) *Request {
	return &Request{Method: http.MethodPost, Path: "/api/v2/flows/actions/" + action, Query: url.Values{"flow": {flowID}}}
}

// syncFlowAction runs a synchronous flow action, whose answer is the Flow.
func (c *Client) syncFlowAction(ctx context.Context, action, flowID string) (*Flow, error) {
	var f Flow
	if err := c.Do(ctx, flowActionCall(action, flowID), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Checkout locks a flow to this client. It fails with ErrConflict when
// another user or client holds the lock. Do not check out a flow this client
// already holds: what Genesys does then is unconfirmed.
//
// POST /api/v2/flows/actions/checkout?flow={flowId}
func (c *Client) Checkout(ctx context.Context, flowID string) (*Flow, error) {
	return c.syncFlowAction(ctx, "checkout", flowID)
}

// SaveVersion saves doc as the flow's newest configuration. The client must
// hold the flow's lock. A document above MaxRequestBytes is refused with
// ErrTooLarge before anything is sent.
//
// POST /api/v2/flows/{flowId}/versions
func (c *Client) SaveVersion(ctx context.Context, flowID string, doc *flow.Document) (*FlowVersion, error) {
	body := doc.Bytes()
	if len(body) > MaxRequestBytes {
		return nil, tooLarge(len(body))
	}
	var v FlowVersion
	r := &Request{Method: http.MethodPost, Path: "/api/v2/flows/" + url.PathEscape(flowID) + "/versions", Body: body}
	if err := c.Do(ctx, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Checkin checks in the flow's saved configuration and releases the lock.
// The operation runs on the server; Checkin waits for it and returns the
// flow as it ends (its CurrentOperation is the finished operation). A
// FAILURE is an *OperationError carrying Genesys' message.
//
// POST /api/v2/flows/actions/checkin?flow={flowId}
func (c *Client) Checkin(ctx context.Context, flowID string) (*Flow, error) {
	return c.operation(ctx, flowID, flowActionCall("checkin", flowID))
}

// Publish publishes the flow's latest saved configuration, which also
// checks it in. It waits for the operation like Checkin.
//
// POST /api/v2/flows/actions/publish?flow={flowId}
func (c *Client) Publish(ctx context.Context, flowID string) (*Flow, error) {
	return c.operation(ctx, flowID, flowActionCall("publish", flowID))
}

// Unlock breaks a flow's lock, whoever holds it. Genesys checks in what the
// holder had saved, as a new version: destructive for the holder.
//
// POST /api/v2/flows/actions/unlock?flow={flowId}
func (c *Client) Unlock(ctx context.Context, flowID string) (*Flow, error) {
	return c.syncFlowAction(ctx, "unlock", flowID)
}

// Revert discards the flow's saved draft.
//
// POST /api/v2/flows/actions/revert?flow={flowId}
func (c *Client) Revert(ctx context.Context, flowID string) (*Flow, error) {
	return c.syncFlowAction(ctx, "revert", flowID)
}

// operation starts an asynchronous action and polls the flow, with backoff,
// until its current operation is the one started and complete.
func (c *Client) operation(ctx context.Context, flowID string, start *Request) (*Flow, error) {
	var op Operation
	if err := c.Do(ctx, start, &op); err != nil {
		return nil, err
	}
	if op.ID == "" {
		return nil, fmt.Errorf("%w: %s %s: the answer names no operation", ErrInvalidResponse, start.Method, start.Path)
	}
	ctx, cancel := context.WithTimeout(ctx, operationPollTimeout)
	defer cancel()
	poll := c.policy
	poll.InitialInterval, poll.MaxInterval, poll.Multiplier = c.pollInterval, operationPollMax, 1.5
	poll.MaxAttempts, poll.MaxElapsedTime, poll.Notify = 1<<30, operationPollTimeout, nil
	var last *Flow
	errPending := fmt.Errorf("client: %s of flow %s: operation %s still running", op.ActionName, flowID, op.ID)
	err := retry.Do(ctx, poll, func(ctx context.Context) error {
		f, err := c.Flow(ctx, flowID)
		if err != nil {
			return retry.Permanent(err)
		}
		last = f
		cur := f.CurrentOperation
		if cur == nil || cur.ID != op.ID || !cur.Complete {
			return errPending
		}
		return nil
	})
	if err != nil {
		return last, err
	}
	if last.CurrentOperation.ActionStatus == "FAILURE" {
		return last, &OperationError{FlowID: flowID, Operation: *last.CurrentOperation}
	}
	return last, nil
}
