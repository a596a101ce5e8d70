package luabind

import (
	"context"
	"testing"
)

// benchmarkFreshRuns runs src in a fresh state b.N times.
func benchmarkFreshRuns(b *testing.B, src string) {
	proto, err := Compile("(command line)", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	rn := NewRunner(Config{})
	b.ReportAllocs()
	for b.Loop() {
		if code, err := rn.Run(context.Background(), proto); code != 0 || err != nil {
			b.Fatal(code, err)
		}
	}
}

// BenchmarkEmptyRun is the in-process part of an empty -e run: a fresh
// state with the whole API, running an empty chunk.
func BenchmarkEmptyRun(b *testing.B) { benchmarkFreshRuns(b, "") }

// BenchmarkRequirePOP3 is a fresh state that loads the pop3 module: what
// every row of `--each` with a pop3 script pays before its first command.
func BenchmarkRequirePOP3(b *testing.B) { benchmarkFreshRuns(b, `require "pop3"`) }
