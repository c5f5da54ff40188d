package org_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/flow"
)

// FuzzParsePlan: whatever the bytes, ParsePlan never panics; it returns a
// plan whose every change and action can be applied (an id, a timeout in
// range), or ErrPlanInvalid.
func FuzzParsePlan(f *testing.F) {
	golden, err := os.ReadFile("testdata/plan.golden.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(`{"format":"gcflow-timeouts/plan/v1","organization":"x","target":"","policy":"p.yaml sha256:00","flows":[],"actions":[]}`))
	f.Add([]byte(`{"format":"gcflow-timeouts/plan/v1","organization":"x","target":"","flows":[],"actions":[]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := org.ParsePlan(data)
		if err != nil {
			if !errors.Is(err, org.ErrPlanInvalid) {
				t.Fatalf("error %v is not ErrPlanInvalid", err)
			}
			return
		}
		if p.Organization == "" || (p.Target == "" && p.Policy == "") {
			t.Fatalf("a plan with no organization, or neither target nor policy: %+v", p)
		}
		for _, pf := range p.Flows {
			for _, ch := range pf.Changes {
				if ch.NodeID == "" || ch.ToMs <= 0 || time.Duration(ch.ToMs)*time.Millisecond > flow.MaxDataActionTimeout {
					t.Fatalf("change %+v cannot be applied", ch)
				}
			}
		}
		for _, a := range p.Actions {
			if a.ID == "" || a.ToSeconds <= 0 || a.ToSeconds > 60 {
				t.Fatalf("action %+v cannot be applied", a)
			}
		}
	})
}
