package transcript

import (
	"bytes"
	"fmt"
	"sync"
)

// Stream writes the lines of one session into its Log. It is safe for
// concurrent use (a read loop calling Received while the script calls
// Sent). A nil *Stream does nothing.
type Stream struct {
	log   *Log
	label string

	mu     sync.Mutex
	tls    bool
	closed bool
	// The received line not yet ended by LF: its first bytes (at most
	// log.keep()), its full length, and whether its last byte was CR, which
	// belongs to the terminator if LF follows.
	pending   []byte
	pendingN  int
	pendingCR bool
}

// Label returns the session's label as the transcript shows it (before
// masking).
func (st *Stream) Label() string {
	if st == nil {
		return ""
	}
	return st.label
}

// Received records bytes read from the server, in whatever chunks they
// came. Each line is printed when its LF arrives.
func (st *Stream) Received(p []byte) {
	if !st.lockOpen() {
		return
	}
	defer st.mu.Unlock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			st.hold(p)
			return
		}
		head := p[:i]
		p = p[i+1:]
		if st.pendingN == 0 {
			// The whole line is in this chunk: no copy.
			head = bytes.TrimSuffix(head, []byte("\r"))
			st.emit(recv, head, len(head))
			continue
		}
		st.hold(head)
		n := st.pendingN
		if st.pendingCR {
			n--
		}
		data := st.pending[:min(len(st.pending), n)]
		st.emit(recv, data, n)
		st.reset()
	}
}

// lockOpen locks st and reports true when it is there to write to; a nil
// or closed stream is left unlocked and records nothing.
func (st *Stream) lockOpen() bool {
	if st == nil {
		return false
	}
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return false
	}
	return true
}

// hold appends p to the incomplete received line, keeping only what can be
// printed.
func (st *Stream) hold(p []byte) {
	if len(p) == 0 {
		return
	}
	if room := st.log.keep() - len(st.pending); room > 0 {
		st.pending = append(st.pending, p[:min(room, len(p))]...)
	}
	st.pendingN += len(p)
	st.pendingCR = p[len(p)-1] == '\r'
}

func (st *Stream) reset() {
	st.pending = st.pending[:0]
	st.pendingN = 0
	st.pendingCR = false
}

// flushPending prints the incomplete received line as it is (a CR at its
// end shows as \r: no LF followed it).
func (st *Stream) flushPending() {
	if st.pendingN == 0 {
		return
	}
	st.emit(recv, st.pending, st.pendingN)
	st.reset()
}

// Sent records bytes written to the server. Each line of p is printed, the
// last one even without an LF. With secret, every line shows as "***" and
// its text is registered as a secret, so that an echo of it is masked too.
// An incomplete received line is printed first: it was a prompt.
func (st *Stream) Sent(p []byte, secret bool) {
	if !st.lockOpen() {
		return
	}
	defer st.mu.Unlock()
	st.flushPending()
	for len(p) > 0 {
		line := p
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line = bytes.TrimSuffix(p[:i], []byte("\r"))
			p = p[i+1:]
		} else {
			p = nil
		}
		if secret {
			// Not a 10 MB payload: a registered value costs every later line.
			if len(line) <= MaxLine {
				st.log.secrets.Add(string(line))
			}
			st.log.write(&entry{label: st.label, dir: send, tls: st.tls, line: Redacted, secret: true})
			continue
		}
		st.emit(send, line, len(line))
	}
}

// Note records something about the session that is not on the wire:
// "connected to 127.0.0.1:25", the TLS version and peer, a warning. It is
// masked like the wire lines. It does not print an incomplete received
// line first: a note from another goroutine would then split a line, and
// a secret with it. To have "closed" follow the server's last words, call
// Flush before the note.
func (st *Stream) Note(format string, args ...any) {
	if st == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if !st.lockOpen() {
		return
	}
	defer st.mu.Unlock()
	st.emit(note, []byte(msg), len(msg))
}

// SetTLS records that the connection is now (on) or no longer under TLS;
// later lines carry the TLS marker. Bytes received before the change are
// printed first, in the old state: data a server sent in clear text before
// STARTTLS completed must show as clear text.
func (st *Stream) SetTLS(on bool) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if on != st.tls {
		st.flushPending()
		st.tls = on
	}
}

// Flush prints the incomplete received line, if any.
func (st *Stream) Flush() { st.flush(false) }

// Close flushes the stream; later calls do nothing, so a read loop that
// outlives the session adds nothing after its last line.
func (st *Stream) Close() { st.flush(true) }

func (st *Stream) flush(andClose bool) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.flushPending()
	if andClose {
		st.closed = true
	}
}

// emit renders one line (data, or its first part if size is larger) and
// writes it. The caller holds st.mu; lines of one stream keep their order.
func (st *Stream) emit(dir direction, data []byte, size int) {
	line, cut := st.log.render(string(data[:min(len(data), st.log.keep())]), size)
	st.log.write(&entry{label: st.label, dir: dir, tls: st.tls, line: line, size: cut})
}
