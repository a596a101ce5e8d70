package bigmem

import (
	"bytes"
	"runtime"
	"testing"
	"unsafe"
)

// Alloc's slice takes c appended bytes without moving, and its array
// lives as long as the slice (an interior pointer into a larger array).
func TestAlloc(t *testing.T) {
	for _, c := range []int{0, 1, 4096, Threshold - 1, Threshold, Threshold + 1, 3*Threshold + 12345} {
		b := Alloc(c)
		if len(b) != 0 || cap(b) < c {
			t.Fatalf("Alloc(%d): len %d, cap %d; want 0 and at least %d", c, len(b), cap(b), c)
		}
		if c == 0 {
			continue
		}
		want := bytes.Repeat([]byte("0123456789abcdef"), c/16+1)[:c]
		start := unsafe.SliceData(b[:1])
		b = append(b, want...)
		if unsafe.SliceData(b) != start {
			t.Errorf("Alloc(%d): appending %d bytes moved the array", c, c)
		}
		runtime.GC()
		runtime.GC()
		filler := make([][]byte, 64) // reuse of freed memory would show
		for i := range filler {
			filler[i] = bytes.Repeat([]byte{'x'}, 64<<10)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("Alloc(%d): the data changed after a collection", c)
		}
		runtime.KeepAlive(filler)
	}
}
