// Package loadserver is the benchmark's load server: POP3, SMTP and a
// "lines" firehose, all in memory on 127.0.0.1, written to cost as little
// CPU as possible so that the client's cost dominates a measurement. It
// counts what every client did (commands, logins, deletions committed,
// messages and bytes), so the runner can check that a client really did
// the work it was timed for.
//
// POP3: any user whose password is Password logs in with USER/PASS.
// "big" has one message (Config.BigSize bytes); "boxN" (N < Config.Boxes)
// has Config.PerBox small messages; any other user has an empty
// maildrop. Deletions are counted as committed at QUIT; the maildrops
// never change, so every repetition sees the same data.
//
// SMTP: EHLO/HELO, MAIL, RCPT, DATA (the body is unstuffed and counted),
// RSET, NOOP, QUIT; no TLS, no AUTH, every message accepted.
//
// Lines: the client sends "GEN <bytes>\r\n"; the server answers with
// exactly that many bytes of "250-..." lines (Lines) and then LinesEnd,
// and waits for the client to close.
package loadserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Password is the password of every POP3 user.
const Password = "pw"

// Config sizes the server's data.
type Config struct {
	BigSize   int // raw size of the message of user "big" (W1); 0: none
	Boxes     int // mailboxes box0..box{Boxes-1} (W3)
	PerBox    int // messages in each box
	SmallSize int // raw size of each box message (0: 1024)
}

// Counters are what clients did. The runner takes a Snapshot before and
// after a run and checks the difference.
type Counters struct {
	POP3Conns, SMTPConns, LinesConns int64

	Logins, LoginFails         int64
	Noop, Stat, Uidl, List     int64
	Retr, RetrBytes            int64 // RetrBytes: wire bytes of RETR bodies sent
	Dele, DeleCommitted, Quit  int64 // Quit: POP3 QUIT answered
	Mail, Rcpt, Data, DataBody int64 // Data: messages accepted; DataBody: unstuffed body bytes
	SMTPQuit                   int64
	LinesBytes                 int64 // "250-" bytes sent by the lines listener
	Errors                     int64 // commands answered with -ERR/5xx (unknown, out of sequence)
	BytesIn, BytesOut          int64
}

// Sub returns c - o, field by field.
func (c Counters) Sub(o Counters) Counters {
	return Counters{
		POP3Conns: c.POP3Conns - o.POP3Conns, SMTPConns: c.SMTPConns - o.SMTPConns, LinesConns: c.LinesConns - o.LinesConns,
		Logins: c.Logins - o.Logins, LoginFails: c.LoginFails - o.LoginFails,
		Noop: c.Noop - o.Noop, Stat: c.Stat - o.Stat, Uidl: c.Uidl - o.Uidl, List: c.List - o.List,
		Retr: c.Retr - o.Retr, RetrBytes: c.RetrBytes - o.RetrBytes,
		Dele: c.Dele - o.Dele, DeleCommitted: c.DeleCommitted - o.DeleCommitted, Quit: c.Quit - o.Quit,
		Mail: c.Mail - o.Mail, Rcpt: c.Rcpt - o.Rcpt, Data: c.Data - o.Data, DataBody: c.DataBody - o.DataBody,
		SMTPQuit:   c.SMTPQuit - o.SMTPQuit,
		LinesBytes: c.LinesBytes - o.LinesBytes, Errors: c.Errors - o.Errors,
		BytesIn: c.BytesIn - o.BytesIn, BytesOut: c.BytesOut - o.BytesOut,
	}
}

// counters are the live, atomic counterparts of Counters.
type counters struct {
	pop3Conns, smtpConns, linesConns atomic.Int64
	logins, loginFails               atomic.Int64
	noop, stat, uidl, list           atomic.Int64
	retr, retrBytes                  atomic.Int64
	dele, deleCommitted, quit        atomic.Int64
	mail, rcpt, data, dataBody       atomic.Int64
	smtpQuit                         atomic.Int64
	linesBytes                       atomic.Int64
	errors                           atomic.Int64
	bytesIn, bytesOut                atomic.Int64
}

