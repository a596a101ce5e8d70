package bulk

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	w := PrefixWriter(&out, "alice")
	for _, chunk := range []string{"one\ntw", "o\n", "", "three", " still three\nfour\n", "tail"} {
		n, err := w.Write([]byte(chunk))
		if err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if want := "[alice] one\n[alice] two\n[alice] three still three\n[alice] four\n"; out.String() != want {
		t.Errorf("before Flush:\n%q\nwant\n%q", out.String(), want)
	}
	w.Flush()
	w.Flush() // nothing more
	if !strings.HasSuffix(out.String(), "[alice] four\n[alice] tail\n") {
		t.Errorf("after Flush: %q", out.String())
	}
}

// unsafeWriter fails the test if two writes overlap: it stands for a
// writer that is not safe for concurrent use.
type unsafeWriter struct {
	t     *testing.T
	busy  bool
	lines []string
}

func (u *unsafeWriter) Write(p []byte) (int, error) {
	if u.busy {
		u.t.Error("concurrent Write")
	}
	u.busy = true
	u.lines = append(u.lines, string(p))
	u.busy = false
	return len(p), nil
}

func TestPrefixWritersShareOneWriter(t *testing.T) {
	u := &unsafeWriter{t: t}
	var wg sync.WaitGroup
	for k := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := PrefixWriter(u, fmt.Sprintf("row%d", k))
			for i := range 100 {
				fmt.Fprintf(w, "line %d of ", i)
				fmt.Fprintf(w, "row%d\n", k)
			}
		}()
	}
	wg.Wait()
	if len(u.lines) != 800 {
		t.Fatalf("%d lines", len(u.lines))
	}
	for _, l := range u.lines {
		var k, i, k2 int
		if n, _ := fmt.Sscanf(l, "[row%d] line %d of row%d\n", &k, &i, &k2); n != 3 || k != k2 {
			t.Errorf("torn line %q", l)
		}
	}
}
