// Package policy reads a timeout policy as code and judges Data Actions by
// it: named rules that say how long the Data Actions of some flows must
// wait at least and at most, and exemptions with a reason and an expiry.
// It depends on package flow alone, so that a command that reads flow
// documents on disk (examples/fileaudit) judges by it without linking the
// Genesys Cloud client; org.Audit's results are judged by it in
// examples/audit.
package policy

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gcflow/timeouts/flow"
)

// Policy is a timeout policy as code: named rules that say how long the
// Data Actions of some flows must wait at least and at most, and
// exemptions, each with a reason and an expiry. The first rule whose
// selectors all match a node judges it; a node no rule matches is not
// judged. Parse reads one from YAML:
//
//	version: 1
//	rules:                       # the first rule whose selectors all match a node judges it
//	  - name: voice              # required, unique
//	    types: [inboundcall, inqueuecall, outboundcall]   # optional: flow types
//	    flows: ["Main IVR*", demo-flow-04]                # optional: flow name globs or ids
//	    actions: ["Get account*", custom_-_0a1b...]       # optional: action name globs or ids
//	    min: 5s                  # optional: the effective timeout must be at least this
//	    max: 20s                 # optional: and at most this
//	exemptions:
//	  - flow: demo-flow-04       # required: a flow id
//	    node: demo-flow-04-t1-a1 # optional: the whole flow when absent
//	    reason: the vendor fixes this integration in March   # required
//	    expires: 2027-03-31      # required: a date; after it the exemption is itself a finding
type Policy struct {
	Rules      []Rule
	Exemptions []Exemption
}

// Rule is one rule of a policy. Line is where it starts in its file.
type Rule struct {
	Name                  string
	Types, Flows, Actions []string
	Min, Max              time.Duration
	Line                  int
}

// Exemption exempts a flow, or one node of it, from the policy until the
// end of the day Expires (UTC).
type Exemption struct {
	Flow, Node, Reason string
	Expires            time.Time
	Line               int
}

// Finding is what a judged node is found to be.
type Finding string

// The findings, in the order a report gives them.
const (
	// FindingBelowMin: the node waits less than its rule's min.
	FindingBelowMin Finding = "below-min"
	// FindingAboveMax: the node waits more than its rule's max.
	FindingAboveMax Finding = "above-max"
	// FindingUnreadable: what the node waits cannot be known (an
	// expression, a node or an action that cannot be read): fail closed.
	FindingUnreadable Finding = "unreadable"
	// FindingExemptionExpired: the node's exemption has expired; the node
	// is judged as if it had none.
	FindingExemptionExpired Finding = "exemption-expired"
)

// Verdict is how a policy judges one node.
type Verdict struct {
	// Rule is the rule that judges the node; nil when none matches (the
	// node is not judged).
	Rule *Rule
	// Findings are empty when the node keeps its rule, or is exempt.
	Findings []Finding
	// Exempt is the exemption in force for the node, if any; Expired the
	// one that has run out.
	Exempt, Expired *Exemption
}

// Error is a policy file that cannot be a policy: the line of what is
// wrong, and what. It matches ErrInvalid.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Unwrap reports ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// ErrInvalid: a policy file that cannot be a policy (*Error names the
// line).
var ErrInvalid = errors.New("policy: invalid policy")

// Parse reads a policy from YAML. An unknown key, a key given twice in one
// mapping, a rule without a name or with one already used, a type that is
// not one of flow.Types, an empty selector list or entry (a missing key
// selects every one; an empty list never does), a duration that is not one (or is not positive,
// or above flow.MaxDataActionTimeout), a min above its max, an exemption
// without a flow, a reason or an expiry date, a version other than 1, and
// a policy without rules are a *Error naming the line.
func Parse(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Line: yamlLine(err), Msg: "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{Line: 1, Msg: "a policy is a mapping with version, rules and exemptions"}
	}
	p := &Policy{}
	version := 0
	err = eachKey(root.Content[0], func(key string, v *yaml.Node) error {
		switch key {
		case "version":
			if v.Decode(&version) != nil || version != 1 {
				return &Error{Line: v.Line, Msg: fmt.Sprintf("version %s: only version 1 is known", v.Value)}
			}
		case "rules":
			return eachItem(v, func(item *yaml.Node) error { return p.addRule(item) })
		case "exemptions":
			return eachItem(v, func(item *yaml.Node) error { return p.addExemption(item) })
		default:
			return &Error{Line: v.Line, Msg: fmt.Sprintf("unknown key %q (version, rules, exemptions)", key)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case version != 1:
		return nil, &Error{Line: 1, Msg: "no version: say version: 1"}
	case len(p.Rules) == 0:
		return nil, &Error{Line: 1, Msg: "no rules: a policy without one judges nothing"}
	}
	return p, nil
}

func (p *Policy) addRule(item *yaml.Node) error {
	r := Rule{Line: item.Line}
	err := eachKey(item, func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			r.Name = strings.TrimSpace(v.Value)
		case "types":
			err = v.Decode(&r.Types)
			for i := range r.Types {
				r.Types[i] = strings.ToLower(strings.TrimSpace(r.Types[i]))
				if err == nil && !slices.Contains(flow.Types(), r.Types[i]) {
					return &Error{Line: v.Line, Msg: fmt.Sprintf("types: %q is not a flow type (%s)", r.Types[i], strings.Join(flow.Types(), ", "))}
				}
			}
		case "flows":
			err = v.Decode(&r.Flows)
		case "actions":
			err = v.Decode(&r.Actions)
		case "min":
			r.Min, err = policyDuration(v)
		case "max":
			r.Max, err = policyDuration(v)
		default:
			return &Error{Line: v.Line, Msg: fmt.Sprintf("unknown key %q in a rule (name, types, flows, actions, min, max)", key)}
		}
		if err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				return err
			}
			return &Error{Line: v.Line, Msg: fmt.Sprintf("%s: a list of strings, not %s", key, strings.TrimPrefix(err.Error(), "yaml: "))}
		}
		return selector(key, v)
	})
	switch {
	case err != nil:
		return err
	case r.Name == "":
		return &Error{Line: item.Line, Msg: "a rule needs a name"}
	case slices.ContainsFunc(p.Rules, func(o Rule) bool { return o.Name == r.Name }):
		return &Error{Line: item.Line, Msg: fmt.Sprintf("rule name %q is used twice", r.Name)}
	case r.Min > 0 && r.Max > 0 && r.Min > r.Max:
		return &Error{Line: item.Line, Msg: fmt.Sprintf("rule %s: min %v is above max %v", r.Name, r.Min, r.Max)}
	}
	p.Rules = append(p.Rules, r)
	return nil
}

