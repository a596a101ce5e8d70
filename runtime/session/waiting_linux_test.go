package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
)

// waitingConns are the two ways a direct connection reads and waits:
// in ppoll (Options.SyscallWait) or with raw system calls in the
// network poller (the default).
var waitingConns = []struct {
	name string
	wrap func(net.Conn) net.Conn
}{
	{"ppoll", pollWait},
	{"raw", rawIO},
}

// wrappedPair is a connection to a listener on 127.0.0.1 wrapped by wrap
// (which must wrap it), and the server's end.
func wrappedPair(t *testing.T, wrap func(net.Conn) net.Conn) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); srv.Close() })
	wc := wrap(c)
	if wc == c {
		t.Fatalf("%T was not wrapped", c)
	}
	return wc, srv
}

// TestWaitingConns: a connection waiting in ppoll, or reading with raw
// system calls, reads, writes, times out at its deadline (not before, not
// much after), is woken by a deadline or a Close from another goroutine
// (within pollSlice), and reports EOF and errors as the net package does.
func TestWaitingConns(t *testing.T) {
	for _, w := range waitingConns {
		t.Run(w.name, func(t *testing.T) { testWaitingConn(t, w.wrap) })
	}
}

func testWaitingConn(t *testing.T, wrap func(net.Conn) net.Conn) {
	t.Run("round trip", func(t *testing.T) {
		c, srv := wrappedPair(t, wrap)
		go func() {
			b := make([]byte, 5)
			io.ReadFull(srv, b)
			srv.Write([]byte("+OK " + string(b)))
		}()
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 64)
		n, err := io.ReadAtLeast(c, b, 9)
		if err != nil || string(b[:n]) != "+OK hello" {
			t.Fatalf("read %q, %v", b[:n], err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		const d = 150 * time.Millisecond
		onTime(t, func() string {
			c, _ := wrappedPair(t, wrap)
			start := time.Now()
			c.SetReadDeadline(start.Add(d))
			_, err := c.Read(make([]byte, 8))
			took := time.Since(start)
			var ne net.Error
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("err %v, want a timeout", err)
			}
			if took < d {
				t.Fatalf("timed out after %v, before the deadline %v", took, d)
			}
			if took > d+100*time.Millisecond {
				return fmt.Sprintf("timed out after %v, want %v", took, d)
			}
			return ""
		})
	})
	t.Run("passed deadline wins over waiting data", func(t *testing.T) {
		c, srv := wrappedPair(t, wrap)
		srv.Write([]byte("+OK\r\n"))
		time.Sleep(20 * time.Millisecond)
		c.SetReadDeadline(time.Unix(1, 0))
		if n, err := c.Read(make([]byte, 8)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read %d, %v; want a timeout, as net's poller gives", n, err)
		}
		c.SetReadDeadline(time.Time{})
		if n, err := c.Read(make([]byte, 8)); err != nil || n != 5 {
			t.Fatalf("after the deadline is cleared: %d, %v", n, err)
		}
	})
	t.Run("deadline from another goroutine", func(t *testing.T) {
		onTime(t, func() string {
			c, _ := wrappedPair(t, wrap)
			time.AfterFunc(50*time.Millisecond, func() { c.SetDeadline(time.Unix(1, 0)) })
			start := time.Now()
			_, err := c.Read(make([]byte, 8))
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("err %v, want a timeout", err)
			}
			if took := time.Since(start); took > 50*time.Millisecond+pollSlice+100*time.Millisecond {
				return fmt.Sprintf("woken after %v", took)
			}
			return ""
		})
	})
	t.Run("close from another goroutine", func(t *testing.T) {
		c, _ := wrappedPair(t, wrap)
		time.AfterFunc(50*time.Millisecond, func() { c.Close() })
		_, err := c.Read(make([]byte, 8))
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("err %v, want net.ErrClosed", err)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("write after close: %v", err)
		}
	})
	t.Run("eof", func(t *testing.T) {
		c, srv := wrappedPair(t, wrap)
		srv.Write([]byte("bye"))
		srv.Close()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "bye" {
			t.Fatalf("read %q, %v", got, err)
		}
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after EOF: %d, %v", n, err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		c, srv := wrappedPair(t, wrap)
		srv.(*net.TCPConn).SetLinger(0)
		srv.Close()
		_, err := c.Read(make([]byte, 1))
		if err == nil || !strings.Contains(err.Error(), "read tcp 127.0.0.1:") || !strings.Contains(err.Error(), "connection reset by peer") {
			t.Fatalf("err %v, want read tcp ...: connection reset by peer", err)
		}
	})
	t.Run("no allocation per round trip", func(t *testing.T) {
		c, srv := wrappedPair(t, wrap)
		go io.Copy(srv, srv)
		c.SetDeadline(time.Now().Add(time.Minute))
		cmd, b := []byte("NOOP\r\n"), make([]byte, 6)
		if n := testing.AllocsPerRun(200, func() {
			c.Write(cmd)
			io.ReadFull(c, b)
		}); n != 0 {
			t.Errorf("%v allocations per write and read", n)
		}
	})
	t.Run("write waits for room until its deadline", func(t *testing.T) {
		onTime(t, func() string {
			c, _ := wrappedPair(t, wrap) // the server never reads
			c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			n, err := c.Write(make([]byte, 64<<20))
			if !errors.Is(err, os.ErrDeadlineExceeded) || n >= 64<<20 {
				t.Fatalf("wrote %d, %v; want some bytes, then a timeout", n, err)
			}
			if n == 0 { // the deadline passed before the write first ran
				return "wrote nothing before the deadline; want what fits first"
			}
			return ""
		})
	})
}

