package flow_test

import (
	"fmt"
	"time"

	"github.com/gcflow/timeouts/flow"
)

const exampleFlow = `{"name":"Main IVR","type":"inboundcall","flowSequenceItemList":[{"__type":"Task","id":"t1","actionList":[
 {"__type":"DataAction","id":"lookup","name":"CRM lookup","actionId":"custom_-_crm","useSuggestedTimeout":false,
  "timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M3S0F","type":"dur"}},"text":"P0D0H0M3S0F","type":"dur"}},
 {"__type":"DataAction","id":"pay","name":"Payment check","actionId":"custom_-_pay","useSuggestedTimeout":true,
  "timeout":{"config":{"lit":{"pos":1,"text":"P0D0H1M0S0F","type":"dur"}},"text":"P0D0H1M0S0F","type":"dur"}}]}]}`

// List every Data Action with what its timeout is.
func ExampleDocument_DataActions() {
	doc, err := flow.Parse([]byte(exampleFlow))
	if err != nil {
		panic(err)
	}
	fmt.Println(doc.Shape())
	for _, n := range doc.DataActions() {
		fmt.Printf("%s %q %v suggested=%v\n", n.ID, n.Name, n.Timeout, n.UseSuggested)
	}
	// Output:
	// architect
	// lookup "CRM lookup" 3s suggested=false
	// pay "Payment check" 1m0s suggested=true
}

// Raise every Data Action below 5 s; nodes that use their action's suggested
// timeout are left alone.
func ExampleDocument_RaiseTimeouts() {
	doc, err := flow.Parse([]byte(exampleFlow))
	if err != nil {
		panic(err)
	}
	changes, err := doc.RaiseTimeouts(5*time.Second, nil)
	if err != nil {
		panic(err)
	}
	for _, c := range changes {
		fmt.Printf("%s: %v -> %v\n", c.Node.ID, c.From, c.To)
	}
	again, _ := doc.RaiseTimeouts(5*time.Second, nil)
	fmt.Println("second run:", len(again), "changes")
	// Output:
	// lookup: 3s -> 5s
	// second run: 0 changes
}

// Set one node's timeout by id, in the tutorial's document shape.
func ExampleDocument_SetTimeouts() {
	doc, err := flow.Parse([]byte(`{"flowVersion":{"nodes":{"n1":{"type":"DataAction","settings":{"retries":1}}}}}`))
	if err != nil {
		panic(err)
	}
	if _, err := doc.SetTimeouts(flow.Edit{NodeID: "n1", Timeout: 8 * time.Second}); err != nil {
		panic(err)
	}
	fmt.Println(string(doc.Bytes()))
	// Output:
	// {"flowVersion":{"nodes":{"n1":{"type":"DataAction","settings":{"retries":1,"timeout":8000}}}}}
}

func ExampleParseDuration() {
	d, _ := flow.ParseDuration("P0D0H0M90S0F")
	fmt.Println(d, flow.FormatDuration(d))
	// Output: 1m30s P0D0H1M30S0F
}
