//go:build !unix

package safefile

// Without O_NOFOLLOW, checkRegular's Stat of the opened file is what
// refuses what is not a regular file.
const (
	noFollow = 0
	nonBlock = 0
)
