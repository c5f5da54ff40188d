package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/gcflow/timeouts/internal/safefile"
	"github.com/gcflow/timeouts/policy"
)

// ReadPolicy reads a -policy file, once, and names it as a plan records
// it: "<path> sha256:<hex>" of the bytes parsed. Its error is the one line
// a usage error says: "FILE:LINE: what is wrong" for a file that is not a
// policy.
func ReadPolicy(path string) (*policy.Policy, string, error) {
	data, err := safefile.ReadRegular(path, 1<<20)
	if err != nil {
		return nil, "", fmt.Errorf("-policy: %w", err)
	}
	p, err := policy.Parse(bytes.NewReader(data))
	var pe *policy.Error
	switch {
	case errors.As(err, &pe):
		return nil, "", fmt.Errorf("%s:%d: %s", path, pe.Line, pe.Msg)
	case err != nil:
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	return p, path + " sha256:" + hex.EncodeToString(sum[:]), nil
}

// PolicyRules are the SARIF rules of a policy's findings: one per kind.
func PolicyRules() []SARIFRule {
	rule := func(f policy.Finding, short, help string) SARIFRule {
		return SARIFRule{ID: string(f), ShortDescription: SARIFMessage{Text: short}, Help: SARIFMessage{Text: help}}
	}
	return []SARIFRule{
		rule(policy.FindingBelowMin, "A Data Action waits less than its policy rule's min",
			"Callers fall onto the Timeout path before the integration answers. Raise the node's timeout, or its action's own timeoutSeconds when the node uses the suggested timeout or the action gives up first (raise -actions)."),
		rule(policy.FindingAboveMax, "A Data Action waits more than its policy rule's max",
			"Callers sit in silence longer than the rule allows. Lower the node's timeout, or its action's own timeoutSeconds."),
		rule(policy.FindingUnreadable, "What a Data Action waits cannot be known",
			"Its timeout is an expression, unset or unreadable, or its action cannot be read: it cannot be shown to keep its rule, so it fails closed."),
		rule(policy.FindingExemptionExpired, "A Data Action's policy exemption has expired",
			"The exemption's date has passed; renew it with a new reason and date, or fix the node."),
	}
}

// PolicyUse notes what of a policy judged something in one run: how many
// Data Actions a rule matched, and which rules and exemptions matched one.
// A gate that judged nothing has not passed (Judged is 0); a rule or an
// exemption that matched nothing is most often a renamed flow or a
// misspelt type, which Unused says.
type PolicyUse struct {
	p          *policy.Policy
	Judged     int // verdicts with a rule: Data Actions (exempt ones included) and flows that cannot be read
	rules      map[*policy.Rule]bool
	exemptions map[*policy.Exemption]bool
}

// NewPolicyUse is a PolicyUse of p that has seen nothing.
func NewPolicyUse(p *policy.Policy) *PolicyUse {
	return &PolicyUse{p: p, rules: map[*policy.Rule]bool{}, exemptions: map[*policy.Exemption]bool{}}
}

// Add notes verdict v of one Data Action, or of a flow that cannot be read.
func (u *PolicyUse) Add(v policy.Verdict) {
	if v.Rule == nil {
		return
	}
	u.Judged++
	u.rules[v.Rule] = true
	for _, e := range []*policy.Exemption{v.Exempt, v.Expired} {
		if e != nil {
			u.exemptions[e] = true
		}
	}
}

// Unused are the lines that name each rule and exemption of the policy,
// read from file, that matched no Data Action of what was judged (of,
// such as "the 40 flows audited"), in the file's order: "FILE:LINE: rule
// "voice" matched no Data Action of the 40 flows audited".
func (u *PolicyUse) Unused(file, of string) []string {
	var lines []string
	for i := range u.p.Rules {
		if r := &u.p.Rules[i]; !u.rules[r] {
			lines = append(lines, fmt.Sprintf("%s:%d: rule %q matched no Data Action of %s", file, r.Line, r.Name, of))
		}
	}
	for i := range u.p.Exemptions {
		if e := &u.p.Exemptions[i]; !u.exemptions[e] {
			what := "flow " + e.Flow
			if e.Node != "" {
				what += " node " + e.Node
			}
			lines = append(lines, fmt.Sprintf("%s:%d: the exemption of %s matched no Data Action a rule judges in %s", file, e.Line, what, of))
		}
	}
	return lines
}

// Things is n and noun, plural unless n is 1: "1 file", "2 files".
func Things(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
