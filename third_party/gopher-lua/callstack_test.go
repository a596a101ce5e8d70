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

// TestGrowingStackCalls: calls and returns through the growing stack's
// direct push and pop (patch 0034) across segment boundaries, with
// errors unwinding frames, Go functions, tail calls and coroutines.
func TestGrowingStackCalls(t *testing.T) {
	L := NewState(Options{CallStackSize: 200, MinimizeStackMemory: true})
	defer L.Close()
	L.SetGlobal("gosum", L.NewFunction(func(L *LState) int {
		L.Push(L.CheckNumber(1) + L.CheckNumber(2))
		return 1
	}))
	// Every frame knows its position (OP_CALL writes frames in place,
	// patch 0037): what debug.getlocal and errors' positions rely on.
	L.SetGlobal("checkidx", L.NewFunction(func(L *LState) int {
		for i := 0; i < L.stack.Sp(); i++ {
			if f := L.stack.At(i); f.Idx != i {
				L.RaiseError("frame %d has Idx %d", i, f.Idx)
			}
		}
		return 0
	}))
	err := L.DoString(`
local function tailcheck() return checkidx() end -- a Go function tail-called
local function d(k, fail)
  if k == 0 then
    if fail then error("bottom") end
    checkidx()
    tailcheck()
    checkidx()
    return gosum(0, 0)
  end
  return gosum(1, d(k - 1, fail))
end
local function t(k) if k == 0 then return "tail" end return t(k - 1) end
for round = 1, 3 do
  for _, depth in ipairs{5, 31, 32, 33, 64, 100, 31} do
    assert(d(depth) == depth)
    local ok, e = pcall(d, depth, true)
    assert(not ok and e:find("bottom"), e)
    assert(t(depth * 10) == "tail")
  end
  local co = coroutine.wrap(function(a) for i = 1, 3 do a = coroutine.yield(d(40) + a) end return "done" end)
  assert(co(1) == 41 and co(2) == 42 and co(3) == 43 and co(0) == "done")
end`)
	if err != nil {
		t.Fatal(err)
	}
	if L.GetTop() != 0 {
		t.Errorf("stack top %d after the script", L.GetTop())
	}
}
