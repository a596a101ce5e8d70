package lua

import "testing"

// mailexpect patch: a state remembers the patterns it compiled last by
// the address of their bytes (cancel.go, compiledPattern). Patterns made
// at run time, more than the slots, equal ones at different addresses
// and a bad one used twice must all behave as if compiled on every call.
func TestPatternSlots(t *testing.T) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(`
local n = 0
for round = 1, 3 do
  for i = 1, 40 do
    local p = "^(" .. string.rep("%d", i % 5 + 1) .. ")x" -- a new string each time
    local s = string.rep("7", i % 5 + 1) .. "x"
    assert(s:match(p) == string.rep("7", i % 5 + 1), p)
    assert(("7" .. s):match(p) == nil, p)
    local c = ("a" .. i):match("^a(%d+)$")   -- a constant, between them
    assert(c == tostring(i), c)
    n = n + 1
  end
end
for k = 1, 2 do
  local ok, err = pcall(string.match, "x", "(" .. "x")
  assert(not ok and tostring(err):find("unfinished capture"), tostring(err))
end
assert(n == 120)
`); err != nil {
		t.Fatal(err)
	}
}
