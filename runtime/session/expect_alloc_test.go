package session

import (
	"context"
	"net"
	"slices"
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

// Await (Expect for a caller that only needs the case: s:expect as a Lua
// statement) allocates nothing at all, and SendLine nothing either: the
// whole per-command path of s:sendline / s:expect("^250 ").
func TestAwaitSteadyStateAllocs(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	go func() { // the peer of a pipe must read what is sent
		buf := make([]byte, 512)
		for {
			if _, err := server.Read(buf); err != nil {
				return
			}
		}
	}()
	s := New(client, Options{Timeout: time.Minute})
	defer s.Close()
	s.Guard(expect.Case{Pattern: expect.MustCompile(`^421 `)})
	var one [1]expect.Case
	one[0].Pattern = expect.MustCompile(`^250 `)
	ctx := context.Background()
	const runs = 100
	for range runs + 2 {
		s.buf.Write([]byte("250-PIPELINING\r\n250 2.1.0 ok\r\n"))
	}
	allocs := testing.AllocsPerRun(runs, func() {
		if err := s.SendLine(ctx, "MAIL FROM:<a@example.com>"); err != nil {
			t.Fatal(err)
		}
		c, err := s.Await(ctx, one[:], 0)
		if err != nil || c != 0 {
			t.Fatalf("Await = %d, %v", c, err)
		}
	})
	if allocs != 0 {
		t.Errorf("SendLine + Await allocate %.1f times per command, want 0", allocs)
	}
	if s.buf.Len() != len("250-PIPELINING\r\n250 2.1.0 ok\r\n") {
		t.Errorf("%d bytes left, want the one round AllocsPerRun did not run", s.buf.Len())
	}
}

// Await consumes what Expect consumes and reports the guard that matched.
func TestAwaitLikeExpect(t *testing.T) {
	data := "250-a\r\n250 b\r\n421 going\r\n250 c\r\n"
	for _, await := range []bool{false, true} {
		client, server := net.Pipe()
		s := New(client, Options{Timeout: time.Minute})
		s.Guard(expect.Case{Pattern: expect.MustCompile(`^421 `)})
		s.buf.Write([]byte(data))
		cases := []expect.Case{{Pattern: expect.MustCompile(`^250 `)}}
		var got []int
		for range 3 {
			c := -1
			if await {
				var err error
				if c, err = s.Await(context.Background(), cases, 0); err != nil {
					t.Fatal(err)
				}
			} else {
				m, err := s.Expect(context.Background(), cases, 0)
				if err != nil {
					t.Fatal(err)
				}
				c = m.Case
			}
			got = append(got, c)
		}
		if want := []int{0, 1, 0}; !slices.Equal(got, want) || s.buf.Len() != 0 {
			t.Errorf("await %v: cases %v with %q left, want %v and nothing", await, got, s.buf.Bytes(), want)
		}
		s.Close()
		server.Close()
	}
}
