package luabind

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestModuleCommandOverLuaSession runs the pop3 and smtp modules over a
// session written in Lua, as BenchmarkPOP3MailboxWithoutIO does:
// rt.command and rt.request drive it through its own sendline (with
// {secret = true} for PASS), readline and reply, and the responses and
// timings are what they are over a connection.
func TestModuleCommandOverLuaSession(t *testing.T) {
	runLua(t, `
local sent, queue = {}, {"+OK ready"}
local fake = {}
function fake:sendline(line, o)
  sent[#sent + 1] = line .. ((o and o.secret) and " (secret)" or "")
  local v = line:match("^(%S+)")
  queue[#queue + 1] = v == "STAT" and "+OK 2 300" or v == "NOOP" and "+OK [CODE] text" or "+OK"
end
function fake:readline(timeout)
  assert(timeout == 7, "the module's command timeout, got " .. tostring(timeout))
  return table.remove(queue, 1)
end
function fake:close() end
connect = function() return setmetatable({}, {__index = fake}) end
local pop3 = require "pop3"
local p = pop3.connect{url = "pop3://127.0.0.1:1", tls = "none", timeouts = {command = 7}}
p:cmd("USER u"); p:cmd("PASS pw")
assert(p:stat() == 2)
local r = p:noop()
assert(r.code == "CODE" and r.text == "[CODE] text", r.text)
p:dele(1)
p:quit()
assert(table.concat(sent, "|") == "USER u|PASS pw (secret)|STAT|NOOP|DELE 1|QUIT", table.concat(sent, "|"))
for _, k in ipairs{"connect", "greeting", "stat", "noop", "dele", "quit"} do
  assert(type(p.timings[k]) == "number" and p.timings[k] >= 0, "timings." .. k)
end`)
	runLua(t, `
local sent, queue = {}, {{code = 220, lines = {"fake"}, text = "fake"}}
local fake = {}
function fake:sendline(line, o) sent[#sent + 1] = line .. ((o and o.secret) and " (secret)" or "") end
function fake:reply(timeout)
  if #queue > 0 then return table.remove(queue, 1) end
  local l = sent[#sent]
  if l:find("^MAIL") then return {code = 550, enhanced = "2.1.0", lines = {"no"}, text = "no"} end
  return {code = 250, enhanced = "2.0.0", lines = {"ok"}, text = "ok"}
end
function fake:close() end
connect = function() return setmetatable({}, {__index = fake}) end
local smtp = require "smtp"
local c = smtp.connect{url = "smtp://127.0.0.1:1", tls = "none"}
local r = c:cmd("NOOP")
assert(r.code == 250 and r.enhanced == "2.0.0")
r = c:cmd("MAIL FROM:<a@b>")
assert(r.code == 550 and r.enhanced == nil, "class 2 in a 5xx reply is dropped")
assert(table.concat(sent, "|") == "NOOP|MAIL FROM:<a@b>", table.concat(sent, "|"))`)
}

func runLua(t *testing.T, src string) {
	t.Helper()
	proto, err := Compile("fake.lua", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rn := NewRunner(Config{Stdout: &out, Stderr: &out, Timeout: 10 * time.Second})
	if code, err := rn.Run(context.Background(), proto); code != 0 || err != nil {
		t.Fatal(code, err, out.String())
	}
}

// TestIMAPSetRanges compares the imap module's set_ranges and in_ranges
// (reached through upvalues) with the set membership it replaces, which
// read the set again for every fetched record, on generated sets.
func TestIMAPSetRanges(t *testing.T) {
	runLua(t, `
local function upvalue(f, name)
  for i = 1, 200 do
    local n, v = debug.getupvalue(f, i)
    if n == nil then break end
    if n == name then return v end
  end
  error("no upvalue " .. name)
end
local imap = require "imap"
local Client = upvalue(upvalue(imap.connect, "f"), "Client")
local fetch = upvalue(Client.fetch, "fetch")
local set_ranges, in_ranges = upvalue(fetch, "set_ranges"), upvalue(fetch, "in_ranges")

local function in_set(n, set, star) -- the module's before
  for part in set:gmatch("[^,]+") do
    local a, b = part:match("^([^:]+):([^:]+)$")
    a = a or part
    b = b or part
    a = a == "*" and star or tonumber(a)
    b = b == "*" and star or tonumber(b)
    if a and b then
      if a > b then a, b = b, a end
      if n >= a and n <= b then return true end
    end
  end
  return false
end

math.randomseed(26)
local sets = {"", "*", "1", "1:*", "*:3", "5:2", "x,3", "1:x,4", "2,2,2", "1:10,5:20,30", "nan,4", "3:nan", "7:7,1:2,3:4"}
for _ = 1, 400 do
  local parts = {}
  for i = 1, math.random(1, 12) do
    local a, b = math.random(1, 40), math.random(1, 40)
    local r = math.random(1, 10)
    if r == 1 then parts[i] = "*" elseif r == 2 then parts[i] = a .. ":*"
    elseif r <= 6 then parts[i] = tostring(a) else parts[i] = a .. ":" .. b end
  end
  sets[#sets + 1] = table.concat(parts, ",")
end
for _, set in ipairs(sets) do
  for _, star in ipairs{25, math.huge} do
    local ranges = set_ranges(set, star)
    for n = 0, 45 do
      assert(in_ranges(n, ranges) == in_set(n, set, star), string.format("n = %d in %q (star %s)", n, set, tostring(star)))
    end
  end
end`)
}
