package session

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/frame"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// readChunk is the size of one read from the connection. Large enough that
// a 64 MiB body costs a thousand reads, small enough to stay in cache.
// A session starts with firstChunk and moves to readChunk when a read
// fills it: most sessions only ever read short replies, and a bulk run
// opens thousands of them.
const (
	readChunk  = 64 << 10
	firstChunk = 1 << 10
)

// Session is one connection to a server. It is not safe for concurrent
// use, except Close, which may be called from another goroutine.
type Session struct {
	addr     Address
	opts     Options
	conn     net.Conn // current transport: TCP or TLS over it
	buf      *expect.Buffer
	readSize int    // the least room a read is given: firstChunk, then readChunk
	line     []byte // SendLine's and SendDot's scratch: what is sent
	eof      bool   // the peer closed; nothing more will arrive
	readErr  error  // why the stream ended, when not a clean EOF
	// eofWhy is a clean EOF that says more than io.EOF (a spawned
	// program's exit status): it names the end in error messages.
	eofWhy error
	guards []expect.Case
	// scanner and allCases are reused by every Expect (one at a time);
	// the scanner (488 bytes) is made by the first: a session that only
	// reads lines, as a bulk row's often does, never needs one.
	scanner  *expect.Scanner
	allCases []expect.Case
	stream   *transcript.Stream
	tee      func([]byte) // see SetTee
	tls      *TLSInfo
	closed   bool
	release  func()   // from Options.Acquire, given back on Close
	rec      Recorder // from Options.Record; nil: not recorded

	// Deadlines and cancellation (see arm and watch): the read and write
	// deadlines set on the connection now (zero: unknown, set anew), and
	// the context whose cancellation unblocks reads and writes.
	rdl, wdl time.Time
	raw      net.Conn // the TCP connection under any TLS: a cancelled context sets its deadlines
	wmu      sync.Mutex
	watched  context.Context
	unwatch  func() bool
	// hooked is watched as the session's own goroutine last set it
	// (Close, from another, clears watched): compared without the lock.
	hooked context.Context
}

