// Package flow reads and edits the Data Action timeouts of Genesys Cloud
// Architect flow documents held as raw JSON.
//
// A flow's configuration (what GET /api/v2/flows/{id}/latestconfiguration
// returns and POST /api/v2/flows/{id}/versions takes back) is kept as the
// bytes it arrived as. Parse validates it once, detects its shape (the real
// Architect configuration, or the tutorial's flowVersion.nodes document) and
// finds every Call Data Action in a single pass. SetTimeouts and
// RaiseTimeouts make each edit with sjson on the node's own bytes (its
// timeout object, or a tutorial node), then copy the untouched gaps and the
// edited spans into one new buffer: key order, white space, number
// spelling, escapes and fields nobody here knows about stay exactly as they
// were. The Nodes a Document hands out own their strings: keeping them does
// not keep the document.
//
//	doc, err := flow.Parse(config)
//	if err != nil {
//		return err // not JSON (with the byte offset), or neither shape
//	}
//	for _, n := range doc.DataActions() {
//		fmt.Println(n.ID, n.Name, n.Timeout, n.UseSuggested)
//	}
//	changes, err := doc.RaiseTimeouts(5*time.Second, nil)
//	// doc.Bytes() is the edited configuration, ready to save.
//
// Timeouts of other actions (transfers, speech recognition) are never
// touched, nor are expression timeouts. A Data Action whose
// useSuggestedTimeout is true waits for its integration action's own
// config.timeoutSeconds, which only the client package can look up; such a
// node is left alone unless RaiseOptions.OverrideSuggested.
//
// Nothing is edited on a guess: duplicate keys on the way to an edited value,
// two nodes with one id, or a timeout of the wrong JSON type is an error, and
// a failed call leaves the document as it was.
//
// A Document is not safe for concurrent use while it is being edited;
// concurrent reads are safe. The package does no I/O.
package flow