func (p *Policy) addExemption(item *yaml.Node) error {
	e := Exemption{Line: item.Line}
	err := eachKey(item, func(key string, v *yaml.Node) error {
		switch key {
		case "flow":
			e.Flow = strings.TrimSpace(v.Value)
		case "node":
			if e.Node = strings.TrimSpace(v.Value); e.Node == "" {
				return &Error{Line: v.Line, Msg: "node: empty; leave it out to exempt the whole flow"}
			}
		case "reason":
			e.Reason = strings.TrimSpace(v.Value)
		case "expires":
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(v.Value))
			if err != nil {
				return &Error{Line: v.Line, Msg: fmt.Sprintf("expires %q: not a date such as 2027-03-31", v.Value)}
			}
			e.Expires = t
		default:
			return &Error{Line: v.Line, Msg: fmt.Sprintf("unknown key %q in an exemption (flow, node, reason, expires)", key)}
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case e.Flow == "":
		return &Error{Line: item.Line, Msg: "an exemption needs a flow id"}
	case e.Reason == "":
		return &Error{Line: item.Line, Msg: "an exemption needs a reason"}
	case e.Expires.IsZero():
		return &Error{Line: item.Line, Msg: "an exemption needs an expiry date (expires: 2027-03-31)"}
	}
	p.Exemptions = append(p.Exemptions, e)
	return nil
}

// selector refuses a selector list (types, flows, actions) that is empty
// or holds an empty entry: a missing key selects everything, but an empty
// list is never "everything", and an empty entry matches nothing.
func selector(key string, v *yaml.Node) error {
	if key != "types" && key != "flows" && key != "actions" {
		return nil
	}
	if len(v.Content) == 0 {
		return &Error{Line: v.Line, Msg: fmt.Sprintf("%s: an empty list selects nothing; leave the key out to select every one", key)}
	}
	for _, item := range v.Content {
		if strings.TrimSpace(item.Value) == "" {
			return &Error{Line: item.Line, Msg: fmt.Sprintf("%s: an empty entry", key)}
		}
	}
	return nil
}

// policyDuration reads a duration of a policy: Go's form (5s, 1500ms),
// positive, at most flow.MaxDataActionTimeout, whole milliseconds.
func policyDuration(v *yaml.Node) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v.Value))
	switch {
	case err != nil:
		return 0, &Error{Line: v.Line, Msg: fmt.Sprintf("%q is not a duration such as 5s or 1500ms", v.Value)}
	case d <= 0 || d > flow.MaxDataActionTimeout:
		return 0, &Error{Line: v.Line, Msg: fmt.Sprintf("%v is not from 1ms to %v", d, flow.MaxDataActionTimeout)}
	case d%time.Millisecond != 0:
		return 0, &Error{Line: v.Line, Msg: fmt.Sprintf("%v is not a whole number of milliseconds", d)}
	}
	return d, nil
}

