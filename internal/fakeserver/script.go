package fakeserver

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Script is a server that plays a canned conversation, one line of the
// script per step:
//
//	S: text        send text + CRLF
//	SR: "quoted"   send the Go-quoted bytes as they are
//	C: text        read one line from the client; it must equal text
//	C: *           read one line, any content
//	SLEEP: 0.1     pause (seconds)
//	CLOSE          close the connection now
//	HANG           wait until the client closes
//	TLS            TLS handshake as the server (TLSConfig: mx.test)
//	TLS-REJECTED   a handshake the client must refuse; ends the script
//	ACCEPT         end of this connection's script; the next connection
//	               plays the lines after it
//	# ...          comment
//
// A step that goes wrong (the client sent something else, a bad line)
// fails the test when it ends. After the last step the server reads
// until the client closes.
type Script struct {
	addr    string
	resplit bool // write in small random pieces
	mu      sync.Mutex
	errs    []string
	got     bytes.Buffer // everything the client sent
}

// Start serves script on 127.0.0.1:0 until the test ends.
func Start(t testing.TB, script string) *Script { return start(t, script, false) }

// StartResplit is Start with every write cut into pieces of 1 to 5 bytes
// that arrive as separate reads: a client's result must not change.
func StartResplit(t testing.TB, script string) *Script { return start(t, script, true) }

func start(t testing.TB, script string, resplit bool) *Script {
	t.Helper()
	sc := &Script{resplit: resplit}
	t.Cleanup(func() { // after the server stopped (cleanups run last-in first-out)
		sc.mu.Lock()
		defer sc.mu.Unlock()
		for _, e := range sc.errs {
			t.Errorf("fake server: %s", e)
		}
	})
	s := listen(t)
	sc.addr = s.ln.Addr().String()
	conns := strings.Split(script, "\nACCEPT\n")
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, c := range conns {
			conn, err := s.ln.Accept()
			if err != nil {
				return
			}
			done := make(chan struct{})
			s.handle(conn, func(conn net.Conn) { defer close(done); sc.play(conn, c) })
			<-done // one connection at a time, in order
		}
	}()
	return sc
}

// Addr is the server's host:port.
func (sc *Script) Addr() string { return sc.addr }

// Received is everything the client sent so far, on every connection.
func (sc *Script) Received() string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.got.String()
}

func (sc *Script) fail(format string, args ...any) {
	sc.mu.Lock()
	sc.errs = append(sc.errs, fmt.Sprintf(format, args...))
	sc.mu.Unlock()
}

func (sc *Script) play(conn net.Conn, script string) {
	defer func() { conn.Close() }() // after TLS, the TLS conn: close_notify first
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(io.TeeReader(conn, recorder{sc}))
	for _, line := range strings.Split(script, "\n") {
		cmd, arg, _ := strings.Cut(line, ": ")
		switch {
		case line == "TLS-REJECTED":
			// The client is expected to refuse the certificate.
			if err := tls.Server(conn, TLSConfig()).Handshake(); err == nil {
				sc.fail("TLS handshake succeeded; the client should have refused the certificate")
			}
			return
		case line == "TLS":
			if br.Buffered() > 0 {
				sc.fail("client sent data before the TLS handshake")
				return
			}
			tc := tls.Server(conn, TLSConfig())
			if err := tc.Handshake(); err != nil {
				sc.fail("TLS handshake: %v", err)
				return
			}
			conn = tc
			br = bufio.NewReader(io.TeeReader(conn, recorder{sc}))
		case line == "" || strings.HasPrefix(line, "#"):
		case cmd == "S":
			sc.write(conn, arg+"\r\n")
		case cmd == "SR":
			b, err := strconv.Unquote(arg)
			if err != nil {
				sc.fail("bad SR line %q", line)
				return
			}
			sc.write(conn, b)
		case cmd == "C":
			got, err := br.ReadString('\n')
			if err != nil {
				sc.fail("waiting for %q: %v", arg, err)
				return
			}
			got = strings.TrimRight(got, "\r\n")
			if arg != "*" && got != arg {
				sc.fail("client sent %q, want %q", got, arg)
				return
			}
		case cmd == "SLEEP":
			f, _ := strconv.ParseFloat(arg, 64)
			time.Sleep(time.Duration(f * float64(time.Second)))
		case line == "CLOSE":
			return
		case line == "HANG":
			io.Copy(io.Discard, br)
			return
		default:
			sc.fail("bad script line %q", line)
			return
		}
	}
	// End of script: let the client finish reading, then close.
	io.Copy(io.Discard, br)
}

// write sends data, in resplit mode as pieces of 1 to 5 bytes with a
// short pause between them so that they arrive as separate reads.
func (sc *Script) write(conn net.Conn, data string) {
	if !sc.resplit {
		io.WriteString(conn, data)
		return
	}
	for len(data) > 0 {
		n := min(len(data), 1+mrand.IntN(5))
		io.WriteString(conn, data[:n])
		data = data[n:]
		time.Sleep(50 * time.Microsecond)
	}
}

// recorder appends what the client sent to Received.
type recorder struct{ sc *Script }

func (w recorder) Write(p []byte) (int, error) {
	w.sc.mu.Lock()
	defer w.sc.mu.Unlock()
	return w.sc.got.Write(p)
}