// Dial connects to addr ("host:port" or a URL) and, for implicit TLS,
// completes the handshake. It returns errors of kinds connect, tls and usage.
func Dial(ctx context.Context, addr string, opts Options) (*Session, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return nil, err
	}
	if err := opts.TLS.check(); err != nil {
		return nil, err
	}
	if a.TLS {
		opts.ImplicitTLS = true
	}
	ct := opts.ConnectTimeout
	if ct <= 0 {
		ct = opts.timeout()
	}
	release := func() {}
	if opts.Acquire != nil {
		host := a.Host
		if a.Socket != "" {
			host = a.Socket
		}
		if release, err = opts.Acquire(ctx, host); err != nil {
			return nil, err
		}
	}
	dctx, cancel := context.WithTimeout(ctx, ct)
	defer cancel()
	target := Target{Network: "tcp", Addr: a.HostPort(), Label: opts.Label}
	if target.Label == "" {
		target.Label = a.String()
	}
	if sock := socketOf(a, &opts); sock != "" {
		target.Network, target.Addr = "unix", sock
	}
	var conn net.Conn
	var mxNotes []string // said once the session (and its transcript) exists
	if opts.Dial != nil {
		conn, err = opts.Dial(dctx, target)
	} else if a.MX && socketOf(a, &opts) == "" {
		var notes []string
		conn, a, err = dialMX(dctx, a, &opts, func(f string, args ...any) { notes = append(notes, fmt.Sprintf(f, args...)) })
		mxNotes = notes
	} else {
		conn, err = dialConn(dctx, a, &opts)
	}
	if err != nil {
		release()
		var fe *failure.Error
		if errors.As(err, &fe) {
			return nil, fe // a usage error: a bad proxy setting
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
			// The socket's deadline may be the run's (a row's timeout,
			// --max-time: earlier than ct), ending the connect a moment
			// before ctx's own timer says so: that is a stop, not "no
			// answer within ct".
			if pd, ok := ctx.Deadline(); ok {
				if dd, _ := dctx.Deadline(); !pd.After(dd) {
					select {
					case <-ctx.Done():
					case <-time.After(time.Until(pd) + time.Second):
					}
				}
			}
		}
		if ctx.Err() != nil {
			return nil, stopError(stoppedBy(ctx), "", fmt.Sprintf("connecting to %s", a))
		}
		reason := err
		// The socket's deadline (net sets it from dctx's) may end the
		// connect a moment before dctx's own timer says so.
		if (dctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)) && ctx.Err() == nil {
			reason = fmt.Errorf("no answer within %v", ct)
		}
		ferr := &failure.Error{Kind: failure.Connect, Stage: "connect",
			Message: fmt.Sprintf("connect to %s failed: %v", dialedName(a, &opts), reason), Err: err}
		if opts.Record != nil {
			opts.Record(target).DialFailed(ferr)
		}
		return nil, ferr
	}
	if opts.Label == "" && target.Label != "" {
		opts.Label = target.Label // mx:domain names the session, not the host chosen
	}
	s := newSession(conn, a, opts)
	s.release = release
	for _, n := range mxNotes {
		s.stream.Note("%s", n)
	}
	if opts.Record != nil {
		s.rec = opts.Record(target)
	}
	if s.stream != nil { // the arguments would be boxed for nothing
		s.stream.Note("connected to %s (%s)", a, conn.RemoteAddr())
	}
	if opts.ImplicitTLS {
		if err := s.handshake(dctx, &opts.TLS); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// New wraps an established connection, as Dial would after connecting:
// a socket, or any net.Conn such as a spawned program (runtime/spawn),
// whose remote address then names the session.
func New(conn net.Conn, opts Options) *Session {
	remote := conn.RemoteAddr().String()
	host, port, err := net.SplitHostPort(remote)
	if err != nil {
		host, port = remote, ""
		if opts.Label == "" {
			opts.Label = remote
		}
	}
	s := newSession(conn, Address{Host: host, Port: port}, opts)
	if opts.Record != nil {
		s.rec = opts.Record(Target{Network: conn.RemoteAddr().Network(), Addr: remote, Label: s.opts.Label})
	}
	return s
}

func newSession(conn net.Conn, a Address, opts Options) *Session {
	if opts.Label == "" {
		opts.Label = a.String()
	}
	if opts.Transcript == nil && opts.Debug != nil {
		opts.Transcript = transcript.New(opts.Debug, transcript.Text, nil)
	}
	return &Session{
		addr:     a,
		opts:     opts,
		conn:     conn,
		raw:      conn,
		buf:      expect.NewBuffer(opts.MatchMax),
		readSize: firstChunk,
		stream:   opts.Transcript.Stream(opts.Label),
	}
}

func (o *Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// Label returns the session's transcript label.
func (s *Session) Label() string { return s.opts.Label }

// Address returns the address dialed.
func (s *Session) Address() Address { return s.addr }

// MatchMax returns the bound of the receive buffer (match_max), which
// also bounds a whole reply and, by default, a dot-terminated body.
func (s *Session) MatchMax() int { return s.buf.Max() }

// Timeout returns the session's default per-call timeout.
func (s *Session) Timeout() time.Duration { return s.opts.timeout() }

// TLS returns the TLS state, or nil before TLS.
func (s *Session) TLS() *TLSInfo { return s.tls }

// Close closes the connection. It is safe to call more than once.
func (s *Session) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.wmu.Lock()
	if s.unwatch != nil {
		s.unwatch() // the context no longer holds the session
		s.unwatch, s.watched = nil, nil
	}
	s.wmu.Unlock()
	s.stream.Flush() // the server's last incomplete line goes before the note
	s.stream.Note("closed")
	s.stream.Close()
	err := s.conn.Close()
	if s.rec != nil {
		s.rec.Close()
	}
	if s.release != nil {
		s.release()
	}
	return err
}

// callTimeout resolves a per-call timeout (0: the session default).
func (s *Session) callTimeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return s.opts.timeout()
}

// --- sending ---

// Send writes p as is.
func (s *Session) Send(ctx context.Context, p []byte) error {
	s.stream.Sent(p, false)
	return s.write(ctx, p, false)
}

