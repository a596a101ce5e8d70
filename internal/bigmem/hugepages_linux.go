package bigmem

import (
	"strings"
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// allocHuge allocates c bytes rounded up to whole huge pages, plus one
// huge page of slack to start the slice on a boundary (the slack is
// address space, never written but for one byte).
func allocHuge(c int) []byte {
	n := (c + hugePage - 1) &^ (hugePage - 1)
	// strings.Builder's Grow allocates without zeroing; one written byte
	// yields the array's address. The slice is an interior pointer into
	// that array, which keeps all of it alive.
	var sb strings.Builder
	sb.Grow(n + hugePage)
	sb.WriteByte(0)
	p := unsafe.Pointer(unsafe.StringData(sb.String()))
	off := hugePage - int(uintptr(p)%hugePage) // 1..hugePage: never the written byte's page
	b := unsafe.Slice((*byte)(unsafe.Add(p, off)), n)
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // an error leaves small pages
	return b[:0]
}
