package expect

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

func TestBufferFullKeepsData(t *testing.T) {
	b := NewBuffer(10)
	if err := b.Write([]byte("0123456789")); err != nil {
		t.Fatalf("Write up to Max: %v", err)
	}
	err := b.Write([]byte("abc"))
	if !failure.Is(err, failure.Full) {
		t.Fatalf("Write past Max = %v, want kind full", err)
	}
	if got := string(b.Bytes()); got != "0123456789abc" {
		t.Errorf("after overflow Bytes = %q, want all data kept", got)
	}
	if err := b.Write([]byte("d")); !failure.Is(err, failure.Full) {
		t.Errorf("still over Max: Write = %v, want kind full", err)
	}
	if got := string(b.Drain()); got != "0123456789abcd" {
		t.Errorf("Drain = %q", got)
	}
	if b.Len() != 0 {
		t.Errorf("after Drain Len = %d", b.Len())
	}
	if err := b.Write([]byte("ok")); err != nil {
		t.Errorf("Write after Drain: %v", err)
	}
}

func TestBufferMax(t *testing.T) {
	if got := NewBuffer(0).Max(); got != DefaultMatchMax {
		t.Errorf("NewBuffer(0).Max() = %d, want %d", got, DefaultMatchMax)
	}
	b := NewBuffer(5)
	b.SetMax(-1)
	if b.Max() != DefaultMatchMax {
		t.Errorf("SetMax(-1): Max = %d", b.Max())
	}
	b.SetMax(100)
	if b.Max() != 100 {
		t.Errorf("SetMax(100): Max = %d", b.Max())
	}
}

func TestBufferDrain(t *testing.T) {
	b := NewBuffer(0)
	b.Write([]byte("250-a\r\n250 b"))
	b.ReadLine(false)
	got := b.Drain()
	if string(got) != "250 b" {
		t.Errorf("Drain = %q, want %q", got, "250 b")
	}
	b.Write([]byte("x"))
	if string(got) != "250 b" {
		t.Errorf("Drain result changed by a later Write: %q", got)
	}
	// What follows a drain starts a new line: ^ matches.
	b.Write([]byte("yz\r\n"))
	m, err := b.Scan([]Case{{Pattern: mustCompile(t, `^xyz$`)}}).Next(false)
	if err != nil || m == nil {
		t.Errorf("^ after Drain: match %v, err %v", m, err)
	}
}

// ReadLine and NextLine return the same lines (NextLine's alias the buffer
// instead of being copies), and both leave nothing behind.
func TestBufferReadLine(t *testing.T) {
	for _, m := range []struct {
		name string
		read func(b *Buffer, eof bool) ([]byte, bool)
	}{{"ReadLine", (*Buffer).ReadLine}, {"NextLine", (*Buffer).NextLine}} {
		t.Run(m.name, func(t *testing.T) {
			b := NewBuffer(0)
			b.Write([]byte("a\r\nb\nc\r\r\n\r\n"))
			for _, want := range []string{"a", "b", "c\r", ""} {
				line, ok := m.read(b, false)
				if !ok || string(line) != want {
					t.Errorf("= %q, %v; want %q", line, ok, want)
				}
			}
			if line, ok := m.read(b, false); ok {
				t.Errorf("on empty buffer = %q, true", line)
			}
			b.Write([]byte("tail"))
			if line, ok := m.read(b, false); ok {
				t.Errorf("of an incomplete line = %q, true", line)
			}
			b.Write([]byte(" more\r"))
			if line, ok := m.read(b, false); ok {
				t.Errorf("of an incomplete line = %q, true", line)
			}
			line, ok := m.read(b, true)
			if !ok || string(line) != "tail more" {
				t.Errorf("at eof = %q, %v; want the tail without its CR", line, ok)
			}
			if line, ok := m.read(b, true); ok {
				t.Errorf("at eof on empty buffer = %q, true", line)
			}
			if b.Len() != 0 {
				t.Errorf("%d bytes left", b.Len())
			}
		})
	}
}

// A line dripping in byte by byte is searched for its LF once, not once
// per byte (the hint must also survive consumption).
func TestBufferReadLineHint(t *testing.T) {
	b := NewBuffer(0)
	for _, c := range []byte("abc\r\ndef\n") {
		b.Write([]byte{c})
		b.ReadLine(false)
	}
	if b.Len() != 0 {
		t.Errorf("left %q", b.Bytes())
	}
	b.Write([]byte("gh\n"))
	if line, ok := b.ReadLine(false); !ok || string(line) != "gh" {
		t.Errorf("ReadLine = %q, %v", line, ok)
	}
}

func TestBufferNext(t *testing.T) {
	b := NewBuffer(0)
	b.Write([]byte("{5}\r\nhello)\r\n"))
	b.ReadLine(false)
	if got := string(b.Next(5)); got != "hello" {
		t.Errorf("Next(5) = %q", got)
	}
	if got := string(b.Bytes()); got != ")\r\n" {
		t.Errorf("after Next: %q", got)
	}
	// Next leaves the buffer mid-line: ^ does not match there.
	sc := b.Scan([]Case{{Pattern: mustCompile(t, `^\)`)}, {Pattern: mustCompile(t, `\)$`)}})
	m, _ := sc.Next(false)
	if m == nil || m.Case != 1 {
		t.Errorf("after Next: match %+v, want case 1", m)
	}
	if got := b.Next(10); len(got) != 0 {
		t.Errorf("Next past the end = %q", got)
	}
}

