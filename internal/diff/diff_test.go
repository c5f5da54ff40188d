package diff

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnified(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	b := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\n"
	assert.Equal(t, `--- x
+++ y
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -9,3 +9,4 @@
 i
 j
 k
+l
`, Unified("x", "y", a, b))
	assert.Empty(t, Unified("x", "y", a, a))
	assert.Equal(t, "--- x\n+++ y\n@@ -0,0 +1 @@\n+new\n", Unified("x", "y", "", "new\n"))
	assert.Equal(t, "--- x\n+++ y\n@@ -1 +0,0 @@\n-old\n", Unified("x", "y", "old\n", ""))
}

// TestUnifiedApplies checks on many edits that the diff's - and context lines
// rebuild a and its + and context lines rebuild b.
func TestUnifiedApplies(t *testing.T) {
	base := strings.Split(strings.Repeat("line\n", 0)+"0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", " ")
	for mask := 1; mask < 1<<10; mask += 37 {
		var b []string
		for i, l := range base {
			switch {
			case mask&(1<<(i%10)) != 0 && i%3 == 0:
				b = append(b, l+"x")
			case mask&(1<<(i%10)) != 0 && i%3 == 1:
			default:
				b = append(b, l)
			}
		}
		x, y := strings.Join(base, "\n")+"\n", strings.Join(b, "\n")+"\n"
		ops := myers(lines(x), lines(y))
		var ra, rb []string
		for _, o := range ops {
			if o.kind != '+' {
				ra = append(ra, o.text)
			}
			if o.kind != '-' {
				rb = append(rb, o.text)
			}
		}
		assert.Equal(t, lines(x), ra)
		assert.Equal(t, lines(y), rb)
	}
}