// SendSecret is Send for a payload that must never be seen: the
// transcript shows it as ***.
func (s *Session) SendSecret(ctx context.Context, p []byte) error {
	s.stream.Sent(p, true)
	return s.write(ctx, p, true)
}

// SendLine writes line followed by CRLF. A CR, LF or NUL inside line is
// refused (kind Injection): it would let data (an address, a subject)
// smuggle a second command onto the wire.
func (s *Session) SendLine(ctx context.Context, line string) error {
	return s.sendLine(ctx, line, false)
}

// SendLineSecret is SendLine for a line that must never be seen (AUTH
// PLAIN's response, a password): *** in the transcript and in the
// injection error.
func (s *Session) SendLineSecret(ctx context.Context, line string) error {
	return s.sendLine(ctx, line, true)
}

func (s *Session) sendLine(ctx context.Context, line string, secret bool) error {
	if i := lineBreak(line); i >= 0 {
		shown := line
		if secret {
			shown = "***"
		}
		return &failure.Error{Kind: failure.Injection,
			Message: fmt.Sprintf("refusing to send a line containing %q at byte %d: %q (a CR, LF or NUL would start another command)", line[i], i, clip(shown, 80))}
	}
	// The session's scratch line: a command per expect call allocates
	// nothing here (writers, the transcript and a recorder keep no slice).
	p := append(append(s.line[:0], line...), '\r', '\n')
	if cap(p) <= maxScratch {
		s.line = p
	}
	s.stream.Sent(p, secret)
	return s.write(ctx, p, secret)
}

// lineBreak is the index of the first CR, LF or NUL in line, or -1:
// strings.IndexAny, without its per-call setup (a command is a few bytes).
func lineBreak(line string) int {
	for i := 0; i < len(line); i++ {
		if c := line[i]; c == '\r' || c == '\n' || c == 0 {
			return i
		}
	}
	return -1
}

// maxScratch bounds the buffer a session keeps for SendLine and SendDot.
const maxScratch = 64 << 10

// SendDot sends a body terminated by CRLF.CRLF: line ends normalised to
// CRLF, leading dots doubled (frame.AppendDot). data is only read.
func (s *Session) SendDot(ctx context.Context, data []byte) error {
	// Built in the session's scratch, as SendLine's line: a message per
	// send_dot allocates nothing once the scratch has grown.
	p := frame.AppendDot(s.line[:0], data)
	if cap(p) <= maxScratch {
		s.line = p
	}
	return s.Send(ctx, p)
}

// Tail returns the last n bytes of the unread buffered data, %q-quoted,
// for messages such as "sending while 2 unread lines are buffered".
func (s *Session) Tail(n int) string { return s.buf.Tail(n) }

func (s *Session) write(ctx context.Context, p []byte, secret bool) error {
	if s.closed {
		return failure.New(failure.Usage, "%s: session is closed", s.opts.Label)
	}
	if s.rec != nil {
		s.rec.Sent(p, secret)
	}
	if isDone(ctx) {
		return s.ctxError(stoppedBy(ctx), "sending")
	}
	d := s.opts.timeout()
	s.watch(ctx)
	// A write deadline reused from an earlier call may be a little later
	// than now+d (never earlier: a TLS write that times out breaks the
	// connection), so the timeout may fire up to deadlineSlack late.
	if want := time.Now().Add(d); s.wdl.Before(want) || s.wdl.Sub(want) > deadlineSlack(d) {
		s.wdl = want.Add(deadlineSlack(d))
		s.conn.SetWriteDeadline(s.wdl)
	}
	if isDone(ctx) { // cancelled before the deadline was set: watch's hook may have run
		return s.ctxError(stoppedBy(ctx), "sending")
	}
	_, err := s.conn.Write(p)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return s.ctxError(stoppedBy(ctx), "sending")
	}
	var fe *failure.Error
	if errors.As(err, &fe) {
		return fe // the connection's own verdict: a replay that diverged
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &failure.Error{Kind: failure.Timeout, Err: err,
			Message: fmt.Sprintf("%s: timeout after %v sending %d bytes (the server is not reading)", s.opts.Label, d, len(p))}
	}
	return &failure.Error{Kind: failure.EOF, Err: err,
		Message: fmt.Sprintf("%s: connection lost while sending: %v", s.opts.Label, err)}
}

