package lua

import (
	"strings"
	"testing"
)

// TestCallStackSegments: the growing call stack keeps its segments once
// allocated (patch 0033) and still stops at CallStackSize frames,
// rounded up to a multiple of 8 as before, with a Lua error.
func TestCallStackSegments(t *testing.T) {
	L := NewState(Options{CallStackSize: 200, MinimizeStackMemory: true})
	cs := L.stack.(*autoGrowingCallFrameStack)
	if err := L.DoString(`
local function d(k) if k > 0 then return 1 + d(k - 1) end return 0 end
assert(d(150) == 150)
assert(d(150) == 150)`); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, s := range cs.segments {
		if s != nil {
			kept++
		}
	}
	if kept < 5 {
		t.Errorf("%d segments kept after a 150-frame recursion, want 5 or more", kept)
	}
	err := L.DoString(`local function d(k) if k > 0 then return 1 + d(k - 1) end return 0 end
return d(300)`)
	if err == nil || !strings.Contains(err.Error(), "stack overflow") {
		t.Errorf("a 300-frame recursion with CallStackSize 200: %v, want a stack overflow", err)
	}
	// 200 frames: the main chunk, the call from Go and 198 levels fit.
	L.SetTop(0)
	if err := L.DoString(`local function d(k) if k > 0 then return 1 + d(k - 1) end return 0 end
assert(d(196) == 196)`); err != nil {
		t.Errorf("196 levels within CallStackSize 200: %v", err)
	}
	L.Close()
	for i, s := range cs.segments {
		if s != nil {
			t.Errorf("segment %d kept after Close", i)
		}
	}
}
