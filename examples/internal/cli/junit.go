package cli

import (
	"encoding/xml"
	"io"
)

// JUnit XML, as Jenkins, GitLab and GitHub's test reporters read it: one
// testsuite per group, one testcase per judged item, a failure per
// finding, a skipped element for an item exempt from judging.

// JUnitSuites is the document. It has no skipped count: Jenkins' schema
// (junit-10.xsd) allows one on a testsuite only.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one group of cases.
type JUnitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []JUnitCase `xml:"testcase"`
}

// JUnitCase is one judged item.
type JUnitCase struct {
	ClassName string         `xml:"classname,attr"`
	Name      string         `xml:"name,attr"`
	Failures  []JUnitFailure `xml:"failure,omitempty"`
	Skipped   *JUnitSkipped  `xml:"skipped,omitempty"`
}

// JUnitFailure is one finding.
type JUnitFailure struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
}

// JUnitSkipped says why a case was not judged.
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit counts the cases, failures and skips of each suite, and the
// cases and failures of the whole, and writes the document, indented, with its XML header.
func WriteJUnit(w io.Writer, name string, suites []JUnitSuite) error {
	doc := JUnitSuites{Name: name, Suites: suites}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Tests, s.Failures, s.Skipped = len(s.Cases), 0, 0
		for _, c := range s.Cases {
			if len(c.Failures) > 0 {
				s.Failures++
			}
			if c.Skipped != nil {
				s.Skipped++
			}
		}
		doc.Tests, doc.Failures = doc.Tests+s.Tests, doc.Failures+s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
