package session

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// countingWriter is a writer that is not in memory (like a file): ReadDot
// must buffer in front of it.
type countingWriter struct {
	b      strings.Builder
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.b.Write(p)
}

// dotBody returns n lines, some starting with dots, as sent (stuffed and
// terminated) and as ReadDot must write them.
func dotBody(n int) (wire, want string) {
	var w, u strings.Builder
	for i := 0; i < n; i++ {
		line := fmt.Sprintf("line %d", i)
		switch i % 7 {
		case 3:
			line = "." + line
		case 5:
			line = "."
		}
		u.WriteString(line + "\r\n")
		if strings.HasPrefix(line, ".") {
			line = "." + line
		}
		w.WriteString(line + "\r\n")
	}
	w.WriteString(".\r\n")
	return w.String(), u.String()
}

// TestReadDotBuffersWrites: a body of thousands of lines reaches a file-like
// writer in a few large writes, not two per line, however the bytes arrive.
func TestReadDotBuffersWrites(t *testing.T) {
	wire, want := dotBody(5000)
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		r := rand.New(rand.NewPCG(1, 2))
		for rest := wire + "after\r\n"; len(rest) > 0; {
			k := min(len(rest), 1+r.IntN(3000))
			c.Write([]byte(rest[:k]))
			rest = rest[k:]
		}
	})
	s := dial(t, addr, Options{Timeout: 2 * time.Second})
	var w countingWriter
	n, err := s.ReadDot(bg, &w, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.b.String(); got != want || n != int64(len(want)) {
		t.Fatalf("ReadDot wrote %d bytes (n=%d), want %d; equal: %v", len(got), n, len(want), got == want)
	}
	if max := len(want)/(64<<10) + 2; w.writes > max {
		t.Errorf("%d writes for %d bytes, want at most %d (buffered)", w.writes, len(want), max)
	}
	if l, err := s.ReadLine(bg, 0); err != nil || l != "after" {
		t.Errorf("line after the body = %q, %v", l, err)
	}
}

// TestReadDotFlushesOnError: when the body is cut short, what was read
// reaches the writer before the error returns, and n counts it.
func TestReadDotFlushesOnError(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		c.Write([]byte("one\r\n..two\r\nthr"))
	})
	s := dial(t, addr, Options{Timeout: 2 * time.Second})
	var w countingWriter
	n, err := s.ReadDot(bg, &w, 0)
	wantKind(t, err, failure.EOF)
	if got := w.b.String(); got != "one\r\n.two\r\n" || n != int64(len(got)) {
		t.Errorf("wrote %q (n=%d)", got, n)
	}
}

// A body read into a BodyBuffer (size known in advance; huge pages from
// 8 MiB) is the same as one read into a strings.Builder, whether the size
// given is too small, exact or too large.
func TestReadDotIntoBodyBuffer(t *testing.T) {
	wire, want := dotBody(1_200_000) // ~12 MiB
	for _, size := range []int{1, len(want), len(want) + 5<<20} {
		addr := fakeserver.ServeOne(t, func(c net.Conn) { c.Write([]byte(wire)) })
		s := dial(t, addr, Options{Timeout: 5 * time.Second})
		b := NewBodyBuffer(size)
		n, err := s.ReadDotLimit(bg, b, 0, 0) // over match_max: no bound

		if err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != want || n != int64(len(want)) || b.Len() != len(want) {
			t.Errorf("size hint %d: %d bytes (n=%d), want %d; equal: %v", size, len(got), n, len(want), got == want)
		}
	}
	if NewBodyBuffer(0).String() != "" {
		t.Error("an empty body is not the empty string")
	}
}

// TestReadDotLimit: a body that never ends stops at its limit with kind
// full, naming how much arrived, instead of growing until the timeout;
// ReadDot's limit is match_max.
func TestReadDotLimit(t *testing.T) {
	flood := func(c net.Conn) {
		b := []byte(strings.Repeat("some body text\r\n", 4096))
		for {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}
	s := dial(t, fakeserver.ServeOne(t, flood), Options{Timeout: 5 * time.Second})
	var b strings.Builder
	start := time.Now()
	n, err := s.ReadDotLimit(bg, &b, 1<<20, 0)
	fe := wantKind(t, err, failure.Full)
	if n > 1<<20 || int64(b.Len()) != n || time.Since(start) > 2*time.Second {
		t.Errorf("wrote %d bytes (n=%d) in %v, limit 1 MiB", b.Len(), n, time.Since(start))
	}
	if !strings.Contains(fe.Message, "more than its limit of 1048576") {
		t.Errorf("message: %s", fe.Message)
	}
	s = dial(t, fakeserver.ServeOne(t, flood), Options{Timeout: 5 * time.Second, MatchMax: 64 << 10})
	b.Reset()
	_, err = s.ReadDot(bg, &b, 0)
	wantKind(t, err, failure.Full)
	if b.Len() > 64<<10 {
		t.Errorf("ReadDot wrote %d bytes, match_max is 64 KiB", b.Len())
	}
}

// TestReplyLimit: endless "250-" lines stop at match_max with kind full.
func TestReplyLimit(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		b := []byte(strings.Repeat("250-SIZE 10\r\n", 4096))
		for {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	})
	s := dial(t, addr, Options{Timeout: 5 * time.Second, MatchMax: 64 << 10})
	_, err := s.Reply(bg, 0)
	fe := wantKind(t, err, failure.Full)
	if !strings.Contains(fe.Message, "reply 250 still not finished after") {
		t.Errorf("message: %s", fe.Message)
	}
}
