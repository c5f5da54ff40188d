package clienttest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// Deviation names one way the organisation can behave unlike the modelled
// platform: each changes exactly one behaviour that the module models but
// no public source confirms, so that client.Probe can be shown to notice.
type Deviation string

// The deviations.
const (
	// DeviatePublish202: publish answers 202 Accepted instead of 200.
	DeviatePublish202 Deviation = "publish-202"
	// DeviateCheckoutAgain409: a check-out by the lock's own holder is
	// refused with 409 architect.flow.locked.by.user.
	DeviateCheckoutAgain409 Deviation = "checkout-again-409"
	// DeviateRevertKeepsLock: revert discards the draft but keeps the lock.
	DeviateRevertKeepsLock Deviation = "revert-keeps-lock"
	// DeviateCustomTimeoutRewritten: a saved configuration's duration
	// literals ("P0D0H0M7S0F") are stored in another form ("PT7S").
	DeviateCustomTimeoutRewritten Deviation = "custom-timeout-rewritten"
	// DeviateWrongSecret400: the token endpoint answers 400, not 401, for
	// a wrong secret.
	DeviateWrongSecret400 Deviation = "wrong-secret-400"
	// DeviateActionPatchKeepsVersion: a data action PATCH leaves the
	// action's version as it was.
	DeviateActionPatchKeepsVersion Deviation = "action-patch-keeps-version"
)

// Deviations lists every Deviation.
func Deviations() []Deviation {
	return []Deviation{DeviatePublish202, DeviateCheckoutAgain409, DeviateRevertKeepsLock,
		DeviateCustomTimeoutRewritten, DeviateWrongSecret400, DeviateActionPatchKeepsVersion}
}

// ParseDeviation checks a deviation's name.
func ParseDeviation(name string) (Deviation, error) {
	d := Deviation(name)
	if !slices.Contains(Deviations(), d) {
		return "", fmt.Errorf("clienttest: no deviation %q (known: %v)", name, Deviations())
	}
	return d, nil
}

// deviates reports whether the organisation was made with d.
func (o *Org) deviates(d Deviation) bool {
	return slices.Contains(o.opts.Deviations, d)
}

var durationLiteral = regexp.MustCompile(`"P0D(\d+)H(\d+)M(\d+)S(\d+)F"`)

// rewriteDurations is DeviateCustomTimeoutRewritten: each Architect
// duration literal becomes an ISO 8601 one.
func rewriteDurations(config []byte) []byte {
	return durationLiteral.ReplaceAllFunc(config, func(m []byte) []byte {
		p := durationLiteral.FindSubmatch(m)
		h, _ := strconv.Atoi(string(p[1]))
		mi, _ := strconv.Atoi(string(p[2]))
		sec, _ := strconv.Atoi(string(p[3]))
		ms, _ := strconv.Atoi(string(p[4]))
		return fmt.Appendf(nil, `"PT%dH%dM%d.%03dS"`, h, mi, sec, ms)
	})
}
