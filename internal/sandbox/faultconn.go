package sandbox

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// faultConn is every accepted connection: it applies the listener's faults
// on the wire, below TLS and below the protocol libraries, so go-smtp,
// go-imap and the POP3 code need not know about them; and it lets Close end
// a connection whose pause is in progress at once.
type faultConn struct {
	net.Conn
	faults faultSet
	label  string // "pop3 127.0.0.1:41234", for log lines
	logf   func(format string, args ...any)

	closed    chan struct{}
	closeOnce sync.Once
	onClose   func(*faultConn)

	// Read side, used only by the goroutine that reads.
	lines       int
	atLineStart bool
	dropped     bool
	inbound     tlsRecordScanner
	appRecords  int
	finishedSet bool // the client's TLS Finished was accounted for

	// Once the client starts TLS (a record header where a command line
	// would start), lines can no longer be seen: drop-after then counts the
	// client's TLS application-data records, which is one per command for a
	// client that writes a command at a time.
	tls           atomic.Bool
	serverAppData atomic.Bool // the server sent an application-data record (TLS 1.3 handshake)
	writeMu       sync.Mutex
	outbound      tlsRecordScanner
}

// errDropped is what the protocol code reads when drop-after fires; it
// wraps net.ErrClosed so the libraries treat it as a closed connection and
// do not log a spurious error.
type errDropped struct{ spec string }

func (e errDropped) Error() string { return "sandbox fault " + e.spec + ": connection dropped" }
func (e errDropped) Unwrap() error { return net.ErrClosed }

const tlsRecordApplicationData = 23
const tlsRecordHandshake = 22

func newFaultConn(c net.Conn, label string, faults faultSet, logf func(string, ...any), onClose func(*faultConn)) *faultConn {
	return &faultConn{
		Conn:        c,
		faults:      faults,
		label:       label,
		logf:        logf,
		closed:      make(chan struct{}),
		onClose:     onClose,
		atLineStart: true,
	}
}

func (c *faultConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		close(c.closed)
		err = c.Conn.Close()
		if c.onClose != nil {
			c.onClose(c)
		}
	})
	return err
}

func (c *faultConn) Read(p []byte) (int, error) {
	if c.dropped {
		return 0, errDropped{spec: c.dropSpec()}
	}
	n, err := c.Conn.Read(p)
	if c.faults.dropAfter == 0 {
		return n, err
	}
	for i := 0; i < n; i++ {
		if c.countInbound(p[i]) {
			c.dropped = true
			c.logf("%s: fault %s: dropping the connection on the client's line %d", c.label, c.dropSpec(), c.faults.dropAfter)
			c.Close()
			return 0, errDropped{spec: c.dropSpec()}
		}
	}
	return n, err
}

func (c *faultConn) dropSpec() string {
	return Fault{Kind: FaultDropAfter, Count: c.faults.dropAfter}.String()
}

// countInbound takes one byte the client sent and says whether it completes
// the line (or TLS record header) on which drop-after fires.
func (c *faultConn) countInbound(b byte) bool {
	if !c.tls.Load() {
		if c.atLineStart && b == tlsRecordHandshake {
			// No mail command starts with 0x16: this is a ClientHello
			// after STARTTLS/STLS.
			c.tls.Store(true)
		} else {
			c.atLineStart = b == '\n'
			if b == '\n' {
				c.lines++
			}
			return b == '\n' && c.lines >= c.faults.dropAfter
		}
	}
	contentType, isHeader := c.inbound.next(b)
	if !isHeader || contentType != tlsRecordApplicationData {
		return false
	}
	// Under TLS 1.3 the client's Finished travels as the first
	// application-data record; the server has by then sent its own
	// encrypted flight. Under TLS 1.2 Finished is a handshake record.
	if !c.finishedSet {
		c.finishedSet = true
		if c.serverAppData.Load() {
			return false
		}
	}
	c.lines++
	return c.lines >= c.faults.dropAfter
}

func (c *faultConn) Write(p []byte) (int, error) {
	if c.faults.dropAfter > 0 && c.tls.Load() {
		c.writeMu.Lock()
		for _, b := range p {
			if contentType, isHeader := c.outbound.next(b); isHeader && contentType == tlsRecordApplicationData {
				c.serverAppData.Store(true)
			}
		}
		c.writeMu.Unlock()
	}
	if c.faults.slow > 0 && !c.pause(c.faults.slow) {
		return 0, net.ErrClosed
	}
	if c.faults.drip == 0 {
		return c.Conn.Write(p)
	}
	for i := range p {
		if !c.pause(c.faults.drip) {
			return i, net.ErrClosed
		}
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// pause waits d, or less if the connection is closed meanwhile; it reports
// whether the connection is still open.
func (c *faultConn) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.closed:
		return false
	}
}

// tlsRecordScanner follows a TLS byte stream record by record (5-byte
// header: type, version, length) without decrypting anything.
type tlsRecordScanner struct {
	header [5]byte
	have   int
	skip   int
}

// next takes one byte and reports when it completes a record header.
func (s *tlsRecordScanner) next(b byte) (contentType byte, isHeader bool) {
	if s.skip > 0 {
		s.skip--
		return 0, false
	}
	s.header[s.have] = b
	s.have++
	if s.have < len(s.header) {
		return 0, false
	}
	s.have = 0
	s.skip = int(binary.BigEndian.Uint16(s.header[3:5]))
	return s.header[0], true
}

// faultListener hands out faultConns, and answers connections itself when
// the listener's fault is bye: they never reach the protocol code.
type faultListener struct {
	net.Listener
	name   string
	faults *liveFaults
	server *Server
}

func (l *faultListener) Accept() (net.Conn, error) {
	for {
		raw, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		// Each connection keeps the faults in force when it arrived; a
		// switch (Server.SetFaults) applies to the next ones.
		faults := l.faults.get()
		c := l.server.track(raw, l.name, faults)
		if c == nil {
			continue // the server is closing
		}
		if faults.bye {
			l.server.goRun(func() { l.refuse(c) })
			continue
		}
		return c, nil
	}
}

// byeGreetings are the refusals each protocol has for "no service here".
var byeGreetings = map[string]string{
	// No enhanced status code: those come only after EHLO (RFC 2034).
	ListenerSMTP: "554 " + sandboxDomain + " sandbox fault bye: no SMTP service here\r\n",
	ListenerPOP3: "-ERR [SYS/TEMP] sandbox fault bye: no POP3 service here\r\n",
	ListenerIMAP: "* BYE sandbox fault bye: no IMAP service here\r\n",
}

// refuse writes the refusal greeting and closes gently: half-close first
// and give the client a moment to read, so the greeting is not lost to a
// reset.
func (l *faultListener) refuse(c *faultConn) {
	defer c.Close()
	l.server.logf("%s: fault bye: refusing the connection", c.label)
	if _, err := c.Write([]byte(byeGreetings[l.name])); err != nil {
		return
	}
	if tcp, ok := c.Conn.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	c.Conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := c.Conn.Read(buf); err != nil {
			return
		}
	}
}

func connLabel(listener string, c net.Conn) string {
	return fmt.Sprintf("%s %s", listener, c.RemoteAddr())
}