func TestBufferPending(t *testing.T) {
	for _, tc := range []struct {
		data string
		want int
	}{
		{"", 0},
		{"a", 1},
		{"a\r\n", 1},
		{"a\r\nb", 2},
		{"a\nb\n\r\n", 3},
	} {
		b := NewBuffer(0)
		b.Write([]byte(tc.data))
		if got := b.Pending(); got != tc.want {
			t.Errorf("Pending(%q) = %d, want %d", tc.data, got, tc.want)
		}
	}
}

func TestBufferTail(t *testing.T) {
	b := NewBuffer(0)
	b.Write([]byte("220 hi\r\n\x00ok"))
	if got, want := b.Tail(4), `"\n\x00ok"`; got != want {
		t.Errorf("Tail(4) = %s, want %s", got, want)
	}
	if got, want := b.Tail(100), `"220 hi\r\n\x00ok"`; got != want {
		t.Errorf("Tail(100) = %s, want %s", got, want)
	}
	if strings.ContainsAny(b.Tail(100), "\r\n") {
		t.Errorf("Tail is not one line")
	}
}

// Many small consumptions interleaved with writes: the buffer must always
// hold exactly the unconsumed suffix of the stream (compaction moves data
// around underneath), and must not keep growing.
func TestBufferCompaction(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := NewBuffer(1 << 20)
	var stream []byte
	consumed := 0
	for i := range 20000 {
		chunk := make([]byte, rng.IntN(40))
		for j := range chunk {
			chunk[j] = "ab\r\n"[rng.IntN(4)]
		}
		stream = append(stream, chunk...)
		if rng.IntN(2) == 0 {
			if err := b.Write(chunk); err != nil {
				t.Fatal(err)
			}
		} else {
			// A reader filling the buffer in place (Session.fill).
			room := b.Reserve(len(chunk) + rng.IntN(8))
			if len(room) < len(chunk) {
				t.Fatalf("step %d: Reserve(%d) gave %d bytes", i, len(chunk), len(room))
			}
			if err := b.Commit(copy(room, chunk)); err != nil {
				t.Fatal(err)
			}
		}
		switch rng.IntN(3) {
		case 0:
			consumed += len(b.Next(rng.IntN(30)))
		case 1:
			if line, ok := b.ReadLine(false); ok {
				consumed += len(line)
				consumed = bytes.IndexByte(stream[consumed:], '\n') + consumed + 1
			}
		case 2:
			m, _ := b.Scan([]Case{{Pattern: Exact("ab")}}).Next(false)
			if m != nil {
				consumed += len(m.Before) + len(m.Groups[0])
				consumed = bytes.IndexByte(stream[consumed:], '\n') + consumed + 1
			}
		}
		if diff := cmp.Diff(string(stream[consumed:]), string(b.Bytes())); diff != "" {
			t.Fatalf("step %d: buffer is not the unconsumed stream (-want +got):\n%s", i, diff)
		}
	}
	if c := cap(b.data); c > 4*max(b.Len(), 4096) {
		t.Errorf("buffer capacity %d for %d unconsumed bytes: not compacted", c, b.Len())
	}
}

// Scanner offsets survive compaction by a Write during a call.
func TestScannerAcrossCompaction(t *testing.T) {
	b := NewBuffer(0)
	b.Write([]byte(strings.Repeat("x", 100) + "\r\n"))
	b.ReadLine(false)
	sc := b.Scan([]Case{{Pattern: mustCompile(t, `^a\r\nb$`)}})
	for _, c := range []string{"a\r\n", strings.Repeat("y", 1000) + "\r\n", "a\r\nb\r\n"} {
		b.Write([]byte(c))
		if m, err := sc.Next(false); err != nil || m != nil && m.Before != "a\r\n"+strings.Repeat("y", 1000)+"\r\n" {
			t.Fatalf("Next = %+v, %v", m, err)
		}
	}
	if b.Len() != 0 {
		t.Errorf("left %q", b.Bytes())
	}
}

func mustCompile(t testing.TB, expr string) *Pattern {
	t.Helper()
	p, err := Compile(expr)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return p
}

