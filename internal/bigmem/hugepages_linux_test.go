package bigmem

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// From Threshold on, the array starts on a huge-page boundary and its
// mapping carries the advice (VmFlags "hg" in /proc/self/smaps): whether
// the kernel then gives huge pages is its own business (THP "never").
func TestAllocAdvisesHugePages(t *testing.T) {
	b := Alloc(Threshold + 1)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b[:1])))
	if addr%hugePage != 0 {
		t.Errorf("array at %#x: not on a %d-byte boundary", addr, hugePage)
	}
	flags, err := vmFlags(addr)
	if err != nil {
		t.Fatal(err)
	}
	// A kernel built without transparent huge pages refuses the advice
	// (EINVAL) and has no /sys/kernel/mm/transparent_hugepage: there the
	// mapping must simply not carry it; everywhere else it must.
	_, thpErr := os.Stat("/sys/kernel/mm/transparent_hugepage")
	if hg := strings.Contains(" "+flags+" ", " hg "); hg != (thpErr == nil) {
		t.Errorf("mapping of %#x has VmFlags %q: hg (MADV_HUGEPAGE) is %v, kernel THP support %v", addr, flags, hg, thpErr == nil)
	}
	small := Alloc(Threshold - 1)
	if cap(small) != Threshold-1 {
		t.Errorf("Alloc(Threshold-1): cap %d, want exactly %d (a plain make)", cap(small), Threshold-1)
	}
}

// vmFlags returns the VmFlags of the mapping holding addr.
func vmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	return "", fmt.Errorf("no mapping holds %#x", addr)
}
