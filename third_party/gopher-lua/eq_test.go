package lua

import "testing"

// mailexpect patch (OP_EQ): strings and numbers compared without equals,
// with Lua 5.1's results: values of different types are never equal (no
// coercion), NaN is not equal to itself, __eq is asked only for two
// tables or two userdata.
func TestEqFastPath(t *testing.T) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(`
local nan = 0/0
assert(not (nan == nan)); assert(nan ~= nan)
assert(1 == 1.0); assert(not (1 == "1")); assert(not ("1" == 1)); assert(1 ~= "1")
local a, b = "DE" .. "LE", "DELE"
assert(a == b); assert(not (a ~= b)); assert(a ~= "DEL"); assert("DELE" == a)
assert(not ("" == nil)); assert(not (0 == false)); assert(not (nil == false))
local mt = {__eq = function() return true end}
local x, y = setmetatable({}, mt), setmetatable({}, mt)
assert(x == y); assert(not (x == "x")); assert(not ("x" == x)); assert(not (x == 1))
`); err != nil {
		t.Fatal(err)
	}
}
