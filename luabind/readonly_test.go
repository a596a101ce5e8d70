package luabind

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// TestReadOnlyGlobalsLazy: a read-only global converts what the script
// reads, not the whole of it (the 1000 demo users of sandbox.users are
// not built for a script that reads one), and still behaves as the whole
// table for #, ipairs, pairs, json.encode and writes.
func TestReadOnlyGlobalsLazy(t *testing.T) {
	users := make([]any, 1000)
	for i := range users {
		users[i] = map[string]any{"user": fmt.Sprintf("demo%d", i+1), "pass": "pw", "address": fmt.Sprintf("demo%d@sandbox.test", i+1)}
	}
	sb := map[string]any{"pop3": "127.0.0.1:1110", "users": users, "tags": []string{"b", "a"}, "n": 3}

	run1 := func(src string) (*run, string) {
		t.Helper()
		var out bytes.Buffer
		var state *run
		rn := NewRunner(Config{Stdout: &out, Stderr: &out, ReadOnly: map[string]any{"sandbox": sb}})
		rn.testHook = func(r *run, _ *lua.LState) { state = r }
		if code, err := rn.RunSource(context.Background(), "ro.lua", []byte(src)); code != 0 || err != nil {
			t.Fatalf("exit %d: %v\n%s", code, err, out.String())
		}
		return state, out.String()
	}

	r, out := run1(`local u = sandbox.users[500]
assert(u.user == "demo500" and u.address == "demo500@sandbox.test", u.user)
assert(sandbox.users[500] == u, "read twice, converted twice")
assert(#sandbox.users == 1000, #sandbox.users)
assert(sandbox.users[0] == nil and sandbox.users[1001] == nil and sandbox.users[1.5] == nil and sandbox.users.x == nil)
assert(sandbox.nope == nil and sandbox.n == 3 and sandbox.pop3 == "127.0.0.1:1110")
print("ok")`)
	if out != "ok\n" {
		t.Fatalf("%q", out)
	}
	// sandbox, its users list and user 500: three proxies, not 1002.
	if n := len(r.proxies); n != 3 {
		t.Errorf("%d tables converted for one user read, want 3", n)
	}

	_, out = run1(`local u = sandbox.users[2] -- read before the whole list: kept as it was
local n, last = 0, 0
for i, v in ipairs(sandbox.users) do
  n, last = n + 1, i
  if i == 2 then assert(v == u, "user 2 converted again") end
end
assert(n == 1000 and last == 1000, n)
local keys = {}
for k in pairs(sandbox) do keys[#keys + 1] = k end
print(table.concat(keys, ","))
local tags = {}
for _, v in ipairs(sandbox.tags) do tags[#tags + 1] = v end
print(table.concat(tags, ","), #sandbox.tags)
print(json.encode(sandbox.users[1]))
for _, f in ipairs{function() sandbox.pop3 = "x" end, function() sandbox.users[3].pass = "x" end,
                   function() sandbox.users[1001] = {} end, function() sandbox.tags[1] = "c" end,
                   function() rawset(sandbox, "pop3", "x") end, function() rawset(sandbox.users[3], "pass", "x") end,
                   function() rawset(_G, "sandbox", {}) end} do
  local ok, err = pcall(f)
  assert(not ok and err.kind == "usage" and err.message:find("read%-only"), tostring(err))
end
for _, it in ipairs{pairs, ipairs} do -- the iterators hand out the proxy, not the table behind it
  local _, t = it(sandbox.users)
  assert(not pcall(function() t[1] = "x" end) and sandbox.users[1].user == "demo1")
  local _, t = it(sandbox)
  assert(not pcall(function() t.pop3 = "x" end) and sandbox.pop3 == "127.0.0.1:1110")
end
assert(getmetatable(sandbox) == false)
assert(sandbox.pop3 == "127.0.0.1:1110" and sandbox.users[3].pass == "pw")
local t = {}
rawset(t, "k", 1); assert(t.k == 1) -- other tables as before
rawset(_G, "mine", 2); assert(mine == 2)`)
	want := "n,pop3,tags,users\nb,a\t2\n" + `{"address":"demo1@sandbox.test","pass":"pw","user":"demo1"}` + "\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
