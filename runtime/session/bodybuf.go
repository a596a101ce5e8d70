package session

import "unsafe"

// BodyBuffer collects a message body for ReadDot and hands it out as a
// string without a copy. Given the size in advance (POP3's "+OK n
// octets"), it reserves it once; a large one asks the kernel for huge
// pages (Linux): a 64 MiB body is otherwise 16,384 page faults, which cost
// more than receiving it.
type BodyBuffer struct {
	b []byte
}

// hugeBody is the size from which a body buffer is worth huge pages.
const hugeBody = 8 << 20

// NewBodyBuffer returns a buffer with room for size bytes (0: unknown, it
// grows as the body arrives).
func NewBodyBuffer(size int) *BodyBuffer {
	b := make([]byte, 0, size)
	if size >= hugeBody {
		adviseHugePages(b[:size])
	}
	return &BodyBuffer{b: b}
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
