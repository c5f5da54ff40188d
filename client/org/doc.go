// Package org works on an organisation's flows as a whole: Audit lists
// every Data Action of the selected flows with what it really waits, and
// Raise raises those below a minimum, each flow through
// client.UpdateFlow, with the reason for every node it leaves short.
//
//	results, err := org.Raise(ctx, c, &org.RaiseOptions{
//		Selection: org.Selection{Types: []string{"inboundcall"}},
//		Min:       5 * time.Second,
//		Update:    client.UpdateOptions{Publish: true},
//	})
//	if err != nil {
//		return err // nothing listed, nothing done
//	}
//	for res, err := range results {
//		... // one (Result, error) per flow; one flow's failure never stops another
//	}
//
// What a caller waits at a Call Data Action is its effective timeout: the
// integration action's own timeoutSeconds when the node uses the suggested
// timeout, otherwise the smaller of the node's literal and the action's.
// Raise changes a node only where that makes callers wait longer, counts
// only those (Effect.Raised), and reports every node its action keeps
// short (Effect.CappedBy); with RaiseOptions.Actions it raises the action
// first, outside any edit. Every node an audit or a raise finds short has
// a Reason, which says what would fix it.
//
// Selection is the one shape both take: flow ids, or types and a name;
// how many flows at once; a progress callback; a configuration cache.
// Audit and Raise return an error before they yield anything when the
// options cannot work or the listing fails: an empty list of ids is an
// error, never every flow; a selection that matches nothing is
// ErrEmptySelection; and Raise resolves every id it is given before it
// writes anything, so that an unknown id fails the run with nothing
// written.
//
// A timeout policy as code (Policy, ParsePolicy; package policy) gives
// each node its own bounds: AuditOptions.Policy judges every node
// (NodeAudit.Verdict) and every flow that cannot be read
// (FlowAudit.Verdict, unreadable: fail closed); RaiseOptions.Policy
// raises each node to its rule's min, never lowering one.
//
// Audit and Raise are safe to call from several goroutines; each run reads
// every action once.
package org
