package clienttest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
)

// TestZeroOrg: a zero Org is NewOrg(nil): it takes flows, serves the API
// (as a handler in a server of the caller's own) and does a whole update.
func TestZeroOrg(t *testing.T) {
	var o clienttest.Org
	id, err := o.AddFlow(clienttest.FlowSeed{Name: "Zero", Type: "inboundcall", Config: []byte(archConfig)})
	require.NoError(t, err)
	hs := httptest.NewServer(&o)
	defer hs.Close()
	c, err := client.New(client.Config{BaseURL: hs.URL, ClientID: clienttest.DefaultClientID, ClientSecret: clienttest.DefaultClientSecret,
		RequestsPerMinute: -1, PollInterval: time.Millisecond})
	require.NoError(t, err)
	raise := func(d *flow.Document) ([]flow.Change, error) { return d.RaiseTimeouts(5*time.Second, nil) }
	res, err := c.UpdateFlow(context.Background(), id, raise, &client.UpdateOptions{Publish: true})
	require.NoError(t, err)
	assert.True(t, res.Published)
	assert.Len(t, o.Versions(id), 2, "the seed and the published raise")
}

// TestZeroServer: a zero Server sends nothing anywhere: Close is a no-op,
// Client fails the test, and client.New refuses ClientConfig's config.
func TestZeroServer(t *testing.T) {
	var s clienttest.Server
	s.Close()
	_, err := client.New(s.ClientConfig())
	assert.ErrorIs(t, err, client.ErrConfig)
	tb := &recordTB{}
	func() {
		defer func() { _ = recover() }()
		s.Client(tb)
	}()
	assert.Contains(t, tb.fatal, "made by NewServer")
}

// recordTB records Fatalf and stops the goroutine as testing.T does.
type recordTB struct{ fatal string }

func (r *recordTB) Helper()          {}
func (r *recordTB) Cleanup(f func()) {}
func (r *recordTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(r.fatal)
}
