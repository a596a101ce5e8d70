package session

import (
	"syscall"
	"unsafe"
)

// adviseHugePages marks the 2 MiB-aligned middle of b for transparent huge
// pages (madvise MADV_HUGEPAGE) before it is first touched. It is only
// advice: the kernel may ignore it (THP "never"), and nothing else changes.
func adviseHugePages(b []byte) {
	const huge = 2 << 20
	if len(b) < 2*huge {
		return
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int((huge - addr%huge) % huge)
	n := (len(b) - off) &^ (huge - 1)
	if n <= 0 {
		return
	}
	_ = syscall.Madvise(b[off:off+n], syscall.MADV_HUGEPAGE) // an error leaves small pages
}
