-- AUTH against odd servers (RFC 4954): legacy AUTH= capabilities, bare 334
-- prompts, a server that wants the initial response again, the XOAUTH2
-- error challenge, a CRAM-MD5 server that sends no challenge.
local smtp = require "smtp"
local function o(extra)
  local t = {url = "smtp://" .. SERVER, tls = "none", allow_plaintext_auth = true, helo = "client.test",
             user = "alice", pass = "s3cret"}
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local c = smtp.open(o{auth = "login"})
T.eq(c.caps.AUTH, "LOGIN PLAIN CRAM-MD5", "AUTH= merged, upper-cased, without duplicates")
T.eq(c.auth_mechanism, "LOGIN")
c:quit()

c = smtp.open(o())
T.eq(c.auth_mechanism, "PLAIN")
c:quit()

local c = smtp.connect(o{token = "tok123"})
c:ehlo()
local e = T.fails(function() c:auth() end)
T.eq(e.kind, "reply")
T.eq(e.stage, "AUTH")
T.eq(e.reply.code, 535)
T.eq(e.reply.enhanced, "5.7.8")
T.eq(#e.reply.lines, 2, "the whole multi-line reply")
T.eq(c.auth_mechanism, "XOAUTH2", "token = chooses XOAUTH2")
T.eq(c.auth_error.status, "401", "the JSON error, decoded")
T.eq(c.auth_error.scope, "https://mail.google.com/")
c:quit()

c = smtp.connect(o{auth = "cram-md5"})
c:ehlo()
local e = T.fails(function() c:auth() end)
T.eq(e.kind, "protocol")
T.eq(e.message, SERVER .. ": AUTH cancelled: CRAM-MD5 challenge is not base64: \"\"")
c:quit()

c = smtp.open(o{allow_plaintext_auth = false})
T.eq(c.auth_mechanism, "CRAM-MD5", "without TLS the default is the digest")
c:quit()

local e = T.fails(function() smtp.open(o{auth = "plain"}) end)
T.eq(e.kind, "protocol")
T.eq(e.message, SERVER .. ": AUTH cancelled: an unexpected 334 challenge to AUTH PLAIN")
