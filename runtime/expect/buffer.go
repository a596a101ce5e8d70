package expect

import (
	"bytes"
	"runtime/debug"
	"strconv"

	"github.com/mailexpect/mailexpect/internal/bigmem"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Buffer holds received bytes not yet consumed. It is bounded: Write
// always keeps the data (never a silent drop) and reports a *failure.Error
// of kind Full once more than Max bytes are unconsumed; the owner then takes
// the data with Drain and reports it.
//
// The zero value is not usable; call NewBuffer.
//
// Data lives in b.data[b.r:]. Consuming only moves b.r; the consumed prefix
// is reclaimed when it is at least as large as what is left and the slice
// would otherwise have to grow, so every byte is copied a bounded number of
// times (amortised linear cost, however small the consumptions).
//
// Positions that must survive that compaction (the scanner's cursor, the
// line-feed search hint) are absolute stream offsets: b.base is the stream
// offset of b.data[0].
type Buffer struct {
	data []byte
	r    int
	base int64
	max  int

	// midLine is set when the unconsumed data starts inside a line (after
	// a partial match or Next): '^' must not match there. last is the last
	// byte consumed, the context for '\b' at that start.
	midLine bool
	last    byte

	noLFBefore int64 // ReadLine hint: no LF in [start, noLFBefore)
}

// releaseAfterGrow is the size from which the array a buffer grew out of
// is handed back to the operating system at once: the arrays of a
// doubling buffer add up to its final size again, and the Go heap would
// otherwise keep them resident next to it (a 64 MiB message held 128 MiB
// of old arrays). Collecting costs little here: byte arrays hold no
// pointers to mark.
const releaseAfterGrow = 8 << 20

// releaseOld returns freed memory to the OS; a variable for tests.
var releaseOld = debug.FreeOSMemory

// DefaultMatchMax is the default bound of the receive buffer.
const DefaultMatchMax = 8 << 20

// NewBuffer returns an empty buffer bounded by max bytes (DefaultMatchMax
// when max <= 0).
func NewBuffer(max int) *Buffer {
	b := &Buffer{}
	b.SetMax(max)
	return b
}

// Write appends p. It never drops data: past Max it still appends and
// returns a *failure.Error of kind Full; the owner takes the data with
// Drain.
func (b *Buffer) Write(p []byte) error {
	b.room(len(p))
	b.data = append(b.data, p...)
	return b.checkFull()
}

// Reserve returns free space of at least n bytes at the end of the
// buffer, for a reader to fill in place (a connection's Read: no copy
// from a chunk of its own); Commit then adds what was written. Nothing
// else may use the buffer in between.
func (b *Buffer) Reserve(n int) []byte {
	b.room(n)
	return b.data[len(b.data):cap(b.data)]
}

// Commit adds the first n bytes of the space Reserve returned, as Write
// would add them (the same Full error past Max).
func (b *Buffer) Commit(n int) error {
	b.data = b.data[:len(b.data)+n]
	return b.checkFull()
}

// room makes space for n more bytes after the data: it slides the data
// down when at least half of the array is consumed, else doubles it.
func (b *Buffer) room(n int) {
	if len(b.data)+n <= cap(b.data) {
		return
	}
	if b.r > 0 && b.r >= len(b.data)-b.r {
		// At least half is consumed: slide the rest down instead.
		k := copy(b.data, b.data[b.r:])
		b.base += int64(b.r)
		b.data, b.r = b.data[:k], 0
	}
	if need := len(b.data) + n; need > cap(b.data) {
		old := cap(b.data)
		b.data = append(bigmem.Alloc(grownCap(old, b.max, need, n)), b.data...)
		if old >= releaseAfterGrow {
			releaseOld()
		}
	}
}

// minCap is the least array a buffer allocates: a session's first read
// asks for 1 KiB (a bulk run opens a session per row, most of which only
// read short replies; each array is allocated and zeroed).
const minCap = 1 << 10

// reserveFrom is the capacity from which a growing buffer reserves its
// bound at once, and reserveMax bounds that reservation (see grownCap):
// past it, a buffer doubles again.
const (
	reserveFrom = 1 << 20
	reserveMax  = 1 << 30
)

// grownCap is the capacity a buffer bounded by max grows to from
// capacity for need bytes, n of them the space asked for. Small buffers
// double (append grows large slices by
// only 1.25x, which copies a big buffer about five times over). From
// reserveFrom on — a large transfer, whose end the matcher cannot
// know — the buffer grows to its bound at once (Max, and room for one
// more read past it, up to reserveMax): bigmem's array is address space
// until it is written, while every doubling copies all that arrived into
// memory touched for the first time (a 64 MiB message: 64 MiB copied, and
// 128 MiB of fresh pages instead of 64, which this VM zeroes at about
// 1.5 GB/s).
func grownCap(capacity, bound, need, n int) int {
	c := max(2*capacity, need, minCap)
	if c >= reserveFrom {
		c = max(c, min(bound+n, reserveMax))
	}
	return c
}

func (b *Buffer) checkFull() error {
	if b.Len() > b.max {
		return &failure.Error{
			Kind:    failure.Full,
			Message: "receive buffer full: " + strconv.Itoa(b.Len()) + " bytes unread, match_max is " + strconv.Itoa(b.max),
			Tail:    b.Tail(64),
		}
	}
	return nil
}

// Len returns the number of unconsumed bytes.
func (b *Buffer) Len() int { return len(b.data) - b.r }

// Max returns the bound.
func (b *Buffer) Max() int { return b.max }

// SetMax sets the bound (DefaultMatchMax when n <= 0). Data already
// buffered is kept; the next Write reports Full if it is over.
func (b *Buffer) SetMax(n int) {
	if n <= 0 {
		n = DefaultMatchMax
	}
	b.max = n
}

// Bytes returns the unconsumed bytes, valid until the next call.
func (b *Buffer) Bytes() []byte { return b.data[b.r:] }

// Pending returns the number of complete lines buffered; an incomplete
// last line counts as one.
func (b *Buffer) Pending() int {
	rest := b.Bytes()
	n := bytes.Count(rest, []byte{'\n'})
	if len(rest) > 0 && rest[len(rest)-1] != '\n' {
		n++
	}
	return n
}

// Drain discards everything buffered and returns a copy of it. What comes
// next starts a new line.
func (b *Buffer) Drain() []byte {
	out := bytes.Clone(b.Bytes())
	b.consume(b.end())
	b.midLine = false
	if cap(b.data) > 1<<20 {
		b.base += int64(len(b.data))
		b.data, b.r = nil, 0 // give a large, now empty, buffer back
	}
	return out
}

// ReadLine consumes and returns the next complete line without its
// terminator (CR LF or LF). At eof an incomplete last line counts as a line
// (a CR ending it is dropped as part of its line end). ok is false when no
// line is available.
func (b *Buffer) ReadLine(eof bool) (line []byte, ok bool) {
	line, ok = b.NextLine(eof)
	return bytes.Clone(line), ok
}

// NextLine is ReadLine without the copy: the line aliases the buffer and
// is valid only until the next call that writes to or consumes from it.
// Framing loops over large bodies (dot bodies) use it to avoid an
// allocation per line.
func (b *Buffer) NextLine(eof bool) (line []byte, ok bool) {
	from := max(b.noLFBefore, b.start())
	if i := bytes.IndexByte(b.data[b.index(from):], '\n'); i >= 0 {
		lf := from + int64(i)
		line = b.slice(b.start(), b.trimCR(b.start(), lf))
		b.consume(lf + 1)
		return line, true
	}
	b.noLFBefore = b.end()
	if !eof || b.Len() == 0 {
		return nil, false
	}
	line = b.slice(b.start(), b.trimCR(b.start(), b.end()))
	b.consume(b.end())
	return line, true
}

// Next consumes n bytes (at most Len()) and returns a copy of them.
func (b *Buffer) Next(n int) []byte {
	n = min(max(n, 0), b.Len())
	out := bytes.Clone(b.data[b.r : b.r+n])
	b.consume(b.start() + int64(n))
	return out
}

// Tail returns the last n unconsumed bytes, Go %q-quoted, so that a timeout
// message stays on one line.
func (b *Buffer) Tail(n int) string {
	rest := b.Bytes()
	return strconv.Quote(string(rest[len(rest)-min(max(n, 0), len(rest)):]))
}

// Scan starts an expect call with cases; see Scanner.
func (b *Buffer) Scan(cases []Case) *Scanner { return newScanner(b, cases) }

// start and end are the stream offsets of the unconsumed data.
func (b *Buffer) start() int64 { return b.base + int64(b.r) }
func (b *Buffer) end() int64   { return b.base + int64(len(b.data)) }

// index converts a stream offset to an index in b.data.
func (b *Buffer) index(off int64) int { return int(off - b.base) }

// slice returns the bytes between two stream offsets.
func (b *Buffer) slice(from, to int64) []byte { return b.data[b.index(from):b.index(to)] }

// consume drops everything before stream offset to.
func (b *Buffer) consume(to int64) {
	if to <= b.start() {
		return
	}
	b.r = b.index(to)
	b.last = b.data[b.r-1]
	b.midLine = b.last != '\n'
	if b.r == len(b.data) {
		// Empty: start over at the front of the slice, for free.
		b.base += int64(b.r)
		b.data, b.r = b.data[:0], 0
	}
}

// detach moves the unconsumed data to a new array and leaves the old one
// to whoever holds a view of its consumed part (Match.Before): nothing
// writes to it again.
func (b *Buffer) detach() {
	rest := b.data[b.r:]
	fresh := make([]byte, len(rest), max(len(rest), 4096))
	copy(fresh, rest)
	b.base += int64(b.r)
	b.data, b.r = fresh, 0
}

// trimCR returns end, or end-1 when the bytes [start,end) end with a CR.
// A CR right before an LF belongs to the line end; so does a CR at the end
// of the data (eof, or a line still arriving): it is taken as the start of
// a CR LF, never as content.
func (b *Buffer) trimCR(start, end int64) int64 {
	if end > start && b.data[b.index(end-1)] == '\r' {
		return end - 1
	}
	return end
}
