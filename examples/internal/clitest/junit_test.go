package clitest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCheckJUnit: the schema check refuses what Jenkins' schema refuses,
// so a test that passes it says something.
func TestCheckJUnit(t *testing.T) {
	good := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1"><testsuite name="F (f1)" tests="2" failures="1" skipped="0">
<testcase classname="inboundcall.f1" name="n [n1]"><failure type="below-min" message="waits 2s">below</failure></testcase>
<testcase classname="inboundcall.f1" name="n [n2]"><skipped message="exempt"/></testcase>
</testsuite></testsuites>`
	assert.NoError(t, CheckJUnit([]byte(good)))
	for _, bad := range []string{
		`<testsuites><testsuite name="no tests attribute"></testsuite></testsuites>`,
		`<testsuites><testcase name="a case outside a suite"/></testsuites>`,
		`<testsuites><testsuite tests="1"><testcase classname="c"/></testsuite></testsuites>`,
		`<testsuites><testsuite tests="1"><testcase name="n" rule="not declared"/></testsuite></testsuites>`,
		`<testsuites><testsuite tests="1"><testcase name="n"><warning/></testcase></testsuite></testsuites>`,
		`<testsuites>text where none may stand</testsuites>`,
		`<testsuites><testsuite tests="1">`,
		`not xml`,
	} {
		assert.Error(t, CheckJUnit([]byte(bad)), bad)
	}
}
