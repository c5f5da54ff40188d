package probe

import "errors"

// ErrNoAction: the organisation lists no data action the scratch flow can
// reference (none that is not built-in, a function or a custom
// authentication action); name one in Options.ActionID.
var ErrNoAction = errors.New("probe: no data action to reference")
