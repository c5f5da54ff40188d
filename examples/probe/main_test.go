package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gcflow/timeouts/client/probe"
)

func TestAnswerLine(t *testing.T) {
	assert.Equal(t, "POST /api/v2/flows/actions/publish: 202", answerLine(probe.Answer{Request: "POST /api/v2/flows/actions/publish", Status: 202}))
	assert.Equal(t, "POST /api/v2/flows/f/versions: 409 architect.flow.not.locked.by.user Flow 'X' is not locked. [correlation id c-1]",
		answerLine(probe.Answer{Request: "POST /api/v2/flows/f/versions", Status: 409, Code: "architect.flow.not.locked.by.user", Message: "Flow 'X' is not locked.", CorrelationID: "c-1"}))
}
