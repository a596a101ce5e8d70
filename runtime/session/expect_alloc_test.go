package session

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
)

// An expect call per command (s:sendline / s:expect("^250 ")) allocates
// in steady state only what it returns: the Match, with its groups in the
// same allocation, and its Line; a guard set adds nothing. The replies are
// buffered before the calls, so no read is counted.
func TestExpectSteadyStateAllocs(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	s := New(client, Options{Timeout: time.Minute})
	defer s.Close()
	s.Guard(expect.Case{Pattern: expect.MustCompile(`^421 `)})
	cases := []expect.Case{{Pattern: expect.MustCompile(`^250 `)}}
	ctx := context.Background()
	const runs = 100
	for range runs + 2 { // AllocsPerRun runs once more to warm up
		s.buf.Write([]byte("250 2.1.0 ok\r\n"))
	}
	allocs := testing.AllocsPerRun(runs, func() {
		m, err := s.Expect(ctx, cases, 0)
		if err != nil || m.Groups[0] != "250 " {
			t.Fatalf("Expect = %v, %v", m, err)
		}
	})
	t.Logf("%.1f allocations per Expect", allocs)
	if allocs > 2 {
		t.Errorf("Expect allocates %.0f times per call, want at most 2 (the Match and its Line)", allocs)
	}
}
