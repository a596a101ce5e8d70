package session

import (
	"net"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// A read deadline left by an earlier call may be reused when it is only a
// little earlier than a call's own; reaching it, the call must go on
// waiting until its own deadline: the timeout stays a total per call.
func TestReusedDeadlineIsNotEarly(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		c.Write([]byte("a\r\n"))
		time.Sleep(500 * time.Millisecond)
	})
	s := dial(t, addr, Options{Timeout: 2 * time.Second})
	const d = 300 * time.Millisecond
	if l, err := s.ReadLine(bg, d); err != nil || l != "a" {
		t.Fatalf("ReadLine = %q, %v", l, err)
	}
	time.Sleep(3 * time.Millisecond) // within deadlineSlack(d): the first deadline is kept
	start := time.Now()
	_, err := s.Expect(bg, cases(`^b`), d)
	el := time.Since(start)
	wantKind(t, err, failure.Timeout)
	if el < d {
		t.Errorf("timed out after %v, before the call's %v", el, d)
	}
}
