package flow

import (
	"testing"
	"time"
)

// TestDurationOfAgreesWithParseDuration: the allocation-free reader used by
// Parse accepts only what ParseDuration accepts, with the same value; for
// anything else Parse asks ParseDuration, which says why.
func TestDurationOfAgreesWithParseDuration(t *testing.T) {
	texts := []string{"", "P", "PT5S", "P0D0H0M5S0F", "P0D0H0M0S1500F", "P0D0H0M90S0F", "P1D2H3M4S5F",
		"P0D0H0M5S0", "P0D0H0M5S0FX", "p0D0H0M5S0F", "P0D0H0M-5S0F", "P00D00H00M05S000F",
		"P106751D0H0M0S0F", "P106752D0H0M0S0F", "P9223372036854775807D0H0M0S0F", "P0D0H0M0S9223372036854775807F",
		"P0D0H0M0S9223372036854775808F", "P0D2562047H47M16S854F", "P0D2562047H47M16S855F"}
	for ms := time.Duration(0); ms < 200*time.Second; ms += 997 * time.Millisecond {
		texts = append(texts, FormatDuration(ms))
	}
	for _, s := range texts {
		got, ok := durationOf([]byte(s))
		want, err := ParseDuration(s)
		if ok && (err != nil || got != want) {
			t.Errorf("%q: durationOf = %v, ParseDuration = %v, %v", s, got, want, err)
		}
		if !ok && err == nil && want < 100*24*time.Hour {
			t.Errorf("%q: durationOf refused an ordinary duration ParseDuration reads as %v", s, want)
		}
	}
}
