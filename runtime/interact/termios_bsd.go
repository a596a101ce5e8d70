//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package interact

import "golang.org/x/sys/unix"

// See termios_linux.go.
const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)
