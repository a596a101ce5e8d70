package recording

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// Writer writes the sessions of a run to a recording (--record). Each
// session is written whole when it closes, numbered in the order it
// connected, so that sessions running at once do not interleave. Every
// line goes through the run's secrets: a line sent with SendSecret is
// written as ***, and a registered value, in any of the forms the
// transcript masks (base64 of AUTH PLAIN, IMAP quoted strings...), as ***
// inside its line.
type Writer struct {
	secrets *transcript.Secrets

	mu   sync.Mutex
	w    *bufio.Writer
	c    io.Closer
	seq  int
	open map[*recorder]bool
	err  error
}

// Create opens path for a recording (mode 0600: it holds addresses and
// mail) and writes the header.
func Create(path string, secrets *transcript.Secrets) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	f.Chmod(0o600)
	return NewWriter(f, secrets), nil
}

// NewWriter writes a recording to w; Close closes w if it is an io.Closer.
func NewWriter(w io.Writer, secrets *transcript.Secrets) *Writer {
	rw := &Writer{secrets: secrets, w: bufio.NewWriter(w), open: map[*recorder]bool{}}
	if c, ok := w.(io.Closer); ok {
		rw.c = c
	}
	fmt.Fprintf(rw.w, "%s\n# written by mailexpect --record at %s; the format: docs/record-replay.md\n",
		Magic, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(rw.w, "# S: server, C: client (CRLF added), S+/C+ without line end, \\xHH a byte,\n")
	fmt.Fprintf(rw.w, "# *** a secret (any value matches), \"~ REGEX\" under a C line: a pattern for it.\n")
	return rw
}

// Sandbox writes the environment and users of a sandbox run, before any
// session: replay sets them again. Values go through the secrets (the
// password is written ***).
func (w *Writer) Sandbox(env []string, users [][2]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		fmt.Fprintf(w.w, "env %s=%s\n", name, quoteValue(w.secrets.Mask(value)))
	}
	for _, u := range users {
		fmt.Fprintf(w.w, "sandbox-user %s %s\n", u[0], u[1])
	}
}

// Session starts recording a session: it is what session.Options.Record
// wants.
func (w *Writer) Session(t session.Target) session.Recorder {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	r := &recorder{w: w, seq: w.seq, target: t, start: time.Now()}
	w.open[r] = true
	return r
}

// Close writes the sessions still open (marked so) and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	open := make([]*recorder, 0, len(w.open))
	for r := range w.open {
		open = append(open, r)
	}
	w.mu.Unlock()
	sort.Slice(open, func(i, j int) bool { return open[i].seq < open[j].seq })
	for _, r := range open {
		r.finish("# the run ended with this session still open")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.w.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	if w.c != nil {
		if err := w.c.Close(); err != nil && w.err == nil {
			w.err = err
		}
	}
	return w.err
}

type rawEvent struct {
	kind   Kind
	at     time.Duration
	data   []byte
	secret bool
	tls    *session.TLSInfo
	err    string
}

// recorder keeps one session's events in memory until it closes: they
// are masked then, when every secret of the run so far is known.
type recorder struct {
	w      *Writer
	seq    int
	target session.Target
	start  time.Time

	mu      sync.Mutex
	events  []rawEvent
	partial []byte // received bytes not yet ended by LF
	done    bool
}

func (r *recorder) now() time.Duration { return time.Since(r.start) }

// flushPartial records received bytes without their line end yet as one
// event: the client is about to speak, or the connection changed.
func (r *recorder) flushPartial() {
	if len(r.partial) > 0 {
		r.events = append(r.events, rawEvent{kind: ServerData, at: r.now(), data: r.partial})
		r.partial = nil
	}
}

func (r *recorder) Sent(p []byte, secret bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushPartial()
	for _, line := range splitLines(p) {
		r.events = append(r.events, rawEvent{kind: ClientData, at: r.now(), data: append([]byte(nil), line...), secret: secret})
	}
}

func (r *recorder) Received(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(p) > 0 {
		i := indexLF(p)
		if i < 0 {
			r.partial = append(r.partial, p...)
			return
		}
		line := append(r.partial, p[:i+1]...)
		r.partial = nil
		r.events = append(r.events, rawEvent{kind: ServerData, at: r.now(), data: append([]byte(nil), line...)})
		p = p[i+1:]
	}
}