// Server is a running load server.
type Server struct {
	POP3, SMTP, Lines string // listening addresses, 127.0.0.1:port

	Big   *Message   // user "big"'s message; nil when BigSize is 0
	Small []*Message // the messages of every box

	cfg       Config
	c         counters
	listeners []net.Listener
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	lines     map[int][]byte // Lines(size), generated once per size
}

// Start generates the data and listens on three loopback ports.
func Start(cfg Config) (*Server, error) {
	if cfg.SmallSize <= 0 {
		cfg.SmallSize = 1024
	}
	s := &Server{cfg: cfg, conns: map[net.Conn]struct{}{}}
	if cfg.BigSize > 0 {
		s.Big = NewMessage(cfg.BigSize)
	}
	for i := 0; i < cfg.PerBox; i++ {
		s.Small = append(s.Small, NewMessage(cfg.SmallSize+37*i))
	}
	for _, h := range []struct {
		addr  *string
		serve func(net.Conn)
	}{{&s.POP3, s.servePOP3}, {&s.SMTP, s.serveSMTP}, {&s.Lines, s.serveLines}} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, err
		}
		s.listeners = append(s.listeners, ln)
		*h.addr = ln.Addr().String()
		s.wg.Add(1)
		go s.accept(ln, h.serve)
	}
	return s, nil
}

func (s *Server) accept(ln net.Listener, serve func(net.Conn)) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			serve(c)
		}()
	}
}

