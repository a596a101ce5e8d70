-- imap.open and the greeting: PREAUTH under STARTTLS, BYE, LOGINDISABLED,
-- STARTTLS injection, STARTTLS not offered, a greeting that is not IMAP.
local imap = require "imap"

-- 1
local e = T.fails(function() imap.open{host = "127.0.0.1", port = SERVER:match(":(%d+)$"), user = "u", pass = "p"} end)
T.eq(e.kind, "tls", "PREAUTH under STARTTLS")
T.eq(e.stage, "greeting", "stage")
assert(e.message:find("PREAUTH", 1, true), e.message)

-- 2
local i = imap.open{url = "imap://" .. SERVER, tls = "none", user = "u", pass = "p"}
T.eq(i.state, "authenticated", "PREAUTH: authenticated")
T.eq(i.caps.IDLE, true, "caps from the greeting")
T.eq(i.greeting.name, "PREAUTH", "greeting")
T.eq(i:logout().status, "OK", "logout")

-- 3
e = T.fails(function() imap.open{url = "imap://" .. SERVER, tls = "none"} end)
T.eq(e.kind, "reply", "BYE greeting")
T.eq(e.reply.status, "BYE", "status BYE")
assert(e.message:find("too busy", 1, true), e.message)

-- 4
e = T.fails(function()
  imap.open{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true, user = "u", pass = "p", auth = "login-command"}
end)
T.eq(e.kind, "protocol", "LOGINDISABLED respected")
assert(e.message:find("LOGINDISABLED", 1, true), e.message)

-- 5
e = T.fails(function() imap.open{url = "imap://" .. SERVER, insecure = true} end)
T.eq(e.kind, "tls", "injected data after the STARTTLS go-ahead")

-- 6
e = T.fails(function() imap.open{url = "imap://" .. SERVER, user = "u", pass = "p"} end)
T.eq(e.kind, "tls", "STARTTLS not offered")
T.eq(e.stage, "STARTTLS", "stage")

-- 7
e = T.fails(function() imap.open{url = "imap://" .. SERVER, tls = "none"} end)
T.eq(e.kind, "protocol", "not an IMAP greeting")