// eachKey calls fn with each key of mapping m and its value. A key given
// twice is an error: YAML's decoders take one of the two silently, and a
// policy that says two things at once is not a policy.
func eachKey(m *yaml.Node, fn func(key string, v *yaml.Node) error) error {
	if m.Kind != yaml.MappingNode {
		return &Error{Line: m.Line, Msg: "a mapping (key: value) is expected here"}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if first, dup := seen[k.Value]; dup {
			return &Error{Line: k.Line, Msg: fmt.Sprintf("%q is given twice here (first on line %d)", k.Value, first)}
		}
		seen[k.Value] = k.Line
		if v := m.Content[i+1]; v.Kind == yaml.AliasNode || slices.ContainsFunc(v.Content, func(c *yaml.Node) bool { return c.Kind == yaml.AliasNode }) {
			return &Error{Line: v.Line, Msg: fmt.Sprintf("%s: a YAML alias (*name) is not read here; write the value", k.Value)}
		}
		if err := fn(k.Value, m.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func eachItem(s *yaml.Node, fn func(*yaml.Node) error) error {
	if s.Kind != yaml.SequenceNode {
		return &Error{Line: s.Line, Msg: "a list (- ...) is expected here"}
	}
	for _, item := range s.Content {
		if err := fn(item); err != nil {
			return err
		}
	}
	return nil
}

// yamlLine is the line a yaml error names ("yaml: line 3: ..."), or 1.
func yamlLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line); scanErr == nil && line > 0 {
		return line
	}
	return 1
}

// Flow is what a rule's selectors see of a flow: its id, name and type
// (any letter case).
type Flow struct{ ID, Name, Type string }

// Judge judges node n of flow f on the day now: the first rule that
// matches, and what the node is found to be. waits is what the node
// waits (its effective timeout) when known is set; a node whose wait
// cannot be known is unreadable (fail closed). An exemption in force
// empties the findings; an expired one is a finding itself, and the node
// is judged as if it had none.
func (p *Policy) Judge(f Flow, n *flow.Node, waits time.Duration, known bool, now time.Time) Verdict {
	for i := range p.Rules {
		if r := &p.Rules[i]; r.matchesFlow(f) && r.matchesAction(n) {
			return p.judge(r, f, n.ID, waits, known, now)
		}
	}
	return Verdict{}
}

// JudgeFlow judges flow f, whose Data Actions cannot be read (its
// configuration cannot be), on the day now. The first rule whose types and
// flows match f judges it, whatever the rule's actions say, since any of
// the flow's Data Actions may be one the rule judges: the flow is
// unreadable (fail closed) unless an exemption of the whole flow is in
// force. Rule is nil when no rule can match f.
func (p *Policy) JudgeFlow(f Flow, now time.Time) Verdict {
	for i := range p.Rules {
		if r := &p.Rules[i]; r.matchesFlow(f) {
			return p.judge(r, f, "", 0, false, now)
		}
	}
	return Verdict{}
}

// judge is the verdict of rule r on node (the whole flow when node is "")
// of flow f.
func (p *Policy) judge(r *Rule, f Flow, node string, waits time.Duration, known bool, now time.Time) Verdict {
	v := Verdict{Rule: r}
	for i := range p.Exemptions {
		e := &p.Exemptions[i]
		if e.Flow != f.ID || (e.Node != "" && e.Node != node) {
			continue
		}
		if !now.UTC().After(e.Expires.Add(24*time.Hour - time.Nanosecond)) {
			v.Exempt = e
			return v
		}
		v.Expired = e
	}
	if v.Expired != nil {
		v.Findings = append(v.Findings, FindingExemptionExpired)
	}
	switch {
	case !known:
		v.Findings = append(v.Findings, FindingUnreadable)
	case r.Min > 0 && waits < r.Min:
		v.Findings = append(v.Findings, FindingBelowMin)
	case r.Max > 0 && waits > r.Max:
		v.Findings = append(v.Findings, FindingAboveMax)
	}
	return v
}

// Bounds says a rule's limits: "5s to 20s", "at least 10s", "at most 20s",
// or "no bound".
func (r *Rule) Bounds() string {
	switch {
	case r.Min > 0 && r.Max > 0:
		return fmt.Sprintf("%v to %v", r.Min, r.Max)
	case r.Min > 0:
		return fmt.Sprintf("at least %v", r.Min)
	case r.Max > 0:
		return fmt.Sprintf("at most %v", r.Max)
	}
	return "no bound"
}

// matchesFlow reports whether r's types and flows match flow f.
func (r *Rule) matchesFlow(f Flow) bool {
	if len(r.Types) > 0 && !slices.Contains(r.Types, strings.ToLower(f.Type)) {
		return false
	}
	return len(r.Flows) == 0 || slices.ContainsFunc(r.Flows, func(s string) bool { return s == f.ID || glob(s, f.Name) })
}

// matchesAction reports whether r's actions match node n's action.
func (r *Rule) matchesAction(n *flow.Node) bool {
	return len(r.Actions) == 0 || slices.ContainsFunc(r.Actions, func(s string) bool { return s == n.ActionID || glob(s, n.ActionName) })
}

// glob matches name against a pattern with *, ? and [...] (path.Match's
// syntax), case sensitive as names are. A name is not a path: * and ?
// match "/" too ("Main IVR*" matches "Main IVR / Billing"), so "/" is
// swapped for a byte no name holds on both sides before path.Match.
func glob(pattern, name string) bool {
	const slash = "\x00"
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", slash), strings.ReplaceAll(name, "/", slash))
	return err == nil && ok
}
