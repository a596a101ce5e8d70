-- POP3 against odd servers: case of the status indicators (RFC 1939 says
-- upper case, servers vary), response codes (RFC 2449 8), a missing STLS,
-- the 255-octet limit of AUTH (RFC 5034 4).
local pop3 = require "pop3"
local F = "testdata/pop3_odd.lua:"
local function here() return F .. debug.getinfo(2, "l").currentline end

local p = pop3.open{url = "pop3://" .. SERVER, tls = "none", user = "alice", pass = "s3cret"}
T.eq(p.greeting.status, "+OK")
T.eq(p.timestamp, "<1896.697170952@mx.test>")
T.eq(p.auth_mechanism, "apop", "no CAPA, a timestamp, no TLS: APOP")
T.eq(p:stat(), 2)
local r = p:noop()
T.eq(r.ok, true)
T.eq(r.text, "", "a bare +Ok")
-- Response codes (RFC 2449 8) on a +OK, and texts that start with the
-- bytes around "[" (the module tells them apart by comparing strings)
for _, want in ipairs{{"LOGIN-DELAY", "[LOGIN-DELAY] 900 wait"}, {nil, "\\ a backslash, the byte after ["},
                      {nil, "Z, the byte before ["}, {nil, "[ not a code"}, {nil, ""}} do
  r = p:noop()
  T.eq(r.ok, true); T.eq(r.status, "+OK"); T.eq(r.code, want[1]); T.eq(r.text, want[2])
end
local u = p:uidl()
T.eq(#u, 2, "a line that is not 'n uid' is skipped")
T.eq(u[1].n, 1); T.eq(u[1].uid, "whq")
T.eq(u[2].n, 2); T.eq(u[2].uid, "uid-2")
local l = p:list()
T.eq(#l, 2); T.eq(l[2].n, 2); T.eq(l[2].size, 200)
T.eq(p:list(2), 200, "LIST n: the size, a number")
T.eq(p:uidl(1), "whq", "UIDL n: the unique id")
T.eq(T.fails(function() p:list(0) end).message, "pop3: list: message number must be a whole number from 1 to 4294967295, got 0")
T.eq(T.fails(function() p:uidl(-1) end).message, "pop3: uidl: message number must be a whole number from 1 to 4294967295, got -1")
T.eq(T.fails(function() p:list(1 / 0) end).message, "pop3: list: message number must be a whole number from 1 to 4294967295, got inf")
T.eq(T.fails(function() p:list(2 ^ 63) end).message, "pop3: list: message number must be a whole number from 1 to 4294967295, got 9.2233720368548e+18", "not written as LIST 9.2233720368548e+18")
T.eq(T.fails(function() p:dele(1e19) end).kind, "usage", "nor DELE 1e+19, which a lenient server reads as DELE 1")
T.eq(T.fails(function() p:top(1, 1 / 0) end).message, "pop3: top: line count must be a whole number >= 0, got inf")
local e = T.fails(function() p:list(1) end)
T.eq(e.kind, "protocol"); T.eq(e.message, SERVER .. ": unparsable LIST reply (want +OK 1 SIZE): one hundred and twenty")
e = T.fails(function() p:uidl(2) end)
T.eq(e.kind, "protocol"); T.eq(e.message, SERVER .. ": unparsable UIDL reply (want +OK 2 UID): ")
e = T.fails(function() p:stat() end)
T.eq(e.kind, "protocol"); T.eq(e.message, SERVER .. ": unparsable STAT reply (want +OK COUNT OCTETS): many")
T.eq(p:quit().text, "bye")

local e, where = T.fails(function() pop3.open{url = "pop3://" .. SERVER, tls = "none", user = "alice", pass = "s3cret", auth = "user", allow_plaintext_auth = true} end), here()
T.eq(e.kind, "reply")
T.eq(e.stage, "AUTH")
T.eq(e.where, where)
T.eq(e.reply.status, "-ERR")
T.eq(e.reply.text, "[IN-USE] mailbox locked by another session")
T.eq(e.message, SERVER .. ": PASS refused: -ERR [IN-USE] mailbox locked by another session")

local e = T.fails(function() pop3.open{url = "pop3://" .. SERVER, user = "alice", pass = "s3cret"} end)
T.eq(e.kind, "tls")
T.eq(e.stage, "STLS")

local long = string.rep("a", 200)
p = pop3.open{url = "pop3://" .. SERVER, tls = "none", user = long, pass = "s3cret", auth = "plain", allow_plaintext_auth = true}
T.eq(p.auth_mechanism, "plain")
local r = p:cmd("STAT")
T.eq(r.code, nil)
T.eq(r.text, "0 0")
p:close()

local e = T.fails(function() pop3.connect{url = "pop3://" .. SERVER, tls = "none"} end)
T.eq(e.kind, "protocol")

local e = T.fails(function() pop3.connect{url = "pop3://" .. SERVER, tls = "none"} end)
T.eq(e.kind, "reply")
T.eq(e.stage, "greeting")
T.eq(e.reply.status, "-ERR")
T.eq(e.reply.text, "[SYS/TEMP] too busy, try later")

-- options are checked by name
local e = T.fails(function() pop3.open{url = "pop3://" .. SERVER, tls = "none", pasword = "x"} end)
T.eq(e.kind, "usage")
T.eq(e.message:sub(1, 35), "pop3.open: unknown option 'pasword'")
