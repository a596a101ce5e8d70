//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package termios

import "golang.org/x/sys/unix"

const (
	getRequest = unix.TIOCGETA
	setRequest = unix.TIOCSETA
)
