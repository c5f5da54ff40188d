package org

import (
	"errors"
	"fmt"

	"github.com/gcflow/timeouts/client"
)

// ErrEmptySelection: the selection matched no flow. It is an error, never
// a pass: an audit gate that judged nothing has not passed.
var ErrEmptySelection = errors.New("org: no flow matched the selection")

// errNotPlanned: a node under the lock names an action the plan did not
// read (the flow changed between the two reads); it is treated as an
// action that could not be read, since an edit makes no request.
var errNotPlanned = fmt.Errorf("%w: the action was not read before the edit (the flow changed meanwhile)", client.ErrNotFound)