// Close stops the listeners and every connection, and waits for them.
func (s *Server) Close() error {
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Snapshot returns the counters now.
func (s *Server) Snapshot() Counters {
	c := &s.c
	return Counters{
		POP3Conns: c.pop3Conns.Load(), SMTPConns: c.smtpConns.Load(), LinesConns: c.linesConns.Load(),
		Logins: c.logins.Load(), LoginFails: c.loginFails.Load(),
		Noop: c.noop.Load(), Stat: c.stat.Load(), Uidl: c.uidl.Load(), List: c.list.Load(),
		Retr: c.retr.Load(), RetrBytes: c.retrBytes.Load(),
		Dele: c.dele.Load(), DeleCommitted: c.deleCommitted.Load(), Quit: c.quit.Load(),
		Mail: c.mail.Load(), Rcpt: c.rcpt.Load(), Data: c.data.Load(), DataBody: c.dataBody.Load(),
		SMTPQuit:   c.smtpQuit.Load(),
		LinesBytes: c.linesBytes.Load(), Errors: c.errors.Load(),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
	}
}

// conn is the per-connection plumbing: a buffered reader and writer that
// count bytes. Replies are flushed only when no further command is
// already buffered, so pipelined commands cost one write.
type conn struct {
	s  *Server
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
}

type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (cw countWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n.Add(int64(n))
	return n, err
}

func (s *Server) newConn(nc net.Conn) *conn {
	return &conn{s: s, nc: nc,
		r: bufio.NewReaderSize(nc, 16<<10),
		w: bufio.NewWriterSize(countWriter{nc, &s.c.bytesOut}, 64<<10)}
}

var errLineTooLong = errors.New("line too long")

// line returns the next line without its CRLF (valid until the next read).
func (c *conn) line() ([]byte, error) {
	l, err := c.r.ReadSlice('\n')
	c.s.c.bytesIn.Add(int64(len(l)))
	if err == bufio.ErrBufferFull {
		return nil, errLineTooLong
	}
	if err != nil {
		return nil, err
	}
	l = l[:len(l)-1]
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	return l, nil
}

// flush writes the replies out unless another command is already waiting.
func (c *conn) flush() error {
	if c.r.Buffered() > 0 {
		return nil
	}
	return c.w.Flush()
}

// verb splits a command line into its upper-cased verb and argument.
func verb(l []byte) (string, []byte) {
	v, arg, _ := bytes.Cut(l, []byte{' '})
	return string(bytes.ToUpper(v)), bytes.TrimSpace(arg)
}

// commands sends the greeting, then hands every command line to handle,
// split by verb, until the client goes away or handle says the session is
// over (its last reply is flushed). Replies go out in batches (flush).
func (c *conn) commands(greeting string, handle func(v string, arg []byte) (end bool)) {
	c.w.WriteString(greeting)
	c.w.Flush()
	for {
		l, err := c.line()
		if err != nil {
			return
		}
		if handle(verb(l)) {
			c.w.Flush()
			return
		}
		if c.flush() != nil {
			return
		}
	}
}

// --- POP3 ---

func (s *Server) servePOP3(nc net.Conn) {
	s.c.pop3Conns.Add(1)
	c := s.newConn(nc)
	var user string
	var msgs []*Message // nil until logged in
	var deleted []bool
	ok := func(text string) { c.w.WriteString("+OK " + text + "\r\n") }
	bad := func(text string) { s.c.errors.Add(1); c.w.WriteString("-ERR " + text + "\r\n") }
	num := func(arg []byte) int { // 0-based message index, -1 when bad
		n, err := strconv.Atoi(string(arg))
		if err != nil || n < 1 || n > len(msgs) || deleted[n-1] {
			return -1
		}
		return n - 1
	}
	c.commands("+OK loadserver POP3 ready\r\n", func(v string, arg []byte) bool {
		if msgs == nil {
			switch v {
			case "USER":
				user = string(arg)
				ok("send PASS")
			case "PASS":
				if user == "" || string(arg) != Password {
					s.c.loginFails.Add(1)
					bad("[AUTH] invalid login")
					break
				}
				msgs = s.maildrop(user)
				deleted = make([]bool, len(msgs))
				s.c.logins.Add(1)
				ok("logged in")
			case "CAPA":
				c.w.WriteString("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
			case "QUIT":
				s.c.quit.Add(1)
				ok("bye")
				return true
			case "NOOP":
				s.c.noop.Add(1)
				ok("")
			default:
				bad("not now")
			}
			return false
		}
		switch v {
		case "NOOP":
			s.c.noop.Add(1)
			c.w.WriteString("+OK\r\n")
		case "STAT":
			s.c.stat.Add(1)
			n, size := 0, 0
			for i, m := range msgs {
				if !deleted[i] {
					n, size = n+1, size+len(m.Raw)
				}
			}
			ok(strconv.Itoa(n) + " " + strconv.Itoa(size))
		case "LIST", "UIDL":
			if v == "LIST" {
				s.c.list.Add(1)
			} else {
				s.c.uidl.Add(1)
			}
			item := func(i int) string {
				if v == "LIST" {
					return strconv.Itoa(i+1) + " " + strconv.Itoa(len(msgs[i].Raw))
				}
				return strconv.Itoa(i+1) + " " + user + "-m" + strconv.Itoa(i+1)
			}
			if len(arg) > 0 {
				if i := num(arg); i >= 0 {
					ok(item(i))
				} else {
					bad("no such message")
				}
				break
			}
			ok("listing follows")
			for i := range msgs {
				if !deleted[i] {
					c.w.WriteString(item(i) + "\r\n")
				}
			}
			c.w.WriteString(".\r\n")
		case "RETR", "DELE":
			i := num(arg)
			if i < 0 {
				bad("no such message")
				break
			}
			if v == "DELE" {
				s.c.dele.Add(1)
				deleted[i] = true
				ok("deleted")
				break
			}
			s.c.retr.Add(1)
			ok(strconv.Itoa(len(msgs[i].Raw)) + " octets")
			c.w.Write(msgs[i].Wire)
			s.c.retrBytes.Add(int64(len(msgs[i].Wire)))
		case "RSET":
			clear(deleted)
			ok("")
		case "CAPA":
			c.w.WriteString("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
		case "QUIT":
			n := 0
			for _, d := range deleted {
				if d {
					n++
				}
			}
			s.c.deleCommitted.Add(int64(n))
			s.c.quit.Add(1)
			ok("bye")
			return true
		default:
			bad("unknown command")
		}
		return false
	})
}

// maildrop returns the messages of user (never nil once logged in).
func (s *Server) maildrop(user string) []*Message {
	if user == "big" && s.Big != nil {
		return []*Message{s.Big}
	}
	if n, ok := strings.CutPrefix(user, "box"); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < s.cfg.Boxes {
			return s.Small
		}
	}
	return []*Message{}
}

// --- SMTP ---

func (s *Server) serveSMTP(nc net.Conn) {
	s.c.smtpConns.Add(1)
	c := s.newConn(nc)
	mail, rcpts := false, 0
	bad := func(text string) { s.c.errors.Add(1); c.w.WriteString(text + "\r\n") }
	c.commands("220 loadserver ESMTP ready\r\n", func(v string, _ []byte) bool {
		if i := bytes.IndexByte([]byte(v), ':'); i >= 0 {
			v = v[:i] // "MAIL FROM:<x>" splits at the space: v is "MAIL"
		}
		switch v {
		case "EHLO":
			c.w.WriteString("250-loadserver\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n")
			mail, rcpts = false, 0
		case "HELO":
			c.w.WriteString("250 loadserver\r\n")
			mail, rcpts = false, 0
		case "MAIL":
			s.c.mail.Add(1)
			mail, rcpts = true, 0
			c.w.WriteString("250 2.1.0 Ok\r\n")
		case "RCPT":
			if !mail {
				bad("503 5.5.1 need MAIL first")
				break
			}
			s.c.rcpt.Add(1)
			rcpts++
			c.w.WriteString("250 2.1.5 Ok\r\n")
		case "DATA":
			if !mail || rcpts == 0 {
				bad("503 5.5.1 need RCPT first")
				break
			}
			c.w.WriteString("354 End data with <CR><LF>.<CR><LF>\r\n")
			if c.w.Flush() != nil {
				return true
			}
			n, err := c.readBody()
			if err != nil {
				return true
			}
			s.c.data.Add(1)
			s.c.dataBody.Add(n)
			mail, rcpts = false, 0
			c.w.WriteString("250 2.0.0 Ok: queued\r\n")
		case "RSET":
			mail, rcpts = false, 0
			c.w.WriteString("250 2.0.0 Ok\r\n")
		case "NOOP":
			s.c.noop.Add(1)
			c.w.WriteString("250 2.0.0 Ok\r\n")
		case "QUIT":
			s.c.smtpQuit.Add(1)
			c.w.WriteString("221 2.0.0 Bye\r\n")
			return true
		default:
			bad("502 5.5.2 unknown command")
		}
		return false
	})
}

// readBody reads a DATA body up to "." CRLF and returns its unstuffed size
// (CRLF line ends included).
func (c *conn) readBody() (int64, error) {
	var n int64
	start := true // at the start of a line
	for {
		l, err := c.r.ReadSlice('\n')
		c.s.c.bytesIn.Add(int64(len(l)))
		if err != nil && err != bufio.ErrBufferFull {
			return n, err
		}
		if start && (string(l) == ".\r\n" || string(l) == ".\n") {
			return n, nil
		}
		if start && len(l) > 0 && l[0] == '.' {
			l = l[1:]
		}
		n += int64(len(l))
		start = err == nil
	}
}

// --- lines ---

// PrepareLines generates the data for "GEN size" ahead of a timed run.
func (s *Server) PrepareLines(size int) { s.linesData(size) }

func (s *Server) linesData(size int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lines == nil {
		s.lines = map[int][]byte{}
	}
	d, ok := s.lines[size]
	if !ok {
		d = Lines(size)
		s.lines[size] = d
	}
	return d
}

func (s *Server) serveLines(nc net.Conn) {
	s.c.linesConns.Add(1)
	c := s.newConn(nc)
	l, err := c.line()
	if err != nil {
		return
	}
	v, arg := verb(l)
	size, err := strconv.Atoi(string(arg))
	if v != "GEN" || err != nil || size < 16 || size > 1<<30 {
		s.c.errors.Add(1)
		c.w.WriteString("500 want GEN <bytes>\r\n")
		c.w.Flush()
		return
	}
	data := s.linesData(size)
	bufs := net.Buffers{data, []byte(LinesEnd)}
	n, err := bufs.WriteTo(nc)
	s.c.bytesOut.Add(n)
	if err != nil {
		return
	}
	s.c.linesBytes.Add(int64(len(data)))
	io.Copy(io.Discard, c.r) // until the client closes
}
