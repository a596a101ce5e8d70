package lua

import "testing"

// mailexpect patch (alloc.go): PushNumber boxes through the state's
// allocator, which carves numbers from blocks: far less than the one
// allocation per number Push makes.
func TestPushNumberAllocations(t *testing.T) {
	L := NewState()
	defer L.Close()
	x := LNumber(0.5)
	a := testing.AllocsPerRun(1000, func() {
		x += 1.25
		L.PushNumber(x)
		if L.Get(-1) != x {
			t.Fatalf("pushed %v, want %v", L.Get(-1), x)
		}
		L.Pop(1)
	})
	if a > 0.1 {
		t.Errorf("PushNumber takes %v allocations per number, want about none", a)
	}
}
