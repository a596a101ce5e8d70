package interact

import "golang.org/x/sys/unix"

// The ioctl requests that read and set a terminal's attributes: Linux
// names them TCGETS and TCSETS, the BSDs and macOS TIOCGETA and TIOCSETA.
const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)
