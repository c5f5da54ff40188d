package flow

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// durationFields are the designators of Architect's duration text, in order,
// with the length of one unit of each.
var durationFields = [...]struct {
	designator byte
	unit       time.Duration
}{
	{'D', 24 * time.Hour},
	{'H', time.Hour},
	{'M', time.Minute},
	{'S', time.Second},
	{'F', time.Millisecond},
}

// ParseDuration parses Architect's duration text, P<days>D<hours>H<minutes>M
// <seconds>S<milliseconds>F, such as "P0D0H1M0S0F" (one minute). All five
// fields must be present, each a non-negative decimal integer; values need not
// be normalised ("P0D0H0M90S0F" is 90 s). It is not ISO 8601: "PT1M" is an
// error. The error wraps ErrInvalidDuration and quotes the text.
func ParseDuration(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%w %q: %s (want P<days>D<hours>H<minutes>M<seconds>S<milliseconds>F, e.g. P0D0H0M5S0F)", ErrInvalidDuration, s, why)
	}
	if len(s) == 0 || s[0] != 'P' {
		return bad("does not start with P")
	}
	var total time.Duration
	i := 1
	for _, f := range durationFields {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return bad(fmt.Sprintf("no digits before %c at offset %d", f.designator, i))
		}
		if j == len(s) || s[j] != f.designator {
			return bad(fmt.Sprintf("want %c at offset %d", f.designator, j))
		}
		n, err := strconv.ParseUint(s[i:j], 10, 63)
		if err != nil || n > uint64(math.MaxInt64/int64(f.unit)) {
			return bad(fmt.Sprintf("%c field %s is too large", f.designator, s[i:j]))
		}
		add := time.Duration(n) * f.unit
		if total > math.MaxInt64-add {
			return bad("total is too large")
		}
		total += add
		i = j + 1
	}
	if i != len(s) {
		return bad(fmt.Sprintf("unexpected text %q after F", s[i:]))
	}
	return total, nil
}

// durationOf reads valid duration text from raw bytes without allocating; ok
// is false for any text ParseDuration would refuse (then ask it, for the
// error).
func durationOf(b []byte) (d time.Duration, ok bool) {
	if len(b) == 0 || b[0] != 'P' {
		return 0, false
	}
	i := 1
	for _, f := range durationFields {
		var n time.Duration
		j := i
		for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
			if n > (math.MaxInt64/f.unit-9)/10 {
				return 0, false // large: let ParseDuration decide and say why
			}
			n = n*10 + time.Duration(b[j]-'0')
		}
		if j == i || j == len(b) || b[j] != f.designator {
			return 0, false
		}
		if d > math.MaxInt64-n*f.unit {
			return 0, false
		}
		d += n * f.unit
		i = j + 1
	}
	return d, i == len(b)
}

// FormatDuration formats d as normalised Architect duration text with all five
// fields: 5 s is "P0D0H0M5S0F", 90 s is "P0D0H1M30S0F". d is truncated to
// whole milliseconds, Architect's resolution; a negative d formats as zero
// (editing functions refuse such targets before they format them).
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	buf := make([]byte, 0, 24)
	buf = append(buf, 'P')
	for _, f := range durationFields {
		n := d / f.unit
		d -= n * f.unit
		buf = strconv.AppendInt(buf, int64(n), 10)
		buf = append(buf, f.designator)
	}
	return string(buf)
}
