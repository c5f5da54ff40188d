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
//
// A tour in ten lines:
//
//	doc, err := flow.Parse(config) // the JSON of a flow version
//	if err != nil {
//		log.Fatal(err)
//	}
//	for _, n := range doc.DataActions() {
//		fmt.Println(n.Name, n.Timeout, n.UseSuggested)
//	}
//	changes, err := doc.RaiseTimeouts(5*time.Second, nil)
//	fmt.Println(len(changes), "timeouts raised")
//	os.WriteFile("flow.json", doc.Bytes(), 0o644) // every other byte as it was
package timeouts