func indexLF(p []byte) int {
	for i, c := range p {
		if c == '\n' {
			return i
		}
	}
	return -1
}

func (r *recorder) TLS(info *session.TLSInfo, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushPartial()
	if err != nil {
		r.events = append(r.events, rawEvent{kind: TLSFailed, at: r.now(), err: err.Error()})
		return
	}
	r.events = append(r.events, rawEvent{kind: TLS, at: r.now(), tls: info})
}

func (r *recorder) DialFailed(err error) {
	r.mu.Lock()
	r.events = append(r.events, rawEvent{kind: DialFailed, at: r.now(), err: err.Error()})
	r.mu.Unlock()
	r.finish("")
}

func (r *recorder) EOF() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushPartial()
	r.events = append(r.events, rawEvent{kind: EOF, at: r.now()})
}

func (r *recorder) Close() {
	r.mu.Lock()
	r.flushPartial()
	r.events = append(r.events, rawEvent{kind: Close, at: r.now()})
	r.mu.Unlock()
	r.finish("")
}

// finish writes the session to the file, once.
func (r *recorder) finish(note string) {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return
	}
	r.done = true
	r.flushPartial()
	events := r.events
	r.events = nil
	r.mu.Unlock()

	sec := r.w.secrets
	var b strings.Builder
	fmt.Fprintf(&b, "\nsession %d %s %s label=%s\n", r.seq, r.target.Network,
		sec.Mask(r.target.Addr), quoteValue(sec.Mask(r.target.Label)))
	if note != "" {
		b.WriteString(note + "\n")
	}
	for _, ev := range events {
		fmt.Fprintf(&b, "%8.3f ", ev.at.Seconds())
		switch ev.kind {
		case ServerData:
			b.WriteString(formatData('S', sec.MaskBytes(ev.data)))
		case ClientData:
			data := ev.data
			if ev.secret {
				data = []byte(Placeholder)
				if strings.HasSuffix(string(ev.data), "\r\n") {
					data = []byte(Placeholder + "\r\n")
				}
			} else {
				data = sec.MaskBytes(data)
			}
			b.WriteString(formatData('C', data))
			if pat := autoPattern(data); pat != "" {
				fmt.Fprintf(&b, "\n%8s ~ %s", "", pat)
			}
		case TLS:
			b.WriteString("tls " + sec.Mask(formatTLS(ev.tls)))
		case TLSFailed:
			b.WriteString("tls-failed " + quoteValue(sec.Mask(ev.err)))
		case DialFailed:
			b.WriteString("connect-failed " + quoteValue(sec.Mask(ev.err)))
		case EOF:
			b.WriteString("eof")
		case Close:
			b.WriteString("close")
		}
		b.WriteByte('\n')
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	delete(r.w.open, r)
	if _, err := r.w.w.WriteString(b.String()); err != nil && r.w.err == nil {
		r.w.err = err
	}
	// Whole sessions reach the file as they end: a run killed later
	// keeps what it had.
	if err := r.w.w.Flush(); err != nil && r.w.err == nil {
		r.w.err = err
	}
}

// autoPattern is the pattern written under a client line that differs on
// every run of any script: a message's Date and Message-ID headers. Its
// group carries the script's value into what the server sends later.
func autoPattern(line []byte) string {
	for _, a := range autoPatterns() {
		if a.re.Match(line) {
			return a.pattern
		}
	}
	return ""
}

// autoPatterns are compiled on first use: only --record needs them, and
// every run would otherwise compile them as it starts.
var autoPatterns = sync.OnceValue(func() []autoPatternEntry {
	return []autoPatternEntry{
		{regexp.MustCompile(`^(?i:date): .+\r\n$`), `(?i:date): (.+)`},
		{regexp.MustCompile(`^(?i:message-id): <[^<>]+>\r\n$`), `(?i:message-id): <(.+)>`},
	}
})

type autoPatternEntry struct {
	re      *regexp.Regexp
	pattern string
}
