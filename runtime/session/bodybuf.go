package session

import (
	"unsafe"

	"github.com/mailexpect/mailexpect/internal/bigmem"
)

// BodyBuffer collects a message body for ReadDot and hands it out as a
// string without a copy. Given the size in advance (POP3's "+OK n
// octets"), it reserves it once (a large one in huge pages, see bigmem).
type BodyBuffer struct {
	b []byte
}

// NewBodyBuffer returns a buffer with room for size bytes (0: unknown, it
// grows as the body arrives).
func NewBodyBuffer(size int) *BodyBuffer {
	return &BodyBuffer{b: bigmem.Alloc(size)}
}

func (w *BodyBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *BodyBuffer) WriteString(s string) (int, error) {
	w.b = append(w.b, s...)
	return len(s), nil
}

// Len is the number of bytes written so far.
func (w *BodyBuffer) Len() int { return len(w.b) }

// String returns the bytes written as a string sharing their memory; the
// buffer must not be written to afterwards.
func (w *BodyBuffer) String() string {
	if len(w.b) == 0 {
		return ""
	}
	return unsafe.String(&w.b[0], len(w.b))
}
