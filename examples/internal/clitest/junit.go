package clitest

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// junitSchema is the Jenkins xUnit plugin's JUnit schema (see
// testdata/junit-10.SOURCE).
//
//go:embed testdata/junit-10.xsd
var junitSchema []byte

// ValidJUnit fails t unless out is a JUnit XML report that the schema
// accepts.
func ValidJUnit(t *testing.T, out []byte) {
	t.Helper()
	if err := CheckJUnit(out); err != nil {
		t.Fatal(err)
	}
}

// xsdElement is what the schema says of one element: its attributes (true
// when required), the elements it may hold, whether text may stand among
// them (mixed), and whether it holds text alone (an xs:string element).
type xsdElement struct {
	attrs    map[string]bool
	children map[string]bool
	mixed    bool
	text     bool
}

// CheckJUnit says why out is not a JUnit report the schema accepts, or
// nil. It checks what the schema's declarations say, with a real XML
// parser (encoding/xml): the root is a declared element, each element is
// one its parent may hold, its attributes are declared and the required
// ones present, and text stands only where the schema allows it. (Every
// attribute of this schema is an xs:string, and every content model an
// unbounded choice or a sequence of one repeated element, so no order or
// count is left to check.)
func CheckJUnit(out []byte) error {
	schema, err := readXSD(junitSchema)
	if err != nil {
		return fmt.Errorf("the JUnit schema: %w", err)
	}
	dec := xml.NewDecoder(bytes.NewReader(out))
	var stack []string
	roots := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not XML: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			decl, ok := schema[name]
			switch {
			case !ok:
				return fmt.Errorf("element <%s> is not in the schema", name)
			case len(stack) == 0 && roots > 0:
				return fmt.Errorf("a second root element <%s>", name)
			case len(stack) > 0 && !schema[stack[len(stack)-1]].children[name]:
				return fmt.Errorf("<%s> may not hold <%s>", stack[len(stack)-1], name)
			}
			if len(stack) == 0 {
				roots++
			}
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if a.Name.Space != "" {
					continue // xmlns and the like
				}
				if _, declared := decl.attrs[a.Name.Local]; !declared {
					return fmt.Errorf("<%s> has no attribute %s in the schema", name, a.Name.Local)
				}
				seen[a.Name.Local] = true
			}
			for a, required := range decl.attrs {
				if required && !seen[a] {
					return fmt.Errorf("<%s> lacks its required attribute %s", name, a)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 || strings.TrimSpace(string(tok)) == "" {
				continue
			}
			if d := schema[stack[len(stack)-1]]; !d.mixed && !d.text {
				return fmt.Errorf("<%s> may not hold text", stack[len(stack)-1])
			}
		}
	}
	if roots != 1 {
		return errors.New("no root element")
	}
	return nil
}

// readXSD reads the top-level element declarations of a schema of this
// kind: xs:element name=... with an xs:string type or an xs:complexType of
// xs:attribute declarations and element refs in xs:sequence and xs:choice.
func readXSD(data []byte) (map[string]*xsdElement, error) {
	type node struct {
		XMLName  xml.Name
		Attrs    []xml.Attr `xml:",any,attr"`
		Children []node     `xml:",any"`
	}
	attr := func(n node, key string) string {
		for _, a := range n.Attrs {
			if a.Name.Local == key {
				return a.Value
			}
		}
		return ""
	}
	var root node
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	out := map[string]*xsdElement{}
	for _, el := range root.Children {
		if el.XMLName.Local != "element" {
			continue
		}
		d := &xsdElement{attrs: map[string]bool{}, children: map[string]bool{}, text: attr(el, "type") == "xs:string"}
		var walk func(n node)
		walk = func(n node) {
			switch n.XMLName.Local {
			case "complexType":
				d.mixed = attr(n, "mixed") == "true"
			case "attribute":
				d.attrs[attr(n, "name")] = attr(n, "use") == "required"
			case "element":
				d.children[attr(n, "ref")] = true
			}
			for _, c := range n.Children {
				walk(c)
			}
		}
		for _, c := range el.Children {
			walk(c)
		}
		out[attr(el, "name")] = d
	}
	if len(out) == 0 {
		return nil, errors.New("no element declared")
	}
	return out, nil
}
