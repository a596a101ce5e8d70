// Package fakeserver is the loopback server the tests of every package
// share, instead of each writing its own accept loop: a handler per
// connection (Serve, ServeOne), a scripted conversation in the S:/C:
// notation (Start), a certificate for TLS variants (TLSConfig), and
// loopback addresses nothing listens on (ClosedAddr).
//
// Servers listen on 127.0.0.1:0 and stop when the test ends: the
// listener closes, the handlers get a while to finish, then their
// connections are closed and the test waits for them, so no goroutine
// outlives the test.
package fakeserver

import (
	"net"
	"sync"
	"testing"
	"time"
)

// grace is how long the handlers of an ended test may go on before their
// connections are closed under them.
const grace = 10 * time.Second

// server tracks the connections and handlers of one listener.
type server struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func listen(t testing.TB) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(s.stop)
	return s
}

func (s *server) stop() {
	s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(grace):
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	<-done
}

// handle runs h on c in its own goroutine.
func (s *server) handle(c net.Conn, h func(net.Conn)) {
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
		h(c)
	}()
}

// Serve runs handle for every connection, each in its own goroutine,
// until the test ends, and returns the address. The connection is closed
// when handle returns.
func Serve(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	return serve(t, handle, false)
}

// ServeOne is Serve for the first connection only: the listener closes
// once it is accepted, so a second connect is refused.
func ServeOne(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	return serve(t, handle, true)
}

func serve(t testing.TB, handle func(c net.Conn), once bool) string {
	t.Helper()
	s := listen(t)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := s.ln.Accept()
			if once {
				s.ln.Close()
			}
			if err != nil {
				return
			}
			s.handle(c, handle)
			if once {
				return
			}
		}
	}()
	return s.ln.Addr().String()
}

// ClosedAddr returns a loopback address nothing listens on (a port that
// was free a moment ago): a connect to it is refused. Also what a test
// gives a server it starts itself.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
