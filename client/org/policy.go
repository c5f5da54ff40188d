package org

import (
	"io"

	"github.com/gcflow/timeouts/policy"
)

// Policy is a timeout policy as code: named rules that say how long the
// Data Actions of some flows must wait at least and at most, and
// exemptions with a reason and an expiry. AuditOptions.Policy judges every
// node by it, and RaiseOptions.Policy raises each node to its rule's min.
//
// It is package policy's Policy, named here beside Audit and Raise, which
// take it: package policy depends on package flow alone, so that a program
// that judges flow documents on disk (examples/fileaudit) links no HTTP
// client.
type Policy = policy.Policy

// ParsePolicy reads a policy from YAML (policy.Parse): what cannot be a
// policy is a *policy.Error that names the line, matching
// policy.ErrInvalid.
func ParsePolicy(r io.Reader) (*Policy, error) { return policy.Parse(r) }
