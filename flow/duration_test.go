package flow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/flow"
)

func TestParseDuration(t *testing.T) {
	good := []struct {
		in   string
		want time.Duration
	}{
		{"P0D0H1M0S0F", time.Minute},
		{"P0D0H0M3S0F", 3 * time.Second},
		{"P0D0H0M0S1500F", 1500 * time.Millisecond},
		{"P0D0H0M90S0F", 90 * time.Second},
		{"P0D0H0M40S0F", 40 * time.Second},
		{"P1D2H3M4S5F", 24*time.Hour + 2*time.Hour + 3*time.Minute + 4*time.Second + 5*time.Millisecond},
		{"P0D0H0M0S0F", 0},
		{"P00D00H00M05S000F", 5 * time.Second},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := flow.ParseDuration(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	bad := []struct{ in, says string }{
		{"", "does not start with P"},
		{"PT1M", "no digits before D"},
		{"P0D0H1M0S", "no digits before F"},
		{"P0D0H1M0F", "want S"},
		{"P0D1M0S0F", "want H"},
		{"P-1D0H0M0S0F", "no digits before D"},
		{"P+1D0H0M0S0F", "no digits before D"},
		{"P0D0H0M5S0Fx", "unexpected text"},
		{"p0d0h0m5s0f", "does not start with P"},
		{"P0D0H0M5.5S0F", "want S"},
		{"P99999999999999999999D0H0M0S0F", "too large"},
		{"P106752D0H0M0S0F", "too large"},
		{"P106751D23H47M16S855F", "too large"},
		{" P0D0H0M5S0F", "does not start with P"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.in, func(t *testing.T) {
			_, err := flow.ParseDuration(tc.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, flow.ErrInvalidDuration)
			assert.Contains(t, err.Error(), tc.says)
			assert.Contains(t, err.Error(), `"`+tc.in+`"`, "the error quotes the text")
		})
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{5 * time.Second, "P0D0H0M5S0F"},
		{90 * time.Second, "P0D0H1M30S0F"},
		{1500 * time.Millisecond, "P0D0H0M1S500F"},
		{time.Minute, "P0D0H1M0S0F"},
		{26*time.Hour + time.Millisecond, "P1D2H0M0S1F"},
		{1500*time.Millisecond + 999*time.Microsecond, "P0D0H0M1S500F"},
		{0, "P0D0H0M0S0F"},
		{-time.Second, "P0D0H0M0S0F"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			got := flow.FormatDuration(tc.in)
			assert.Equal(t, tc.want, got)
			back, err := flow.ParseDuration(got)
			require.NoError(t, err)
			assert.Equal(t, max(tc.in, 0).Truncate(time.Millisecond), back)
		})
	}
}
