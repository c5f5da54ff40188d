// Package timeouts is the root of github.com/gcflow/timeouts, a Go module
// that finds and fixes Data Action timeouts in Genesys Cloud Architect flows.
//
// When an integration (a CRM lookup, a payment check) takes longer than a
// flow's Call Data Action waits, callers fall onto the Timeout path and hear
// the wrong thing. This module lists every Data Action with what it really
// waits, raises the timeouts that are too short, and proves that nothing else
// in the flow changed.
//
// The packages:
//
//   - [github.com/gcflow/timeouts/flow]: a flow's configuration as raw JSON;
//     finds Data Actions and edits their timeouts byte for byte.
//   - [github.com/gcflow/timeouts/retry]: exponential backoff that honours
//     Retry-After and knows what is worth repeating.
//   - [github.com/gcflow/timeouts/client]: the Genesys Cloud client, with a
//     safe read-modify-write of one flow (UpdateFlow) and organisation-wide
//     AuditFlows and RaiseTimeouts. Both judge a node by what a caller
//     really waits (its integration action's own timeout caps it), say why
//     whatever is left is short (Reason), and RaiseOptions.Actions raises
//     the actions themselves (SetActionTimeout, ActionConsumers). A
//     ConfigCache (DirCache) keyed by version makes a repeat audit cost the
//     listing and the actions only.
//   - [github.com/gcflow/timeouts/client/clienttest]: an in-memory Genesys
//     Cloud organisation served over HTTP, for tests and demos.
//
// The commands under examples/ (audit, raise, restore, fakeorg, probe) do
// the whole job from a terminal; each takes -demo to run without
// credentials. Probe (client.Probe) settles, on a sandbox organisation, the
// behaviours the module models but no public source confirms.
//
// A short tour:
//
//	cfg, err := client.ConfigFromEnv() // GENESYS_CLOUD_* variables
//	if err != nil {
//		log.Fatal(err)
//	}
//	c, err := client.New(cfg)
//	if err != nil {
//		log.Fatal(err)
//	}
//	opts := &client.RaiseOptions{Min: 5 * time.Second, UpdateOptions: client.UpdateOptions{Publish: true}}
//	for res, err := range c.RaiseTimeouts(ctx, opts) {
//		if err != nil {
//			log.Printf("%s: %v", res.FlowID, err) // locked, draft pending, ...: the run goes on
//			continue
//		}
//		fmt.Println(res.FlowName, len(res.Changes), "raised")
//	}
package timeouts
