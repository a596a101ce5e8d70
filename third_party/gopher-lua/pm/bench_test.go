package pm

import (
	"strings"
	"testing"
)

// Matching costs, to check that polling for cancellation does not slow
// the matcher (PATCHES.md, "The run's deadline inside library calls").
func benchmarkFind(b *testing.B, pat, src string, limit int) {
	s := []byte(src)
	if _, err := Find(pat, s, 0, limit); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Find(pat, s, 0, limit)
	}
}

func BenchmarkFindReplyLine(b *testing.B) {
	benchmarkFind(b, "^([%+%-]%a+)(.*)$", "+OK logged in", 1)
}

func BenchmarkFindNoMatch1K(b *testing.B) {
	benchmarkFind(b, "%d%d%d%-", strings.Repeat("abc ", 256), 1)
}

func BenchmarkFindAllWords1K(b *testing.B) {
	benchmarkFind(b, "%a+", strings.Repeat("word ", 200), -1)
}

func BenchmarkFindBacktrack(b *testing.B) {
	benchmarkFind(b, strings.Repeat("a*", 6)+"b", strings.Repeat("a", 10), 1)
}

// TestFindAllocations: a match with up to 3 captures is one allocation
// for its match data (mailexpect patch: captures' room inside it) and one
// for the list of matches.
func TestFindAllocations(t *testing.T) {
	s := []byte("+OK 2 messages")
	if _, err := Find("^([%+%-]%a+) (%d+) (%a+)$", s, 0, 1); err != nil {
		t.Fatal(err)
	}
	a := testing.AllocsPerRun(100, func() { Find("^([%+%-]%a+) (%d+) (%a+)$", s, 0, 1) })
	if a > 2 {
		t.Errorf("a 3-capture match takes %v allocations, want 2 at most", a)
	}
}
