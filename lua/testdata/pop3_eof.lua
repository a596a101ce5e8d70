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