// TestDirectSessionWaits: a session dialed with SyscallWait waits in
// ppoll, one without reads with raw system calls, and in both Expect's
// timeout and a cancelled context end its wait as they do in the network
// poller.
func TestDirectSessionWaits(t *testing.T) {
	for _, syscallWait := range []bool{true, false} {
		t.Run(fmt.Sprint("SyscallWait=", syscallWait), func(t *testing.T) { testDirectSessionWait(t, syscallWait) })
	}
}

func testDirectSessionWait(t *testing.T, syscallWait bool) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		c.Write([]byte("+OK ready\r\n"))
		c.Read(make([]byte, 1)) // then nothing until the client goes
	})
	ctx := context.Background()
	s, err := Dial(ctx, addr, Options{SyscallWait: syscallWait, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, isPoll := s.raw.(*pollConn)
	_, isRaw := s.raw.(*rawIOConn)
	if isPoll != syscallWait || isRaw == syscallWait {
		t.Fatalf("SyscallWait %v: the connection is a %T", syscallWait, s.raw)
	}
	if l, err := s.ReadLine(ctx, 0); err != nil || l != "+OK ready" {
		t.Fatalf("ReadLine: %q, %v", l, err)
	}
	start := time.Now()
	_, err = s.ReadLine(ctx, 0)
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "timeout after 200ms") || took < 200*time.Millisecond || took > 400*time.Millisecond {
		t.Fatalf("ReadLine with nothing to read: %v after %v", err, took)
	}
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	start = time.Now()
	_, err = s.ReadLine(cctx, 10*time.Second)
	if took := time.Since(start); err == nil || took > time.Second {
		t.Fatalf("cancelled ReadLine: %v after %v", err, took)
	}
}

// onTime runs a check whose outcome depends on the goroutine being
// scheduled on time, and fails only when it misses three times in a row:
// on a loaded machine (CI runs packages in parallel) one run can be late
// by hundreds of milliseconds, while a wrong wait misses every time.
// check returns "" when on time, or what was late; it fails the test
// itself for errors that do not depend on timing.
func onTime(t *testing.T, check func() string) {
	t.Helper()
	var late []string
	for range 3 {
		miss := check()
		if miss == "" {
			return
		}
		late = append(late, miss)
	}
	t.Errorf("late three times: %s", strings.Join(late, "; "))
}
