package clitest

import (
	"bytes"
	_ "embed"
	"fmt"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sarifSchema is the SARIF 2.1.0 JSON schema (see
// testdata/sarif-schema-2.1.0.SOURCE).
//
//go:embed testdata/sarif-schema-2.1.0.json
var sarifSchema []byte

// ValidSARIF fails t unless out is a SARIF 2.1.0 log that the schema
// accepts.
func ValidSARIF(t *testing.T, out []byte) {
	t.Helper()
	if err := CheckSARIF(out); err != nil {
		t.Fatal(err)
	}
}

// CheckSARIF says why out is not a SARIF 2.1.0 log the schema accepts, or
// nil.
func CheckSARIF(out []byte) error {
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarifSchema))
	if err != nil {
		return fmt.Errorf("the SARIF schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", schema); err != nil {
		return fmt.Errorf("the SARIF schema: %w", err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		return fmt.Errorf("the SARIF schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("not valid SARIF 2.1.0: %w", err)
	}
	return nil
}
