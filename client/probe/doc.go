// Package probe settles, on a sandbox organisation, every behaviour of
// Genesys Cloud that this module models without a first-party source: Run
// creates one scratch workflow, saves, checks in, publishes and reverts
// it, reads one data action (and, when asked, PATCHes it with itself), and
// deletes the scratch flow, also on failure and cancellation.
//
//	rep, err := probe.Run(ctx, c, &probe.Options{ActionID: "custom_-_..."})
//	for _, r := range rep.Rows {
//		fmt.Println(r.Behaviour, r.Verdict, r.Observed, r.FixIn)
//	}
//
// Each Row of the Report says what the module models, what the platform
// did, and a Verdict: Confirmed, Differs (FixIn names the one place in code
// to change) or NotChecked (Why says why). The probe sends its requests
// through the client's exported API only (NewRequest and Do for the flow it
// creates and deletes).
//
// Run is safe to call from several goroutines, each with its own scratch
// flow; a Report is not safe for concurrent use.
package probe