// A large Match.Before shares the buffer's memory (accept); whatever the
// buffer does next, with the rest after the match or new data, the string
// stays as it was.
func TestLargeBeforeSurvivesLaterWrites(t *testing.T) {
	for _, rest := range []string{"", "+OK bye\r\n", "+OK"} {
		b := NewBuffer(0)
		body := strings.Repeat("..stuffed line\r\nplain line\r\n", 8<<10) // 208 KiB
		b.Write([]byte(body + ".\r\n" + rest))
		m, err := b.Scan([]Case{{Pattern: MustCompile(`^\.$`)}}).Next(false)
		if err != nil || m == nil {
			t.Fatalf("rest %q: Next = %v, %v", rest, m, err)
		}
		if m.Before != body {
			t.Fatalf("rest %q: Before has %d bytes, want the %d of the body", rest, len(m.Before), len(body))
		}
		if got := string(b.Bytes()); got != rest {
			t.Errorf("rest %q: the buffer holds %q", rest, got)
		}
		for i := range 64 {
			data := bytes.Repeat([]byte("overwrite\r\n"), 1<<10)
			if i%2 == 0 {
				b.Write(data)
			} else {
				b.Commit(copy(b.Reserve(len(data)), data))
			}
			if _, ok := b.NextLine(false); !ok {
				t.Fatal("NextLine: no line")
			}
		}
		if m.Before != body {
			t.Errorf("rest %q: Before changed after later writes", rest)
		}
	}
}

func TestBufferReserveCommitFull(t *testing.T) {
	b := NewBuffer(10)
	room := b.Reserve(4)
	if len(room) < 4 {
		t.Fatalf("Reserve(4) gave %d bytes", len(room))
	}
	if err := b.Commit(copy(room, "0123456789")); err != nil || b.Len() != 10 {
		t.Fatalf("Commit up to Max: %v, Len %d", err, b.Len())
	}
	err := b.Commit(copy(b.Reserve(3), "abc"))
	if !failure.Is(err, failure.Full) {
		t.Fatalf("Commit past Max = %v, want kind full (as Write)", err)
	}
	if got := string(b.Bytes()); got != "0123456789abc" {
		t.Errorf("buffer holds %q: data past Max must be kept", got)
	}
}

// A large transfer reserves the buffer's bound once instead of doubling
// (grownCap): past 1 MiB, data up to Max arrives without another array,
// so nothing received is copied again.
func TestBufferLargeTransferGrowsOnce(t *testing.T) {
	const max = 24 << 20
	b := NewBuffer(max)
	chunk := bytes.Repeat([]byte("250-a line of a long reply\r\n"), 2<<10)
	arrays, late := 0, 0
	var last *byte
	for b.Len()+len(chunk) <= max {
		b.Commit(copy(b.Reserve(64<<10), chunk))
		if p := unsafe.SliceData(b.data); p != last {
			arrays++
			last = p
			if b.Len() > 1<<20 {
				late++
			}
		}
	}
	// 64 KiB (the first Reserve), 128 KiB, ... 1 MiB, then the bound.
	if late > 0 || arrays > 6 {
		t.Errorf("%d arrays for %d bytes, %d of them past 1 MiB: want at most 6, none past 1 MiB", arrays, b.Len(), late)
	}
}

func TestBufferGrownCap(t *testing.T) {
	for _, c := range []struct {
		max, cap, need, n, want int
	}{
		{max: 8 << 20, cap: 4096, need: 5000, n: 4096, want: 8192},                               // small: double
		{max: 8 << 20, cap: 512 << 10, need: 600 << 10, n: 64 << 10, want: 8<<20 + 64<<10},       // from reserveFrom: the bound
		{max: 8 << 20, cap: 16 << 20, need: 17 << 20, n: 64 << 10, want: 32 << 20},               // past the bound (full): double
		{max: 64 << 10, cap: 512 << 10, need: 600 << 10, n: 64 << 10, want: 1 << 20},             // a small bound: double
		{max: 4 << 30, cap: 512 << 10, need: 600 << 10, n: 64 << 10, want: reserveMax},           // at most reserveMax at once
		{max: 4 << 30, cap: reserveMax, need: reserveMax + 1, n: 64 << 10, want: 2 * reserveMax}, // then double
	} {
		if got := grownCap(c.cap, c.max, c.need, c.n); got != c.want {
			t.Errorf("max %d, cap %d: grownCap(%d, %d) = %d, want %d", c.max, c.cap, c.need, c.n, got, c.want)
		}
	}
}

// After a match that consumed a large Before, the buffer moves to a small
// array, with or without the match's text (Scanner.WithoutText): a
// statement s:expect after a 64 MiB message keeps nothing of it resident.
func TestLargeMatchLeavesSmallArray(t *testing.T) {
	for _, lean := range []bool{false, true} {
		b := NewBuffer(0)
		b.Write([]byte(strings.Repeat("a long body line\r\n", 16<<10) + ".\r\n+OK"))
		sc := b.Scan([]Case{{Pattern: MustCompile(`^\.$`)}})
		if lean {
			sc.WithoutText()
		}
		if m, err := sc.Next(false); err != nil || m == nil {
			t.Fatalf("lean %v: Next = %v, %v", lean, m, err)
		}
		if got := string(b.Bytes()); got != "+OK" {
			t.Errorf("lean %v: left %q, want +OK", lean, got)
		}
		if cap(b.data) > 4096 {
			t.Errorf("lean %v: the buffer kept an array of %d bytes for 3 unread", lean, cap(b.data))
		}
	}
}
