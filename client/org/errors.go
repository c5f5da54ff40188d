package org

import (
	"errors"
	"fmt"

	"github.com/gcflow/timeouts/client"
)

// ErrEmptySelection: the selection matched no flow. It is an error, never
// a pass: an audit gate that judged nothing has not passed.
var ErrEmptySelection = errors.New("org: no flow matched the selection")

// Plan errors: a plan file that cannot be one, a plan for another
// organisation, and a plan that the organisation moved away from since it
// was made (*PlanMovedError says what moved). Nothing is written after
// any of them.
var (
	ErrPlanInvalid      = errors.New("org: invalid plan")
	ErrPlanOrganization = errors.New("org: the plan belongs to another organisation")
	ErrPlanMoved        = errors.New("org: the organisation changed since the plan")
)

// errNotPlanned: a node under the lock names an action the plan did not
// read (the flow changed between the two reads); it is treated as an
// action that could not be read, since an edit makes no request.
var errNotPlanned = fmt.Errorf("%w: the action was not read before the edit (the flow changed meanwhile)", client.ErrNotFound)
