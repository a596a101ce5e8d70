package testutil

import (
	"strings"
	"sync"
	"testing"
)

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := b.String(); got != strings.Repeat("x", 800) {
		t.Errorf("got %d bytes, want 800", len(got))
	}
}

func TestGaugePeak(t *testing.T) {
	var g Gauge
	g.Enter()
	g.Enter()
	g.Leave()
	g.Enter()
	g.Enter()
	if p := g.Peak(); p != 3 {
		t.Errorf("peak %d, want 3", p)
	}
	g.Leave()
	g.Leave()
	g.Leave()
	g.Enter()
	if p := g.Peak(); p != 3 {
		t.Errorf("peak after leaving %d, want still 3", p)
	}
}
