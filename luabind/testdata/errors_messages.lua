-- Exact messages of the errors a script author meets first.
local s = connect(SERVER, {label = "mx"})
local function msg(fn) return tostring(T.fails(fn)) end
local F = "testdata/errors_messages.lua:"
-- here(): "file:line:" of the line that calls it
local function here() return F .. debug.getinfo(2, "l").currentline end

T.eq(msg(function() s.send("x") end), here() .. ": s:send: called with '.' instead of ':' (write s:send(...))")
T.eq(msg(function() s.expect("x") end), here() .. ": s:expect: called with '.' instead of ':' (write s:expect(...))")
T.eq(msg(function() s:sendd("x") end), here() .. ": session has no method 'sendd' (did you mean 'send'?)")
T.eq(msg(function() s:frobnicate() end), here() .. ": session has no method 'frobnicate'")
T.eq(T.fails(function() s:frobnicate() end).kind, "usage")

local e, where = T.fails(function() s:expect("(unclosed") end), here()
T.eq(e.kind, "usage")
T.eq(e.where, where)
T.eq(e.message, "bad pattern `(unclosed`: missing closing )")

local e = T.fails(function() regex.compile("a{2,1}") end)
T.eq(e.kind, "usage")

local e, where = T.fails(function() s:sendline("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>") end), here()
T.eq(e.kind, "injection")
T.eq(e.where, where)

local e, where = T.fails(function() s:expect("x", -1) end), here()
T.eq(tostring(e), where .. ": s:expect: timeout must be > 0 seconds, got -1")

local e = T.fails(function() connect(SERVER, {insecur = true}) end)
T.eq(e.message, "connect: unknown option 'insecur' (did you mean 'insecure'?); known: timeout, connect_timeout, tls, servername, insecure, ca_file, cert_file, key_file, min_version, pin, proxy, unix_socket, resolver, match_max, label")

local e = T.fails(function() s:expect{ {[[^220]], "not a function"} } end)
T.eq(e.message, 's:expect: [1][2]: expected function, got string "not a function"')

local e = T.fails(function() s:expect{ [[^220]], tiemout = 5 } end)
T.eq(e.message, "s:expect: unknown option 'tiemout' (did you mean 'timeout'?); known: timeout, on_timeout, on_eof, on_full")

local e = T.fails(function() s:expect([[(?P<line>\d+)]]) end)
T.eq(e.message, [[bad pattern `(?P<line>\d+)`: group name "line" is reserved for a field of the match object (before, line, case, n)]])

local e = T.fails(function() connect("nohost") end)
T.eq(e.kind, "usage")

-- a closed port: kind connect, naming the address
local l = SERVER:gsub(":%d+$", ":1")
local e = T.fails(function() connect(l, {connect_timeout = 2}) end)
T.eq(e.kind, "connect")
assert(e.message:find(l, 1, true), e.message)

-- the script's own error stays a string; error objects keep their fields through pcall
local ok, e = pcall(function() s:expect("never", 0.05) end)
T.eq(ok, false)
T.eq(type(e), "table")
T.eq(e.kind, "timeout")
T.eq(e.message, [[mx: timeout after 50ms waiting for "never"; received "220 ready\r\n"]])

-- a reply that is not a reply: kind protocol
s:drain() -- the unread banner
s:sendline("GARBAGE")
local e = T.fails(function() s:reply(1) end)
T.eq(e.kind, "protocol")
T.eq(e.message, [[mx: invalid reply line "not a reply": no 3-digit code]])
