package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/gcflow/timeouts/client"
)

func probeRows(t *testing.T, write bool) *prober {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: "http://127.0.0.1:1", ClientID: "id", ClientSecret: "secret"})
	assert.NoError(t, err)
	return newProber(c, &Options{WriteAction: write})
}

// TestProbeVersionNumbering: the version ids seen after save, check-in,
// save and publish, against the model N+1, N+1, N+2, N+2.
func TestProbeVersionNumbering(t *testing.T) {
	cases := []struct {
		seq  []string
		want Verdict
	}{
		{[]string{"save 1.0", "check-in 1.0", "save 2.0", "publish 2.0"}, Confirmed},
		{[]string{"save 5.0", "check-in 5.0", "save 6.0", "publish 6.0"}, Confirmed},
		{[]string{"save 1.0", "check-in 2.0", "save 3.0", "publish 4.0"}, Differs}, // every step a new number
		{[]string{"save 1.0", "check-in 1.0", "save 2.0", "publish 3.0"}, Differs},
		{[]string{"save none", "check-in 1.0", "save none", "publish 2.0"}, Differs}, // saves not shown
		{[]string{"save 1.0", "check-in 1.0", "save 2.0", "publish v2"}, Differs},    // not numbers
	}
	for _, c := range cases {
		p := probeRows(t, false)
		p.settleVersions(c.seq)
		r := p.row(behaviourVersions)
		assert.Equal(t, c.want, r.Verdict, "%v", c.seq)
		if c.want == Differs {
			assert.NotEmpty(t, r.FixIn)
		}
	}
}

func TestProbeErrorCodes(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		want   bool
	}{
		{409, "architect.flow.locked.by.user", true},
		{409, "ARCHITECT_FLOW_LOCKED_BY_USER", true}, // UPPER_SNAKE, as Genesys' client allows
		{404, "not.found", true},
		{404, "architect.flow.locked.by.user", false}, // known, but not for this status
		{503, "service.unavailable", true},
		{504, "request.timeout", true},
		{409, "flow.locked", false},
		{400, "", false},
	} {
		assert.Equal(t, c.want, knownErrorCode(c.status, c.code), "%d %s", c.status, c.code)
	}
	p := probeRows(t, false)
	p.settleErrorCodes()
	assert.Equal(t, NotChecked, p.row(behaviourErrorCodes).Verdict, "no error seen: nothing to compare")
	p.errs = []*client.APIError{{Status: 409, Code: "architect.flow.not.locked.by.user"}, {Status: 404, Code: "not.found"}, {Status: 404, Code: "not.found"}}
	p.settleErrorCodes()
	assert.Equal(t, Confirmed, p.row(behaviourErrorCodes).Verdict)
	assert.Equal(t, "409 architect.flow.not.locked.by.user, 404 not.found", p.row(behaviourErrorCodes).Observed)
	p.errs = append(p.errs, &client.APIError{Status: 409, Code: "flow.not.locked"})
	p.settleErrorCodes()
	assert.Equal(t, Differs, p.row(behaviourErrorCodes).Verdict)
	assert.Contains(t, p.row(behaviourErrorCodes).Observed, "not in the table: 409 flow.not.locked")
}

func TestProbeCustomTimeoutCompare(t *testing.T) {
	saved := []byte(`{"flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[{"__type":"DataAction","id":"probe-data-action","actionId":"a","useSuggestedTimeout":false,"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M7S0F","type":"dur"}},"text":"P0D0H0M7S0F","type":"dur"}}]}]}`)
	p := probeRows(t, false)
	p.compareCustom(saved, saved)
	assert.Equal(t, Confirmed, p.row(behaviourCustomTimeout).Verdict)
	assert.Contains(t, p.row(behaviourCustomTimeout).Observed, "byte for byte")

	reserialised := []byte("{\n  " + string(saved[1:]))
	p = probeRows(t, false)
	p.compareCustom(saved, reserialised)
	assert.Equal(t, Confirmed, p.row(behaviourCustomTimeout).Verdict)
	assert.Contains(t, p.row(behaviourCustomTimeout).Observed, "re-serialised")

	rewritten := []byte(`{"flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[{"__type":"DataAction","id":"probe-data-action","actionId":"a","useSuggestedTimeout":false,"timeout":{"config":{"lit":{"pos":1,"text":"PT7S","type":"dur"}},"text":"PT7S","type":"dur"}}]}]}`)
	p = probeRows(t, false)
	p.compareCustom(saved, rewritten)
	r := p.row(behaviourCustomTimeout)
	assert.Equal(t, Differs, r.Verdict)
	assert.Equal(t, `accepted and published, but stored as "PT7S", not "P0D0H0M7S0F"`, r.Observed)
	assert.Contains(t, r.Diff, "--- saved\n+++ published\n")
	assert.Equal(t, "flow/edit.go: replacements (the bytes of a custom timeout)", r.FixIn)
}

func TestProbeActionFields(t *testing.T) {
	full := `{"id":"a","name":"CRM","category":"CRM","version":3,"config":{"request":{},"response":{},"timeoutSeconds":8}}`
	assert.Empty(t, actionFieldsMissing(gjson.Parse(full)))
	assert.Equal(t, []string{"category", "config.timeoutSeconds"}, actionFieldsMissing(gjson.Parse(`{"name":"CRM","version":3,"config":{"request":{}}}`)))
	assert.Equal(t, []string{"config", "config.timeoutSeconds", "version"}, actionFieldsMissing(gjson.Parse(`{"name":"CRM","category":"c","version":"3"}`)))
}

// TestProbeRowsAndWriteAction: the PATCH row is there only with
// WriteAction; every row begins "could not check", with what is modelled.
func TestProbeRowsAndWriteAction(t *testing.T) {
	p := probeRows(t, false)
	assert.Len(t, p.rep.Rows, len(probeModel)-2)
	assert.Nil(t, p.row(behaviourActionPatch))
	assert.Nil(t, p.row(behaviourFunctionDraft))
	p = probeRows(t, true)
	assert.Len(t, p.rep.Rows, len(probeModel)-1, "no draft of a function action nobody named")
	assert.Nil(t, p.row(behaviourFunctionDraft))
	c, err := client.New(client.Config{BaseURL: "http://127.0.0.1:1", ClientID: "id", ClientSecret: "secret"})
	require.NoError(t, err)
	p = newProber(c, &Options{WriteAction: true, FunctionActionID: "fn"})
	assert.Len(t, p.rep.Rows, len(probeModel))
	for _, r := range p.rep.Rows {
		assert.Equal(t, NotChecked, r.Verdict)
		assert.NotEmpty(t, r.Modelled)
	}
}

// TestProbeFixPlacesExist: every row's "one place to change" names a file
// of this module that exists and holds the name it points at, so that a
// moved or renamed function cannot leave the probe pointing at nothing.
func TestProbeFixPlacesExist(t *testing.T) {
	for _, m := range probeModel {
		path, rest, ok := strings.Cut(m.fixIn, ": ")
		if !assert.True(t, ok, "%s: %q has no 'file: name'", m.behaviour, m.fixIn) {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		src, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
		if !assert.NoError(t, err, "%s: %s", m.behaviour, m.fixIn) {
			continue
		}
		assert.Contains(t, string(src), name, "%s: %s does not mention %s", m.behaviour, path, name)
	}
}
