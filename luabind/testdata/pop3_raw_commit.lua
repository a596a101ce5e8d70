-- A raw DELE through p:cmd marks the message like p:dele(), and a raw QUIT
-- goes through p:quit(): QUIT is the commit point either way.
local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. SERVER, tls = "none", user = "u", pass = "pw", allow_plaintext_auth = true}
local r = p:cmd("DELE 1")
T.eq(r.ok, true)
T.eq(#p.deleted, 1, "raw DELE recorded")
p:cmd("RSET")
T.eq(#p.deleted, 0, "raw RSET clears the marks")
p:cmd("DELE 1")
r = p:cmd("QUIT")
T.eq(r.ok, true, "raw QUIT answered")
print("ok")
