// Package bigmem allocates the byte arrays of large transfers — a message
// body held in memory, a receive buffer grown to tens of MiB, the result
// of a regex replace over such a body — so that the kernel can back them
// with transparent huge pages. A 64 MiB array is otherwise 16,384 page
// faults when it is first written, which in a VM cost more than receiving
// the data (issue 26: 52,000 faults made up most of the CPU of a 64 MiB
// message expected and unstuffed in memory).
package bigmem

// Threshold is the capacity from which Alloc asks for huge pages: below
// it an array is a few pages, not worth a system call and a 2 MiB
// rounding.
const Threshold = 4 << 20

// Alloc returns an empty slice with room for at least c bytes, for a
// caller that appends to it (or reads into its spare capacity) and never
// looks past its length: from Threshold on, the memory is not zeroed.
// Such an array starts on a huge-page boundary and is advised for huge
// pages (Linux: madvise MADV_HUGEPAGE) before anything is written to it
// (make would clear memory the Go heap reuses, faulting it in as small
// pages first). The advice changes nothing else: where the kernel ignores
// it (THP "never", other systems) the array gets small pages.
func Alloc(c int) []byte {
	if c < Threshold {
		return make([]byte, 0, c)
	}
	return allocHuge(c)
}
