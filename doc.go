// Package timeouts is the root of github.com/gcflow/timeouts, a Go module
// that finds and fixes Data Action timeouts in Genesys Cloud Architect flows.
//
// When an integration (a CRM lookup, a payment check) takes longer than a
// flow's Call Data Action waits, callers fall onto the Timeout path and hear
// the wrong thing. This module lists every Data Action with what it really
// waits, raises the timeouts that are too short, and proves that nothing else
// in the flow changed.
//
// The packages, each with one job:
//
//   - [github.com/gcflow/timeouts/flow]: a flow's configuration as raw JSON;
//     finds Data Actions and edits their timeouts byte for byte.
//   - [github.com/gcflow/timeouts/retry]: exponential backoff that honours
//     Retry-After and knows what is worth repeating.
//   - [github.com/gcflow/timeouts/client]: the Genesys Cloud client (OAuth,
//     regions, paging, flows, versions, check-out, save, publish) and the
//     safe read-modify-write of one flow, UpdateFlow.
//   - [github.com/gcflow/timeouts/client/org]: an organisation at once:
//     Audit and Raise judge a node by what a caller really waits (its
//     integration action's own timeout caps it), say why whatever is left
//     short is left (Reason), and RaiseOptions.Actions raises the actions
//     themselves.
//   - [github.com/gcflow/timeouts/client/dataaction]: integration actions:
//     read, list, raise one's timeoutSeconds (SetTimeout), and the flows
//     that use it (Consumers).
//   - [github.com/gcflow/timeouts/client/cache]: configurations on disk by
//     version (NewDirCache), so that a repeat audit reads the listing and the
//     actions only.
//   - [github.com/gcflow/timeouts/client/probe]: settles, on a sandbox
//     organisation, the behaviours the module models but no public source
//     confirms.
//   - [github.com/gcflow/timeouts/policy]: a timeout policy as code (rules
//     with min and max, exemptions with an expiry) and the verdict on each
//     Data Action; it depends on flow alone.
//   - [github.com/gcflow/timeouts/client/clienttest]: an in-memory Genesys
//     Cloud organisation served over HTTP, for tests and demos.
//
// The commands under examples/ (audit, raise, restore, probe, fakeorg,
// fileaudit) do the whole job from a terminal; audit, raise, restore and probe
// take -demo to run on an in-process demo organisation without credentials.
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
//	opts := &org.RaiseOptions{Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}
//	results, err := org.Raise(ctx, c, opts)
//	if err != nil {
//		log.Fatal(err) // bad options, or the listing failed: nothing done
//	}
//	for res, err := range results {
//		if err != nil {
//			log.Printf("%s: %v", res.FlowID, err) // locked, draft pending, ...: the run goes on
//			continue
//		}
//		fmt.Println(res.FlowName, len(res.Changes), "raised")
//	}
package timeouts
