package org

import (
	"fmt"

	"github.com/gcflow/timeouts/client"
)

// errNotPlanned: a node under the lock names an action the plan did not
// read (the flow changed between the two reads); it is treated as an
// action that could not be read, since an edit makes no request.
var errNotPlanned = fmt.Errorf("%w: the action was not read before the edit (the flow changed meanwhile)", client.ErrNotFound)
