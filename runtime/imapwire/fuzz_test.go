package imapwire

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// FuzzReadResponse: whatever the server sends, the reader never panics,
// every error is a one-line *failure.Error, and every literal holds
// exactly the bytes it announced.
func FuzzReadResponse(f *testing.F) {
	seeds := []string{
		"* OK [CAPABILITY IMAP4rev1] hi\r\n",
		"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] {5}\r\nhello BODY[]<0> {0}\r\n)\r\n",
		"* LIST (\\Noselect) \"/\" \"a \\\"b\\\"\"\r\nA1 OK [READ-WRITE] x\r\n+ go\r\n",
		"* 1 FETCH (BINARY[1] ~{2}\r\n\x00\x01)\r\n",
		"* 1 FETCH (BODY[] {4294967295}\r\nab",
		"* OK [PERMANENTFLAGS (\\Seen \\*)] x\r\n* 3 EXISTS\r\n* SEARCH 1 2\r\n",
		"* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 1 1) \"ALTERNATIVE\"))\r\n",
		"* 1 FETCH (BODY[] {5}\r\nHello, World!)\r\n",
		"* 1 FETCH (BODY[] {5}\r\nhello world foo)\r\n",
		"* 1 FETCH (X-GM-LABELS (\\Inbox) BODY[]<0> {1}\r\nx)\r\n",
	}
	if data, err := os.ReadFile("testdata/dovecot-session.server"); err == nil {
		seeds = append(seeds, string(data))
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(FromReader(bytes.NewReader(data)))
		r.MaxLiteral = 1 << 20
		for range 50 {
			resp, err := r.ReadResponse()
			if err != nil {
				var fe *failure.Error
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is a %T, not a *failure.Error", err, err)
				}
				if strings.ContainsAny(fe.Message, "\r\n") {
					t.Fatalf("message is not one line: %q", fe.Message)
				}
				switch fe.Kind {
				case failure.Protocol, failure.EOF, failure.Full:
				default:
					t.Fatalf("unexpected kind %q: %v", fe.Kind, err)
				}
				if r.Err() != nil {
					return
				}
				continue
			}
			_ = resp.String()
			if resp.Type == Untagged && resp.Name == "FETCH" && resp.HasNumber {
				// The reader checked it: a FETCH it returns parses.
				if _, _, err := resp.Fetch(); err != nil {
					t.Fatalf("FETCH returned by the reader does not parse: %v", err)
				}
			}
			for _, n := range resp.Fields {
				checkLiterals(t, n)
			}
		}
	})
}

func checkLiterals(t *testing.T, n Node) {
	if n.Kind == KindLiteral && int64(len(n.Text)) != n.Size {
		t.Fatalf("literal of size %d holds %d bytes", n.Size, len(n.Text))
	}
	for _, e := range n.List {
		checkLiterals(t, e)
	}
}

// FuzzStringRoundTrip: what StringArg sends, quoted or as a literal, the
// reader gives back byte for byte.
func FuzzStringRoundTrip(f *testing.F) {
	for _, s := range []string{"", "INBOX", `a "b" \c`, "Grüße", "a\r\nb", strings.Repeat("x", MaxQuoted+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			return // refused by StringArg
		}
		var wire string
		if quotable(s) {
			wire = "* LIST () \"/\" " + quote(s) + "\r\n"
		} else {
			wire = "* LIST () \"/\" {" + strconv.Itoa(len(s)) + "}\r\n" + s + "\r\n"
		}
		resp, err := NewReader(FromReader(strings.NewReader(wire))).ReadResponse()
		if err != nil {
			t.Fatalf("reading back %q: %v", wire, err)
		}
		if len(resp.Fields) != 3 || !resp.Fields[2].IsString() || resp.Fields[2].Text != s {
			t.Fatalf("sent %q, read back %v", s, resp.Fields)
		}
	})
}

// FuzzClientBounds: a command answered by whatever the server sends ends
// with its completion or an error of a server kind, and never holds more
// untagged data than MaxUntagged allows (plus one response).
func FuzzClientBounds(f *testing.F) {
	for _, s := range []string{
		"* 1 EXISTS\r\n* 2 EXISTS\r\nA1 OK done\r\n",
		strings.Repeat("* OK flood\r\n", 100) + "A1 OK done\r\n",
		"* 1 FETCH (BODY[] {5}\r\nhello)\r\n* 2 FETCH (BODY[] {5}\r\nworld)\r\nA1 OK\r\n",
		"* 1 FETCH (BODY[] {3000}\r\n" + strings.Repeat("x", 3000) + ")\r\nA1 OK\r\n",
		"+ go on\r\nA1 NO no\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var sent bytes.Buffer
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(data), &sent}
		c := NewClient(FromReadWriter(rw))
		c.MaxUntagged = 2048
		c.Reader().MaxLiteral = 4096
		cmd, err := c.Do(RawArg("NOOP"))
		if err != nil {
			switch failure.KindOf(err) {
			case failure.Protocol, failure.EOF, failure.Full:
			default:
				t.Fatalf("unexpected error %v (kind %q)", err, failure.KindOf(err))
			}
		}
		if cmd != nil && cmd.held > c.MaxUntagged+untaggedOverhead+MaxLine {
			t.Fatalf("held %d bytes of untagged data, bound %d", cmd.held, c.MaxUntagged)
		}
		if cmd != nil && cmd.literals > c.Reader().MaxLiteral {
			t.Fatalf("held %d bytes of literals, bound %d", cmd.literals, c.Reader().MaxLiteral)
		}
	})
}
