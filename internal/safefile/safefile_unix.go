//go:build unix

package safefile

import "syscall"

// noFollow refuses a symlink as the last element of a path; nonBlock keeps
// the open of a named pipe from waiting for a writer.
const (
	noFollow = syscall.O_NOFOLLOW
	nonBlock = syscall.O_NONBLOCK
)
