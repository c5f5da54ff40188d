package probe_test

import (
	"context"
	"fmt"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/probe"
)

// Probe the modelled behaviours, here against a fake organisation made to
// deviate in one way: on a real sandbox organisation, the same call tells
// which of the module's models hold.
func ExampleRun() {
	srv, err := clienttest.NewDemoServer(&clienttest.Options{RequestsPerMinute: -1, Deviations: []clienttest.Deviation{clienttest.DeviatePublish202}})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	rep, err := probe.Run(context.Background(), c, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range rep.Rows {
		if r.Verdict != probe.Confirmed {
			fmt.Printf("%s %s: %s; change %s\n", r.Behaviour, r.Verdict, r.Observed, r.FixIn)
		}
	}
	fmt.Println(rep.Count(probe.Confirmed), "confirmed; scratch flow deleted:", rep.ScratchDeleted)
	// Output:
	// publish-status differs: 202; change client/clienttest/routes.go: startOperation (the client accepts any 2xx)
	// 10 confirmed; scratch flow deleted: true
}
