-- OAUTHBEARER (RFC 7628) on the IMAP wire: the exact bytes of the initial
-- response, the ^A answer to an error challenge, the error kept.
local imap = require "imap"

-- 1
local i = imap.connect{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true,
                       user = "u@example.org", token = "tok"}
local e = T.fails(function() i:auth() end)
T.eq(e.kind, "reply", "refused")
T.eq(i.auth_mechanism, "oauthbearer", "chosen for token =")
T.eq(i.auth_error.status, "invalid_token", "the error challenge, decoded")
T.eq(e.message:find("tok", 1, true), nil, "the token is not in the message")
i:close()

-- 2
i = imap.open{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true,
              user = "u@example.org", token = "tok"}
T.eq(i.state, "authenticated", "logged in")
i:logout()
print("ok")
