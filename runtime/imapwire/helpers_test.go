package imapwire

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Node constructors keep the expected trees readable.
func atom(s string) Node  { return Node{Kind: KindAtom, Text: s} }
func str(s string) Node   { return Node{Kind: KindString, Text: s} }
func lit(s string) Node   { return Node{Kind: KindLiteral, Text: s, Size: int64(len(s))} }
func list(n ...Node) Node { return Node{Kind: KindList, List: n} }
func num(n uint64) Node {
	return Node{Kind: KindNumber, Text: strconv.FormatUint(n, 10), Num: n}
}

var nilNode = Node{Kind: KindNil}

// crlf turns the LFs of a readable test input into CRLFs.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// readAll reads responses from input until the stream ends; err is the
// first error other than the clean end of the stream.
func readAll(t *testing.T, r *Reader) ([]*Response, error) {
	t.Helper()
	var out []*Response
	for {
		resp, err := r.ReadResponse()
		if err != nil {
			if failure.Is(err, failure.EOF) && strings.Contains(err.Error(), "end of the stream (imap: waiting for a response)") {
				return out, nil
			}
			return out, err
		}
		out = append(out, resp)
	}
}

func wantKind(t *testing.T, err error, k failure.Kind) *failure.Error {
	t.Helper()
	if !failure.Is(err, k) {
		t.Fatalf("err = %v (kind %q), want kind %q", err, failure.KindOf(err), k)
	}
	return err.(*failure.Error)
}

// step is one exchange of a scripted server: once the client has sent
// exactly client, the server sends server. A first step with client ""
// is the greeting.
type step struct{ client, server string }

// sent is one Send call seen by a scriptTransport.
type sent struct {
	data   string
	secret bool
}

// scriptTransport is an in-memory Transport driven by steps. Server bytes
// are released only when the client has sent what the step expects, so a
// client that sends a literal before the "+" (or waits for a reply it has
// not earned) fails the test instead of passing by luck.
type scriptTransport struct {
	t     *testing.T
	steps []step
	sends []sent
	got   string // client bytes not matched yet
	out   []byte // server bytes released, unread
}

func newScript(t *testing.T, steps ...step) *scriptTransport {
	s := &scriptTransport{t: t, steps: steps}
	s.release()
	return s
}

func (s *scriptTransport) release() {
	for len(s.steps) > 0 && strings.HasPrefix(s.got, s.steps[0].client) {
		s.got = s.got[len(s.steps[0].client):]
		s.out = append(s.out, s.steps[0].server...)
		s.steps = s.steps[1:]
	}
}

func (s *scriptTransport) Send(p []byte, secret bool) error {
	s.sends = append(s.sends, sent{string(p), secret})
	s.got += string(p)
	s.release()
	if len(s.steps) > 0 && !strings.HasPrefix(s.steps[0].client, s.got) {
		s.t.Errorf("client sent %q, script expects %q", s.got, s.steps[0].client)
		return failure.New(failure.EOF, "script: unexpected client bytes")
	}
	if len(s.steps) == 0 && s.got != "" {
		s.t.Errorf("client sent %q after the script ended", s.got)
	}
	return nil
}

func (s *scriptTransport) ReadLine() (string, error) {
	i := bytes.IndexByte(s.out, '\n')
	if i < 0 {
		return "", s.starved()
	}
	line := string(bytes.TrimSuffix(s.out[:i], []byte("\r")))
	s.out = s.out[i+1:]
	return line, nil
}

func (s *scriptTransport) Read(n int) ([]byte, error) {
	if len(s.out) < n {
		return nil, s.starved()
	}
	p := bytes.Clone(s.out[:n])
	s.out = s.out[n:]
	return p, nil
}

func (s *scriptTransport) starved() error {
	if len(s.steps) > 0 {
		return failure.New(failure.Timeout, "script: the client waits, but the server waits for %q (client sent %q so far)", s.steps[0].client, s.got)
	}
	return failure.New(failure.EOF, "script: end of the stream")
}

// sentText is everything the client sent, concatenated.
func (s *scriptTransport) sentText() string {
	var b strings.Builder
	for _, p := range s.sends {
		b.WriteString(p.data)
	}
	return b.String()
}

// serveScript runs steps as a TCP server on 127.0.0.1 and returns its
// address: it reads exactly the bytes each step expects, compares them,
// then writes the reply. After the last step it closes the connection.
func serveScript(t *testing.T, steps ...step) string {
	t.Helper()
	return fakeserver.ServeOne(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		for _, st := range steps {
			got := make([]byte, len(st.client))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Errorf("server: reading %q: %v (got %q)", st.client, err, got)
				return
			}
			if string(got) != st.client {
				t.Errorf("server: client sent %q, want %q", got, st.client)
				return
			}
			if _, err := io.WriteString(c, st.server); err != nil {
				t.Errorf("server: %v", err)
				return
			}
		}
	})
}
