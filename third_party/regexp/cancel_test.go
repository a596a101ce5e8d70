package regexp

import (
	"strings"
	"testing"
	"time"
)

// TestWithCancel (mailexpect patch): with done open a search finds what
// the regexp finds; with done closed it reports no match at once, in every
// engine (one-pass, backtracking, NFA); closed mid-search it stops within
// a few thousand characters instead of running to the end of the input.
func TestWithCancel(t *testing.T) {
	open := make(chan struct{})
	closed := make(chan struct{})
	close(closed)
	for _, tt := range []struct{ expr, s string }{
		{`^abc`, "abcdef"},                              // one-pass
		{`(a+)(b+)`, "xxaabbbyy"},                       // backtracking (small input)
		{`(a+)(b+)`, strings.Repeat("x", 1<<20) + "ab"}, // NFA
	} {
		re := MustCompile(tt.expr)
		want := re.FindStringSubmatchIndex(tt.s)
		if got := re.WithCancel(open).FindStringSubmatchIndex(tt.s); !equalInts(got, want) {
			t.Errorf("%s: open done: %v, want %v", tt.expr, got, want)
		}
		if got := re.WithCancel(closed).FindStringSubmatchIndex(tt.s); got != nil {
			t.Errorf("%s: closed done: %v, want nil", tt.expr, got)
		}
		if re.WithCancel(closed).MatchString(tt.s) {
			t.Errorf("%s: closed done matched", tt.expr)
		}
	}

	// a{1,150}b over 1.2 MB of "a" takes seconds of CPU without the stop.
	re := MustCompile(`a{1,150}b`).WithCancel(closedAfter(50 * time.Millisecond))
	start := time.Now()
	if re.MatchString(strings.Repeat("a", 1.2e6)) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the search went on for %v after done was closed at 50ms", d)
	}
}

func closedAfter(d time.Duration) chan struct{} {
	c := make(chan struct{})
	time.AfterFunc(d, func() { close(c) })
	return c
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
