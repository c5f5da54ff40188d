package client_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
)

// TestRaiseByEffectiveTimeout: what callers wait at a node is its action's
// own timeout when it uses the suggested one, else the smaller of its
// literal and its action's timeout. A node is changed only when a literal
// of Min makes callers wait longer; a node its action keeps below Min is
// reported as capped, changed or not.
func TestRaiseByEffectiveTimeout(t *testing.T) {
	type want struct {
		changed, raised bool
		before, after   time.Duration
		cappedBy        string
	}
	cases := []struct {
		id         string
		literal    string // "" for the suggested timeout
		action     string
		actionSecs int // 0: the action does not exist
		want       *want
	}{
		{"below, action long enough", "P0D0H0M2S0F", "a8", 8, &want{true, true, 2 * time.Second, 5 * time.Second, ""}},
		{"below, action shorter than min", "P0D0H0M2S0F", "a3", 3, &want{true, true, 2 * time.Second, 3 * time.Second, "a3"}},
		{"below, at the action's limit already", "P0D0H0M4S0F", "a3", 3, &want{false, false, 3 * time.Second, 3 * time.Second, "a3"}},
		{"above min, capped by the action", "P0D0H0M6S0F", "a3", 3, &want{false, false, 3 * time.Second, 3 * time.Second, "a3"}},
		{"suggested, action below min", "", "a3", 3, &want{false, false, 3 * time.Second, 3 * time.Second, "a3"}},
		{"suggested, action long enough", "", "a8", 8, nil},
		{"below, action unknown", "P0D0H0M2S0F", "gone", 0, &want{true, true, 2 * time.Second, 5 * time.Second, ""}},
		{"fine", "P0D0H0M7S0F", "a8", 8, nil},
	}
	var nodes []string
	for i, c := range cases {
		suggested, text := c.literal == "", c.literal
		if suggested {
			text = "P0D0H1M0S0F"
		}
		nodes = append(nodes, fmt.Sprintf(`{"__type":"DataAction","id":"n%d","name":%q,"actionId":%q,"useSuggestedTimeout":%v,`+
			`"timeout":{"config":{"lit":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur"}}`, i, c.id, c.action, suggested, text, text))
	}
	config := `{"name":"Table","flowSequenceItemList":[{"__type":"Task","id":"t","actionList":[` + strings.Join(nodes, ",") + `]}]}`
	srv := clienttest.NewServer(nil)
	t.Cleanup(srv.Close)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Table", Type: "inboundcall", Config: []byte(config)})
	require.NoError(t, err)
	srv.AddDataAction("a3", "Three", 3)
	srv.AddDataAction("a8", "Eight", 8)
	c := srv.Client(t)

	var res client.UpdateResult
	for r, err := range c.RaiseTimeouts(context.Background(), &client.RaiseOptions{FlowIDs: []string{id}, Min: 5 * time.Second,
		UpdateOptions: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err)
		res = r
	}
	effects := map[string]client.Effect{}
	for _, e := range res.Effects {
		effects[e.Node.Name] = e
	}
	changed := map[string]bool{}
	for _, ch := range res.Changes {
		changed[ch.Node.Name] = true
	}
	published, err := flow.Parse(srv.Published(id))
	require.NoError(t, err)
	for i, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			e, reported := effects[tc.id]
			node := published.DataActions()[i]
			if tc.want == nil {
				assert.False(t, reported, "nothing to report")
				assert.False(t, changed[tc.id])
				return
			}
			require.True(t, reported)
			w := tc.want
			assert.Equal(t, w.changed, changed[tc.id], "changed")
			assert.Equal(t, w.raised, e.Raised, "counted as raised")
			assert.Equal(t, w.before, e.Before, "callers waited")
			assert.Equal(t, w.after, e.After, "callers wait")
			assert.Equal(t, w.cappedBy, e.CappedBy, "capped by")
			if w.changed {
				assert.Equal(t, 5*time.Second, node.Timeout, "written")
			} else {
				assert.Equal(t, tc.literal == "", node.UseSuggested, "left as it was")
			}
		})
	}
}
