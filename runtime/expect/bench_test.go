package expect

import (
	"fmt"
	"strconv"
	"testing"
)

// The expect benchmarks feed 1, 16 and 64 MiB of CRLF lines in 64 KiB
// chunks, calling Next after each chunk as the session does, and expect a
// match only at the very end (or never). Matching must be linear in the
// bytes received: compare ns/op of the 64 MiB and 16 MiB runs (at most
// 4.5x), or equivalently MB/s, which must stay flat.

const benchChunk = 64 << 10

var benchSizes = []int{1 << 20, 16 << 20, 64 << 20}

// benchData returns size bytes of EHLO-like lines followed by tail.
func benchData(size int, tail string) []byte {
	data := make([]byte, 0, size+len(tail))
	for i := 0; len(data) < size-len(tail); i++ {
		data = append(data, "250-mx.example.com keyword-"...)
		data = strconv.AppendInt(data, int64(i), 10)
		data = append(data, " parameter text\r\n"...)
	}
	return append(data, tail...)
}

func benchExpect(b *testing.B, cases []Case, tail string, wantMatch bool) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			data := benchData(size, tail)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				buf := NewBuffer(2 * size)
				sc := buf.Scan(cases)
				var m *Match
				for off := 0; off < len(data) && m == nil; off += benchChunk {
					if err := buf.Write(data[off:min(off+benchChunk, len(data))]); err != nil {
						b.Fatal(err)
					}
					var err error
					if m, err = sc.Next(false); err != nil {
						b.Fatal(err)
					}
				}
				if (m != nil) != wantMatch {
					b.Fatalf("match = %v, want a match: %v", m, wantMatch)
				}
			}
		})
	}
}

func mustCase(b *testing.B, expr string) Case {
	p, err := Compile(expr)
	if err != nil {
		b.Fatal(err)
	}
	return Case{Pattern: p}
}

// (a) A line-local pattern that matches only the final line.
func BenchmarkExpectLineLocal(b *testing.B) {
	benchExpect(b, []Case{mustCase(b, `^250 (END)$`)}, "250 END\r\n", true)
}

// (b) A multi-line pattern (window of 2 lines) matching at the end.
func BenchmarkExpectMultiLine(b *testing.B) {
	benchExpect(b, []Case{mustCase(b, `^250-x\r\n250 END`)}, "250-x\r\n250 END\r\n", true)
}

// (c) A pattern that never matches: everything stays buffered.
func BenchmarkExpectNoMatch(b *testing.B) {
	benchExpect(b, []Case{mustCase(b, `^999 `)}, "250 END\r\n", false)
}

// Exact text, for comparison.
func BenchmarkExpectExact(b *testing.B) {
	benchExpect(b, []Case{{Pattern: Exact("250 END")}}, "250 END\r\n", true)
}

// A typical call: guards plus cases, several of them line-local.
func BenchmarkExpectSeveralCases(b *testing.B) {
	benchExpect(b, []Case{
		mustCase(b, `^250 (.*)$`), mustCase(b, `^5\d\d `), mustCase(b, `^421 `), {Pattern: Exact("BYE")},
	}, "250 END\r\n", true)
}

func BenchmarkCompile(b *testing.B) {
	for _, expr := range []string{`^250 (.*)$`, `^(?P<code>\d{3})[ -](?P<text>[^\r\n]*)$`, `^250-x\r\n250 END`} {
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(expr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
