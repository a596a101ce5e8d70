-- STLS (RFC 2595 4): capabilities seen before TLS are discarded and asked
-- again; the login method is chosen from the new ones. (Dovecot shows USER
-- in both; this server hides it until TLS.)
local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. SERVER, insecure = true, user = "alice", pass = "s3cret"}
T.eq(p.session.tls ~= nil, true)
T.eq(p.session.tls.verified, false, "insecure")
T.eq(p.auth_mechanism, "user", "USER, offered only after STLS")
T.eq(p.caps, nil, "forgotten after login (RFC 2449 5: CAPA may change)")
local caps = p:capa()
T.eq(caps.UIDL, true)
T.eq(p:quit().text, "bye")
