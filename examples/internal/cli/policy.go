package cli

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gcflow/timeouts/internal/safefile"
	"github.com/gcflow/timeouts/policy"
)

// ReadPolicy reads a -policy file. Its error is the one line a usage error
// says: "FILE:LINE: what is wrong" for a file that is not a policy.
func ReadPolicy(path string) (*policy.Policy, error) {
	data, err := safefile.ReadRegular(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("-policy: %w", err)
	}
	p, err := policy.Parse(bytes.NewReader(data))
	var pe *policy.Error
	switch {
	case errors.As(err, &pe):
		return nil, fmt.Errorf("%s:%d: %s", path, pe.Line, pe.Msg)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
