-- A server closing mid-RETR: an eof error, and nothing is deleted (the
-- script's DELE and QUIT never run; the module sends nothing by itself).
local pop3 = require "pop3"
local p = pop3.connect{url = "pop3://" .. SERVER, tls = "none"}
local e = T.fails(function()
  local m = p:retr(1)
  p:dele(1)
  p:quit()
end)
T.eq(e.kind, "eof")
T.eq(p.deleted[1], nil, "no DELE")
p:close()

-- streaming to a file: the partial file is removed
local path = (os.getenv("TMPDIR") or "/tmp") .. "/mailexpect-pop3-eof-" .. md5(tostring(now())) .. ".eml"
p = pop3.connect{url = "pop3://" .. SERVER, tls = "none"}
local e = T.fails(function() p:retr(1, {file = path}) end)
T.eq(e.kind, "eof")
T.eq(io.open(path, "rb"), nil, "no partial file left")
p:close()

-- QUIT without a reply: eof, the outcome is unknown
p = pop3.connect{url = "pop3://" .. SERVER, tls = "none"}
p:dele(1)
local e = T.fails(function() p:quit() end)
T.eq(e.kind, "eof")

-- a file that cannot be opened is left alone (here: a directory)
local dir = (os.getenv("TMPDIR") or "/tmp")
p = pop3.connect{url = "pop3://" .. SERVER, tls = "none"}
local e = T.fails(function() p:retr(1, {file = dir}) end)
T.eq(e.kind, "usage")
T.eq(io.open(dir .. "/.", "rb") ~= nil, true, "still there")
T.eq(p:noop().ok, true, "the body was skipped: the session is in step")
p:close()
