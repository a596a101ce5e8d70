package recording

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// player plays the server's side of one recorded session. The client's
// bytes are matched against the recorded C events in order; the server
// sends a recorded S event only once every C event before it has been
// matched, so a script that reads or writes earlier or later than the
// recorded one still gets the same conversation.
//
// Two cursors walk the events: ci, the next event the client must meet
// (C, TLS, EOF, Close or the end; S and pause are the server's), and si,
// the next the server must play (S, pause, TLS, EOF, Close or the end; C
// events are skipped, but an S after an unmatched C waits).
type player struct {
	subs *substitutions
	name string // recording file, for messages
	sess *Session
	mask func(string) string

	ci, si int
	off    int       // bytes of events[si] already sent
	sent   []byte    // events[si] after substitution, while being sent
	wbuf   []byte    // client bytes not yet matched
	paused time.Time // end of the pause at si, once reached
	failed error     // the first divergence: every later write returns it
}

// state is what the server side can do now.
type state int

const (
	ready   state = iota // bytes to send
	waiting              // for the client (or forever: the recording ends)
	pausing              // until paused
	atTLS                // the handshake is next for the server
	atEOF                // the server closed here
)

func newPlayer(name string, s *Session, subs *substitutions, secrets *transcript.Secrets) *player {
	p := &player{name: name, sess: s, subs: subs, mask: secrets.Mask}
	p.ci = p.nextClient(0)
	return p
}

func (p *player) nextClient(i int) int {
	for i < len(p.sess.Events) {
		switch p.sess.Events[i].Kind {
		case ServerData, Pause:
			i++
		default:
			return i
		}
	}
	return i
}

// blocked reports whether the server must wait for the client before
// events[i]: an unmatched C event comes before it.
func (p *player) blocked(i int) bool {
	return p.ci < i && p.ci < len(p.sess.Events) && p.sess.Events[p.ci].Kind == ClientData
}

// output copies what the server sends next into dst.
func (p *player) output(dst []byte, now time.Time) (int, state) {
	n := 0
	ev := p.sess.Events
loop:
	for p.si < len(ev) {
		e := &ev[p.si]
		switch e.Kind {
		case ClientData:
			p.si++
			continue
		case ServerData:
			if p.blocked(p.si) {
				break loop
			}
			if p.sent == nil {
				p.sent = p.subs.apply(e.Data)
			}
			c := copy(dst[n:], p.sent[p.off:])
			n += c
			p.off += c
			if p.off < len(p.sent) {
				return n, ready
			}
			p.si, p.off, p.sent = p.si+1, 0, nil
			continue
		case Pause:
			if n > 0 || p.blocked(p.si) {
				break loop
			}
			if p.paused.IsZero() {
				p.paused = now.Add(e.Pause)
			}
			if now.Before(p.paused) {
				return 0, pausing
			}
			p.si, p.paused = p.si+1, time.Time{}
			continue
		case TLS, TLSFailed:
			if n == 0 && !p.blocked(p.si) {
				return 0, atTLS
			}
		case EOF:
			if n == 0 && !p.blocked(p.si) {
				return 0, atEOF
			}
		}
		break loop
	}
	if n > 0 {
		return n, ready
	}
	return 0, waiting
}

// pending is the number of bytes the server would still send before the
// event at i.
func (p *player) pendingBefore(i int) int {
	n := 0
	for j := p.si; j < i && j < len(p.sess.Events); j++ {
		if e := p.sess.Events[j]; e.Kind == ServerData {
			n += len(e.Data)
		}
	}
	return n - p.off
}

// feed takes bytes from the client and matches them against the
// recording. It returns a protocol-kind error on the first difference.
func (p *player) feed(b []byte) error {
	if p.failed != nil {
		return p.failed
	}
	p.wbuf = append(p.wbuf, b...)
	for len(p.wbuf) > 0 {
		if p.ci >= len(p.sess.Events) {
			return p.diverge(p.firstLine(), nil, "the recording has nothing more from the client in this session")
		}
		e := &p.sess.Events[p.ci]
		switch e.Kind {
		case TLS, TLSFailed:
			return p.diverge(p.firstLine(), nil, "the recording starts TLS here")
		case EOF:
			return p.diverge(p.firstLine(), nil, "the server had closed the connection here")
		case Close:
			return p.diverge(p.firstLine(), nil, "the recorded client closed the session here")
		}
		// A value a pattern let vary earlier stands for itself here too
		// (the probe token in the body, after its header matched).
		want := p.subs.apply(e.Data)
		lineEnd := bytes.HasSuffix(want, []byte("\n"))
		var got []byte
		if lineEnd {
			i := bytes.IndexByte(p.wbuf, '\n')
			if i < 0 {
				if e.Pattern == nil && e.Wildcard == nil && !bytes.HasPrefix(want, p.wbuf) {
					return p.diverge(p.wbuf, want, "")
				}
				return nil // the rest of the line is still to come
			}
			got = p.wbuf[:i+1]
		} else {
			if len(p.wbuf) < len(want) {
				if e.Pattern == nil && e.Wildcard == nil && !bytes.HasPrefix(want, p.wbuf) {
					return p.diverge(p.wbuf, want, "")
				}
				return nil
			}
			got = p.wbuf[:len(want)]
		}
		if !p.match(e, got, want) {
			return p.diverge(got, want, "")
		}
		p.wbuf = p.wbuf[len(got):]
		p.ci = p.nextClient(p.ci + 1)
	}
	if len(p.wbuf) == 0 {
		p.wbuf = nil
	}
	return nil
}

