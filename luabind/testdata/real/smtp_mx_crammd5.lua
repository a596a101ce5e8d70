-- The MX port without TLS (tls = "none" said): SCRAM and CRAM-MD5 never
-- put the password on the wire, so SCRAM-SHA-256 is the default there and
-- needs no allow_plaintext_auth, and CRAM-MD5 is used when it is the only
-- digest offered; with allow_plaintext_auth it may be named too.
local smtp = require "smtp"

local c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", allow_plaintext_auth = true,
                    user = STACK.user, pass = STACK.pass, auth = "cram-md5"}
T.eq(c.session.tls, nil, "plaintext")
T.eq(c.auth_mechanism, "CRAM-MD5", "named mechanism")
T.eq(c:send{from = STACK.address, to = STACK.other, subject = "cram", body = "x"}.code, 250, "sent")
c:quit()

c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", user = STACK.user, pass = STACK.pass}
T.eq(c.auth_mechanism, "SCRAM-SHA-256", "default without TLS: SCRAM")
c:quit()

c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", user = STACK.user, pass = STACK.pass, auth = "cram-md5"}
T.eq(c.auth_mechanism, "CRAM-MD5", "CRAM-MD5 without TLS and without allow_plaintext_auth: a digest")
c:quit()

-- After authenticating, the MX relays (Postfix: permit_sasl_authenticated)
-- as far as its transport lets it; without AUTH it refuses: see
-- smtp_relay_denied.lua.
print("ok")