// --- receiving ---

// fill reads once from the connection into the buffer, waiting at most
// until deadline, the end of a call of timeout d. The returned error is
// errDeadline, a context error, or nil; a closed stream sets s.eof
// instead.
func (s *Session) fill(ctx context.Context, deadline time.Time, d time.Duration) error {
	if s.eof {
		return nil
	}
	if isDone(ctx) {
		return stoppedBy(ctx)
	}
	if s.closed {
		s.eof, s.readErr = true, errors.New("session closed")
		return nil
	}
	s.watch(ctx)
	// A read deadline reused from an earlier call may be a little earlier
	// than this call's; reaching it early, the read is tried again below
	// with the exact deadline, so the call still times out exactly.
	// The slack is the call's, not what is left of it: no clock read.
	if s.rdl.After(deadline) || deadline.Sub(s.rdl) > deadlineSlack(d) {
		s.rdl = deadline
		s.conn.SetReadDeadline(deadline)
	}
	if isDone(ctx) { // cancelled before the deadline was set: watch's hook may have run
		return stoppedBy(ctx)
	}
	room := s.buf.Reserve(s.readSize)
	n, err := s.conn.Read(room)
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil && time.Now().Before(deadline) && !s.rdl.Equal(deadline) {
		s.rdl = deadline // an earlier call's deadline passed: wait until this call's
		s.conn.SetReadDeadline(deadline)
		n, err = s.conn.Read(room)
	}
	if n > 0 {
		s.buf.Commit(n) // overflow is checked by the callers, after matching
		got := room[:n]
		if s.rec != nil {
			s.rec.Received(got)
		}
		s.stream.Received(got)
		if s.tee != nil {
			s.tee(got)
		}
		if n >= s.readSize && s.readSize < readChunk {
			s.readSize = readChunk // a large transfer: read in big chunks
		}
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return stoppedBy(ctx)
	case errors.Is(err, os.ErrDeadlineExceeded):
		if n > 0 {
			return nil
		}
		return errDeadline
	case errors.Is(err, io.EOF):
		if s.rec != nil {
			s.rec.EOF()
		}
		s.eof = true
		if err != io.EOF {
			s.eofWhy = err
		}
	default:
		s.eof, s.readErr = true, err
	}
	return nil
}

var errDeadline = errors.New("deadline")

// deadlineSlack is how far a deadline set by an earlier call may be from
// the one a call wants before it is set again. Setting a deadline moves a
// runtime timer and may wake the network poller; a loop of short commands
// would otherwise do it twice per command.
func deadlineSlack(d time.Duration) time.Duration { return min(50*time.Millisecond, d/64) }

