//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

// Package termios changes a terminal's attributes the same way on Linux,
// macOS and the BSDs, whose ioctl requests for reading and setting them
// have different names (TCGETS/TCSETS, TIOCGETA/TIOCSETA): one place for
// what spawn's pseudo-terminal and interact's console both do.
package termios

import "golang.org/x/sys/unix"

// Update reads fd's attributes, lets change edit them and sets them; a
// failed read sets nothing.
func Update(fd int, change func(*unix.Termios)) error {
	tio, err := unix.IoctlGetTermios(fd, getRequest)
	if err != nil {
		return err
	}
	change(tio)
	return unix.IoctlSetTermios(fd, setRequest, tio)
}
