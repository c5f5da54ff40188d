package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func audit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAuditFormatsAgree(t *testing.T) {
	code, text, _ := audit(t, "-demo", "-below", "5s")
	require.Equal(t, 0, code)
	code, js, _ := audit(t, "-demo", "-below", "5s", "-format", "json")
	require.Equal(t, 0, code)
	code, cs, _ := audit(t, "-demo", "-below", "5s", "-format", "csv")
	require.Equal(t, 0, code)

	var rows []Row
	require.NoError(t, json.Unmarshal([]byte(js), &rows))
	records, err := csv.NewReader(strings.NewReader(cs)).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), 50)
	require.Len(t, records, len(rows)+1, "a header and one record per node")
	assert.Equal(t, "flow_id", records[0][0])
	textRows := regexp.MustCompile(`\((demo-flow-\d+-[^)]+)\)`).FindAllStringSubmatch(text, -1)
	require.Len(t, textRows, len(rows))
	assert.Contains(t, text, "Data Actions wait less than 5s")
	for i, r := range rows {
		rec := records[i+1]
		assert.Equal(t, r.FlowID, rec[0])
		assert.Equal(t, r.NodeID, rec[4])
		assert.Equal(t, r.NodeID, textRows[i][1], "the table lists the same nodes in the same order")
		assert.Contains(t, r.Flags, "below-target")
		assert.Equal(t, num(r.EffectiveMS), rec[11])
		if r.TimeoutKind == "unset" {
			assert.Nil(t, r.EffectiveMS, "an unset timeout waits the platform default, unknown here")
			continue
		}
		require.NotNil(t, r.EffectiveMS, r.NodeID)
		assert.Less(t, *r.EffectiveMS, int64(5000))
		if r.UseSuggested {
			assert.Equal(t, *r.ActionTimeoutMS, *r.EffectiveMS, "a suggested node waits what its action waits")
		}
	}
}

func TestAuditAll(t *testing.T) {
	code, js, _ := audit(t, "-demo", "-format", "json", "-type", "workflow")
	require.Equal(t, 0, code)
	var rows []Row
	require.NoError(t, json.Unmarshal([]byte(js), &rows))
	types := map[string]bool{}
	kinds := map[string]bool{}
	for _, r := range rows {
		types[r.FlowType] = true
		kinds[r.TimeoutKind] = true
	}
	assert.Equal(t, map[string]bool{"workflow": true}, types)
	assert.True(t, kinds["expression"] || kinds["literal"])
}

func TestAuditCheckAndUsage(t *testing.T) {
	code, out, _ := audit(t, "-demo", "-check")
	assert.Equal(t, 3, code, "findings below the default 5 s")
	assert.Contains(t, out, "wait less than 5s")
	code, _, _ = audit(t, "-demo", "-check", "-below", "1ms", "-name", "Main IVR")
	assert.Equal(t, 0, code, "nothing waits less than 1 ms")
	for _, args := range [][]string{{"-format", "xml"}, {"extra"}, {"-below", "soon"}, {"-concurrency", "0"}} {
		code, _, _ := audit(t, append([]string{"-demo"}, args...)...)
		assert.Equal(t, 2, code, args)
	}
	code, _, _ = audit(t, "-h")
	assert.Equal(t, 0, code)
}

func TestAuditWithoutCredentials(t *testing.T) {
	t.Setenv("GENESYS_CLOUD_REGION", "")
	t.Setenv("GENESYS_CLOUD_CLIENT_ID", "")
	t.Setenv("GENESYS_CLOUD_CLIENT_SECRET", "")
	t.Setenv("GENESYS_CLOUD_API_URL", "")
	code, _, errOut := audit(t)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no client id")
	assert.Contains(t, errOut, "or try -demo")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line")
}
