package lua

import "testing"

// TestSetFieldWithoutMetatable: a table without a metatable is written at
// once (patch 0031); one with __newindex still sees each new key, and an
// existing key is set raw.
func TestSetFieldWithoutMetatable(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
local plain = {a = 1}
plain.a, plain.b = 2, 3
for i = 1, 12 do plain["k" .. i] = i end -- past the small keys, into the map
assert(plain.a == 2 and plain.b == 3 and plain.k12 == 12)
local seen = {}
local proxied = setmetatable({a = 1}, {__newindex = function(t, k, v) seen[#seen + 1] = k; rawset(t, k, v * 10) end})
proxied.a = 5          -- exists: raw
proxied.b = 6          -- new: __newindex
proxied.b = 7          -- exists now: raw
assert(proxied.a == 5 and proxied.b == 7, proxied.b)
assert(#seen == 1 and seen[1] == "b", table.concat(seen, ","))
local base = {}
local inherit = setmetatable({}, {__newindex = base})
inherit.x = 1
assert(rawget(inherit, "x") == nil and base.x == 1)
`)
	if err != nil {
		t.Fatal(err)
	}
}
