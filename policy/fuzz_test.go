package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/policy"
)

// FuzzParse: whatever the bytes, Parse never panics; it returns a policy
// that keeps its own rules (names unique and set, bounds positive, at
// most flow.MaxDataActionTimeout, min not above max, exemptions with a
// flow, a reason and an expiry), or a *policy.Error with a line.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		goodPolicy,
		"version: 1\nrules:\n  - name: voice\n    types: [inboundcall]\n    min: 5s\n    max: 20s\n",
		"version: 1\nrules:\n  - name: v\n    min: 30s\n    max: 20s\n",
		"version: 1\nexemptions:\n  - flow: f\n    reason: r\n    expires: 2027-03-31\n",
		"version: 2\n",
		"rules: [",
		"- a\n- b\n",
		"version: 1\nrules:\n  - name: a\n  - name: a\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse(strings.NewReader(string(data)))
		if err != nil {
			var pe *policy.Error
			if !errors.As(err, &pe) || !errors.Is(err, policy.ErrInvalid) || pe.Line < 0 {
				t.Fatalf("error %v is not a *policy.Error with a line", err)
			}
			return
		}
		names := map[string]bool{}
		for _, r := range p.Rules {
			switch {
			case r.Name == "" || names[r.Name]:
				t.Fatalf("rule name %q empty or repeated", r.Name)
			case r.Min < 0 || r.Max < 0 || r.Min > flow.MaxDataActionTimeout || r.Max > flow.MaxDataActionTimeout:
				t.Fatalf("rule %s: bounds %v, %v", r.Name, r.Min, r.Max)
			case r.Min > 0 && r.Max > 0 && r.Min > r.Max:
				t.Fatalf("rule %s: min %v above max %v", r.Name, r.Min, r.Max)
			}
			names[r.Name] = true
		}
		for _, e := range p.Exemptions {
			if e.Flow == "" || e.Reason == "" || e.Expires.IsZero() {
				t.Fatalf("exemption %+v lacks a flow, a reason or an expiry", e)
			}
		}
		// Judging never panics either.
		n := flow.Node{ID: "n", ActionID: "a", ActionName: "A"}
		p.Judge(policy.Flow{ID: "f", Name: "F", Type: "inboundcall"}, &n, time.Second, true, time.Now())
	})
}
