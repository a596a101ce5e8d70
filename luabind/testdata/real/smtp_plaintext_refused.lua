-- Without TLS, a mechanism that sends the password is refused before
-- anything goes out, unless allow_plaintext_auth = true.
local smtp = require "smtp"
local F = "testdata/real/smtp_plaintext_refused.lua:"
local function here() return F .. debug.getinfo(2, "l").currentline end

local c = smtp.connect{url = "smtp://" .. STACK.smtp, tls = "none",
                       user = STACK.user, pass = STACK.pass, auth = "plain"}
c:ehlo("client.test")
T.eq(c.caps.AUTH, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256", "AUTH offered in clear by this MX")
local e, where = T.fails(function() c:auth() end), here()
T.eq(e.kind, "usage")
T.eq(e.where, where)
T.eq(e.stage, "AUTH")
T.eq(e.message, STACK.smtp .. ": refusing to send the password without TLS (allow_plaintext_auth = true permits it)")
-- Nothing was sent: the next reply the server gives is NOOP's, and no
-- reply to an AUTH is waiting.
sleep(0.1)
T.eq(c.session:pending(), 0, "no reply pending")
local r = c:cmd("NOOP")
T.eq(r.code, 250, "NOOP answered, not an AUTH")
T.eq(c.auth_mechanism, nil, "no mechanism chosen")
c:quit()

-- LOGIN through open: the same refusal, and open closes the session.
e = T.fails(function()
  smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", user = STACK.user, pass = STACK.pass, auth = "login"}
end)
T.eq(e.kind, "usage")

-- The default for smtp:// is STARTTLS, required: then PLAIN is fine.
c = smtp.open{url = "smtp://" .. STACK.smtp, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
T.eq(c.session.tls ~= nil, true, "STARTTLS by default")
T.eq(c.auth_mechanism, "PLAIN")
c:quit()

-- Capabilities from before TLS are discarded (RFC 3207 4.2): the
-- submission port offers AUTH only inside TLS.
c = smtp.connect{url = "submission://" .. STACK.submission, ca_file = STACK.ca_file}
c:ehlo()
T.eq(c.caps.STARTTLS, true)
T.eq(c.caps.AUTH, nil, "no AUTH before TLS")
local r1, r2 = c:starttls()
T.eq(r1.code, 220)
T.eq(r2.code, 250, "EHLO again")
T.eq(c.caps.STARTTLS, nil, "STARTTLS gone")
T.eq(c.caps.AUTH, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256", "AUTH offered inside TLS")
T.eq(T.fails(function() c:starttls() end).kind, "usage", "already encrypted")
c:rset()
T.eq(type(c.timings.rset), "number")
c:quit()
print("ok")
