-- The plaintext rule, written once (mailexpect.sasl), in POP3 and IMAP:
-- without TLS a password goes nowhere unless allow_plaintext_auth; the
-- message names the digest mechanisms the server lacks; a digest
-- (CRAM-MD5) runs without TLS in IMAP too.
local pop3 = require "pop3"
local imap = require "imap"
local REFUSED = SERVER .. ": refusing to send the password without TLS (allow_plaintext_auth = true permits it"

-- 1: POP3 offers USER and SASL PLAIN only; no APOP timestamp
local p = pop3.connect{url = "pop3://" .. SERVER, tls = "none", user = "u", pass = "pw"}
local e = T.fails(function() p:auth() end)
T.eq(e.kind, "usage")
T.eq(e.stage, "AUTH")
T.eq(e.message, REFUSED .. "; SCRAM-SHA-256, SCRAM-SHA-1, APOP and CRAM-MD5 are not offered)")
p:close()

-- 2: IMAP offers AUTH=PLAIN and the LOGIN command
local i = imap.connect{url = "imap://" .. SERVER, tls = "none", user = "u", pass = "pw"}
e = T.fails(function() i:auth() end)
T.eq(e.kind, "usage")
T.eq(e.message, REFUSED .. "; SCRAM-SHA-256, SCRAM-SHA-1 and CRAM-MD5 are not offered)")
i:close()

-- 3: IMAP CRAM-MD5 without TLS: a digest, so no allow_plaintext_auth needed
i = imap.open{url = "imap://" .. SERVER, tls = "none", user = "tim", pass = "tanstaaftanstaaf"}
T.eq(i.auth_mechanism, "cram-md5")
T.eq(i.state, "authenticated")
T.eq(i.caps.AUTH, nil, "the capabilities from the login's OK")
i:logout()
