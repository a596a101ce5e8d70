package luabind

import (
	"context"
	"testing"
)

// BenchmarkEmptyRun is the in-process part of an empty -e run: a fresh
// state with the whole API, running an empty chunk.
func BenchmarkEmptyRun(b *testing.B) {
	proto, err := Compile("(command line)", nil)
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