func (p *player) match(e *Event, got, want []byte) bool {
	if e.Pattern == nil && e.Wildcard == nil {
		return bytes.Equal(got, want)
	}
	ending := func(b []byte) []byte { return b[len(bytes.TrimRight(b, "\r\n")):] }
	if !bytes.Equal(ending(got), ending(e.Data)) {
		return false
	}
	gotText := bytes.TrimRight(got, "\r\n")
	if e.Pattern == nil {
		return wildcardMatch(gotText, e.Wildcard)
	}
	m := e.Pattern.FindSubmatch(gotText)
	if m == nil {
		return false
	}
	// What the groups matched in the recorded line becomes, in what the
	// server sends later, what they match in the script's line.
	if r := e.Pattern.FindSubmatch(bytes.TrimRight(e.Data, "\r\n")); r != nil {
		for i := 1; i < len(m) && i < len(r); i++ {
			if len(r[i]) > 0 && !bytes.Equal(r[i], m[i]) {
				p.subs.add(r[i], m[i])
			}
		}
	}
	return true
}

// wildcardMatch reports whether b is parts joined by runs of one byte or
// more (each *** of a recorded line).
func wildcardMatch(b []byte, parts [][]byte) bool {
	first, last := parts[0], parts[len(parts)-1]
	if !bytes.HasPrefix(b, first) {
		return false
	}
	b = b[len(first):]
	for _, mid := range parts[1 : len(parts)-1] {
		// The *** before mid takes at least one byte.
		if len(b) == 0 {
			return false
		}
		i := bytes.Index(b[1:], mid)
		if i < 0 {
			return false
		}
		b = b[1+i+len(mid):]
	}
	return len(b) > len(last) && bytes.HasSuffix(b, last)
}

func (p *player) firstLine() []byte {
	if i := bytes.IndexByte(p.wbuf, '\n'); i >= 0 {
		return p.wbuf[:i+1]
	}
	return p.wbuf
}

// diverge builds the protocol error naming both lines. Both go through
// the run's secrets: the script's line may carry a password.
func (p *player) diverge(got, want []byte, why string) error {
	shown := func(b []byte) string {
		return strconv.Quote(p.mask(string(bytes.TrimRight(b, "\r\n"))))
	}
	at := p.name
	if p.ci < len(p.sess.Events) {
		at = fmt.Sprintf("%s:%d", p.name, p.sess.Events[p.ci].Line)
	}
	msg := fmt.Sprintf("replay: %s (session %d) diverged from the recording at %s: the script sent %s", p.sess.Addr, p.sess.Seq, at, shown(got))
	if why != "" {
		msg += ", but " + why
	} else {
		e := p.sess.Events[p.ci]
		msg += ", the recording has " + shown(want)
		if e.Pattern != nil {
			msg += " (pattern " + e.Source + ")"
		}
	}
	p.failed = &failure.Error{Kind: failure.Protocol, Stage: "replay", Message: msg}
	return p.failed
}

// startTLS is the handshake: the client and the server must both be at
// the same recorded TLS event.
func (p *player) startTLS() (*Event, error) {
	if p.failed != nil {
		return nil, p.failed
	}
	ev := p.sess.Events
	if p.ci >= len(ev) || (ev[p.ci].Kind != TLS && ev[p.ci].Kind != TLSFailed) {
		what := "the end of the session"
		if p.ci < len(ev) {
			what = fmt.Sprintf("%s:%d", p.name, ev[p.ci].Line)
		}
		p.failed = &failure.Error{Kind: failure.Protocol, Stage: "tls",
			Message: fmt.Sprintf("replay: %s (session %d): the script starts TLS where the recording does not (next at %s)", p.sess.Addr, p.sess.Seq, what)}
		return nil, p.failed
	}
	if n := p.pendingBefore(p.ci); n > 0 {
		return nil, &failure.Error{Kind: failure.TLS, Stage: "tls",
			Message: fmt.Sprintf("replay: %s (session %d): the script starts TLS with %d recorded server bytes unread", p.sess.Addr, p.sess.Seq, n)}
	}
	e := &ev[p.ci]
	p.ci = p.nextClient(p.ci + 1)
	p.si, p.off, p.sent = p.ci, 0, nil
	for j := 0; j < len(ev); j++ { // si: just after the TLS event
		if &ev[j] == e {
			p.si = j + 1
		}
	}
	return e, nil
}

// substitutions are the values a pattern let vary, recorded -> actual,
// for the whole run: a probe token sent over SMTP comes back over POP3.
type substitutions struct {
	mu    sync.Mutex
	pairs [][2][]byte
}

func (s *substitutions) add(from, to []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.pairs {
		if bytes.Equal(p[0], from) {
			s.pairs[i][1] = append([]byte(nil), to...)
			return
		}
	}
	s.pairs = append(s.pairs, [2][]byte{append([]byte(nil), from...), append([]byte(nil), to...)})
}

func (s *substitutions) apply(b []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pairs {
		if bytes.Contains(b, p[0]) {
			b = bytes.ReplaceAll(b, p[0], p[1])
		}
	}
	return b
}
