//go:build !linux

package session

import "net"

// rawIO: raw system calls (rawIOConn) are Linux's; elsewhere a
// connection's reads and writes are net.Conn's own.
func rawIO(c net.Conn) net.Conn { return c }
