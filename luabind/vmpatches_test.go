package luabind

import (
	"bytes"
	"context"
	"testing"
)

// The fixes of the patched gopher-lua in third_party/: upvalues after a
// caught error behave as in Lua 5.1 (yuin/gopher-lua#448), a call nested
// in a generic-for explist keeps its register; and what the speed-ups
// must keep: next()'s key order built lazily, a value stack that grows.
func TestVMPatches(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"enclosing local written after pcall",
			`local f = false
			 local function p() pcall(error, "x"); f = true end
			 p(); print(f)`, "true\n"},
		{"enclosing local written after a caught module error",
			`local n = 0
			 local function bump() local ok = pcall(function() regex.compile("(") end); n = n + 1 end
			 bump(); bump(); print(n)`, "2\n"},
		{"closure made inside the failed call keeps its value",
			`local saved
			 pcall(function() local x = 42; saved = function() return x end; error("e") end)
			 local a, b, c = 1, 2, 3
			 print(saved())`, "42\n"},
		{"call nested in a generic-for explist keeps its register",
			`local x, out = 5, {}
			 for l in (tostring(x) .. "b"):gmatch(".") do out[#out + 1] = l end
			 for k, v in next, {(type(x) .. "!"):upper()} do out[#out + 1] = k .. v end
			 for k, v in next, {"a"} do out[#out + 1] = k .. v end
			 print(table.concat(out))`, "5b1NUMBER!1a\n"},
		{"string.match without a match returns one nil",
			`print(select("#", ("x"):match("%d")), tonumber(("x"):match("%d")))`, "1\tnil\n"},
		{"pairs lists keys in insertion order",
			`local t = {}
			 t.c = 1; t.a = 2; t[true] = 3; t.b = 4; t[2.5] = 5
			 local ks = {}
			 for k in pairs(t) do ks[#ks + 1] = tostring(k) end
			 print(table.concat(ks, " "))`, "c a true b 2.5\n"},
		{"a key deleted and set again is listed once",
			`local t = {x = 1, y = 2, z = 3}
			 t.y = nil; t.y = 5; t.w = nil; t.w = 6
			 local ks = {}
			 for k, v in pairs(t) do ks[#ks + 1] = k .. v end
			 table.sort(ks)
			 print(table.concat(ks, " "))`, "w6 x1 y5 z3\n"},
		{"keys cleared during a traversal",
			`local t = {}
			 for i = 1, 100 do t["k" .. i] = i end
			 local n = 0
			 for k in pairs(t) do t[k] = nil; n = n + 1 end
			 print(n, next(t))`, "100\tnil\n"},
		{"next from a key before any traversal",
			`local t = {a = 1}; t.b = 2; t.c = 3
			 print((next(t, "a")), next(t, "c"))`, "b\tnil\n"},
		{"a table outgrows its short key list",
			`local t = {}
			 for i = 1, 20 do t["k" .. i] = i end
			 t.k3 = nil; t.k15 = nil; t.k3 = 33
			 local n, sum = 0, 0
			 for k, v in pairs(t) do n = n + 1; sum = sum + v end
			 print(n, sum, t.k3, t.k15, t.k20)`, "19\t225\t33\tnil\t20\n"},
		{"keys deleted from a short key list",
			`local t = {a = 1, b = 2, c = 3}
			 t.a = nil; t.c = nil; t.d = 4; t.a = 5
			 local ks = {}
			 for k, v in pairs(t) do ks[#ks + 1] = k .. v end
			 table.sort(ks)
			 print(table.concat(ks, " "), rawget(t, "c"))`, "a5 b2 d4\tnil\n"},
		{"deep stack beyond the initial registry",
			`local function count(...) return select("#", ...) end
			 local big = {}
			 for i = 1, 50000 do big[i] = i end
			 print(count(unpack(big)))`, "50000\n"},
		{"xpcall handler sees live upvalues",
			`local seen
			 local v = "before"
			 xpcall(function() v = "inside"; error("e") end, function(e) seen = v; return e end)
			 v = v .. "+after"
			 print(seen, v)`, "inside\tinside+after\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			rn := NewRunner(Config{Stdout: &out, ScriptName: "t.lua"})
			code, err := rn.RunSource(context.Background(), "t.lua", []byte(tt.src))
			if code != 0 || err != nil {
				t.Fatalf("exit %d: %v", code, err)
			}
			if out.String() != tt.want {
				t.Errorf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// string.format's integer fast path (the defaultFormat patch) prints what
// fmt prints, with and without flags and widths.
func TestFormatIntegers(t *testing.T) {
	src := `print(string.format("%d|%5d|%-5d|%05d|%+d|% d|%x|%#x|%o|%c|%d|%d|%.2f|%s",
	  42, 42, 42, 42, 42, 42, 255, 255, 8, 65, -12345678901, 0, 1.5, 7))`
	want := "42|   42|42   |00042|+42| 42|ff|0xff|10|A|-12345678901|0|1.50|7\n"
	var out bytes.Buffer
	rn := NewRunner(Config{Stdout: &out, ScriptName: "t.lua"})
	if code, err := rn.RunSource(context.Background(), "t.lua", []byte(src)); code != 0 || err != nil {
		t.Fatalf("exit %d: %v", code, err)
	}
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
