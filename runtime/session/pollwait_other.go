//go:build !linux

package session

import "net"

// pollWait: Options.SyscallWait is Linux's (ppoll); elsewhere connections
// wait in Go's network poller.
func pollWait(c net.Conn) net.Conn { return c }