// watch makes a cancellation of ctx unblock the session's reads and
// writes, with one registration per context rather than one per call.
// Callers check ctx (isDone) after setting their deadline: a hook that ran
// before would have been overwritten.
func (s *Session) watch(ctx context.Context) {
	if ctx == s.hooked {
		return // every call but the first of a context: no lock
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if ctx == s.watched || s.closed {
		return
	}
	if s.unwatch != nil {
		s.unwatch()
	}
	raw := s.raw
	s.watched, s.hooked = ctx, ctx
	s.unwatch = context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	s.rdl, s.wdl = time.Time{}, time.Time{} // the last context's hook may have moved them
}

// waitError turns a fill error into the call's error.
func (s *Session) waitError(err error, d time.Duration, what string, awaited []string) error {
	if err == errDeadline {
		return &failure.Error{Kind: failure.Timeout, Awaited: awaited, Tail: s.buf.Tail(tailBytes),
			Message: fmt.Sprintf("%s: timeout after %v waiting for %s; %s", s.opts.Label, d, what, s.received())}
	}
	e := s.ctxError(err, "waiting for "+what).(*failure.Error)
	e.Awaited, e.Tail = awaited, s.buf.Tail(tailBytes)
	e.Message += "; " + s.received()
	return e
}

func (s *Session) ctxError(err error, doing string) error {
	return stopError(err, s.opts.Label+": ", doing)
}

// isDone reports whether ctx is done. Every read and write asks, before
// and after setting its deadline: a receive that cannot block, on the
// open channel of a live context, is a couple of loads, where ctx.Err()
// takes the context's lock.
func isDone(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// stopped is why a call ended before its own timeout: the context's
// error and its cause (context.Cause: --max-time, a signal, a bulk row's
// timeout or the bulk run's interrupt), so that the message can say which.
type stopped struct{ err, cause error }

func stoppedBy(ctx context.Context) error {
	return &stopped{err: ctx.Err(), cause: context.Cause(ctx)}
}

func (e *stopped) Error() string   { return e.err.Error() }
func (e *stopped) Unwrap() []error { return []error{e.err, e.cause} }

// stopError is the timeout-kind error of a call stopped by its context.
func stopError(err error, prefix, doing string) error {
	why := "interrupted"
	if errors.Is(err, context.DeadlineExceeded) {
		why = "run deadline (--max-time) reached"
	}
	var st *stopped
	if errors.As(err, &st) && st.cause != nil && st.cause != st.err {
		why = st.cause.Error()
	}
	return &failure.Error{Kind: failure.Timeout, Err: err,
		Message: fmt.Sprintf("%s%s while %s", prefix, why, doing)}
}

// eofError reports that the stream ended before what was awaited arrived.
func (s *Session) eofError(what string, awaited []string) error {
	how, why := "connection closed by the server", s.readErr
	switch {
	case s.readErr != nil:
		how = "connection lost (" + s.readErr.Error() + ")"
	case s.eofWhy != nil:
		how, why = s.eofWhy.Error(), s.eofWhy
	}
	return &failure.Error{Kind: failure.EOF, Awaited: awaited, Tail: s.buf.Tail(tailBytes), Err: why,
		Message: fmt.Sprintf("%s: %s while waiting for %s; %s", s.opts.Label, how, what, s.received())}
}

// fullError reports that more than match_max bytes are buffered without
// what the call waits for. The data stays in the buffer, never dropped:
// the caller takes it with Drain (until then every read reports the same
// error, without reading more), as bufio.Reader keeps its data on
// ErrBufferFull.
func (s *Session) fullError(what string) error {
	tail := s.buf.Tail(tailBytes)
	return &failure.Error{Kind: failure.Full, Tail: tail,
		Message: fmt.Sprintf("%s: %d bytes buffered without finding %s, more than match_max (%d); last received %s", s.opts.Label, s.buf.Len(), what, s.buf.Max(), tail)}
}

const tailBytes = 120

func (s *Session) received() string {
	if s.buf.Len() == 0 {
		return "nothing unread received"
	}
	return fmt.Sprintf("received %s", s.buf.Tail(tailBytes))
}

// Pending returns the number of unread lines buffered (an incomplete last
// line counts as one).
func (s *Session) Pending() int { return s.buf.Pending() }

// Drain discards everything buffered and returns it.
func (s *Session) Drain() []byte { return s.buf.Drain() }

// ReadLine returns the next line without its line end, or io.EOF when the
// stream ended and nothing is left. At EOF an incomplete last line is
// returned as a line.
func (s *Session) ReadLine(ctx context.Context, timeout time.Duration) (string, error) {
	line, err := s.NextLine(ctx, timeout)
	return string(line), err
}

// NextLine is ReadLine without the copy: the line is the receive
// buffer's, valid until the session's next call.
func (s *Session) NextLine(ctx context.Context, timeout time.Duration) ([]byte, error) {
	d := s.callTimeout(timeout)
	deadline := time.Now().Add(d)
	for {
		if line, ok := s.buf.NextLine(s.eof); ok {
			return line, nil
		}
		if s.eof {
			if s.readErr != nil {
				return nil, s.eofError("a line", nil)
			}
			return nil, io.EOF
		}
		if s.buf.Len() > s.buf.Max() {
			return nil, s.fullError("a line end")
		}
		if err := s.fill(ctx, deadline, d); err != nil {
			return nil, s.waitError(err, d, "a line", nil)
		}
	}
}

// Read returns exactly n bytes (an IMAP literal); no matching happens.
// n may be at most match_max (kind full): the bytes are held in the
// receive buffer.
func (s *Session) Read(ctx context.Context, n int, timeout time.Duration) ([]byte, error) {
	if n < 0 {
		return nil, failure.New(failure.Usage, "read: negative count %d", n)
	}
	if n > s.buf.Max() {
		// The count often comes from the server ("{4294967295}"): the
		// bytes would all be held in the receive buffer.
		return nil, failure.New(failure.Full, "%s: read of %d bytes is more than match_max (%d); raise match_max, or read it in pieces", s.opts.Label, n, s.buf.Max())
	}
	d := s.callTimeout(timeout)
	deadline := time.Now().Add(d)
	for s.buf.Len() < n {
		if s.eof {
			return nil, s.eofError(fmt.Sprintf("%d bytes (have %d)", n, s.buf.Len()), nil)
		}
		if err := s.fill(ctx, deadline, d); err != nil {
			return nil, s.waitError(err, d, fmt.Sprintf("%d bytes (have %d)", n, s.buf.Len()), nil)
		}
	}
	return s.buf.Next(n), nil
}

// TLS upgrade.

// StartTLS upgrades the connection in place, after the server said go
// ahead. Bytes already buffered at that point were sent in plaintext
// after the go-ahead and would be taken as if they came over TLS (the
// CVE-2011-0411 class of response injection), so StartTLS refuses.
func (s *Session) StartTLS(ctx context.Context, opts *TLSOptions) error {
	if s.tls != nil {
		return failure.New(failure.Usage, "%s: TLS is already active", s.opts.Label)
	}
	if n := s.buf.Len(); n > 0 {
		return &failure.Error{Kind: failure.TLS, Stage: "starttls", Tail: s.buf.Tail(tailBytes),
			Message: fmt.Sprintf("%s: refusing STARTTLS: %d bytes arrived in plaintext after the go-ahead (%s); they could be injected responses (CVE-2011-0411)", s.opts.Label, n, s.buf.Tail(tailBytes))}
	}
	o := s.opts.TLS
	if opts != nil {
		o = *opts
	}
	hctx, cancel := context.WithTimeout(ctx, s.opts.timeout())
	defer cancel()
	return s.handshake(hctx, &o)
}

func (s *Session) handshake(ctx context.Context, o *TLSOptions) error {
	if s.opts.Handshake != nil {
		conn, info, err := s.opts.Handshake(ctx, s.conn, *o)
		if err != nil {
			s.stream.Note("TLS handshake failed: %v", err)
			return err
		}
		s.startedTLS(conn, info)
		return nil
	}
	info := &TLSInfo{}
	cfg, err := tlsConfig(s.addr.Host, *o, info)
	if err != nil {
		return err
	}
	tc := tls.Client(s.conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		s.stream.Note("TLS handshake failed: %v", err)
		if ctx.Err() != nil && info.VerifyError == "" {
			// A slow or silent peer is a timeout, not a TLS problem: the
			// bulk runner retries timeouts, and checks report them as such.
			return &failure.Error{Kind: failure.Timeout, Stage: "tls", Err: err,
				Message: fmt.Sprintf("%s: no TLS handshake with %s within the timeout: %v", s.opts.Label, s.addr, err)}
		}
		herr := handshakeError(s.addr.String(), err)
		if s.rec != nil {
			s.rec.TLS(nil, herr)
		}
		return herr
	}
	fillInfo(info, tc.ConnectionState())
	s.startedTLS(tc, info)
	return nil
}

// startedTLS makes conn, now under TLS, the session's connection.
func (s *Session) startedTLS(conn net.Conn, info *TLSInfo) {
	s.conn, s.tls = conn, info
	s.rdl, s.wdl = time.Time{}, time.Time{} // set anew on the TLS connection's first use
	if s.rec != nil {
		s.rec.TLS(info, nil)
	}
	s.stream.SetTLS(true)
	s.stream.Note("%s", info.summary())
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Note writes a note about the session into its transcript (for example
// which AUTH mechanism a module chose, so -v names it).
func (s *Session) Note(format string, args ...any) { s.stream.Note(format, args...) }
