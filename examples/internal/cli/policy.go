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
