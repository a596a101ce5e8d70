-- The SASL mechanism table shared by smtp, pop3 and imap
-- (mailexpect.sasl): each client's start/next, as go-sasl's Client.
local sasl = require "mailexpect.sasl"
local M = sasl.mechanisms
local cred = {user = "tim", pass = "tanstaaftanstaaf", token = "tok", authzid = nil}

local m = M.PLAIN.client(cred)
T.eq(m.start(), "\0tim\0tanstaaftanstaaf", "PLAIN: the initial response (RFC 4616)")
T.eq(m.next("", ""), nil, "PLAIN answers no challenge")
m = M.PLAIN.client{user = "u", pass = "p", authzid = "admin"}
T.eq(m.start(), "admin\0u\0p", "PLAIN with an authzid")

m = M.LOGIN.client(cred)
T.eq(m.start(), nil, "LOGIN has no initial response")
T.eq(m.next("Username:", "VXNlcm5hbWU6"), "tim")
T.eq(m.next(nil, "bare"), "tanstaaftanstaaf", "the text of a prompt does not matter")
T.eq(m.next("", ""), nil, "a third prompt is cancelled")

m = M["CRAM-MD5"].client(cred)
T.eq(M["CRAM-MD5"].digest, true, "CRAM-MD5 is a digest: it may run without TLS")
T.eq(M.PLAIN.digest, nil)
T.eq(m.start(), nil)
-- RFC 2195 2's example
T.eq(m.next("<1896.697170952@postoffice.reston.mci.net>", "x"), "tim b913a602c7eda7a495b4e6e7334d3890")
T.eq(m.next("again", "x"), nil, "one challenge only")
local resp, why = M["CRAM-MD5"].client(cred).next(nil, "!!")
T.eq(resp, nil)
T.eq(why, 'CRAM-MD5 challenge is not base64: "!!"')
resp, why = M["CRAM-MD5"].client(cred).next("", "")
T.eq(why, 'CRAM-MD5 challenge is not base64: ""', "an empty challenge")

-- The bearer-token mechanisms: XOAUTH2 (Google's) and OAUTHBEARER (RFC
-- 7628 3.1: a GS2 header with the user); the error challenge is answered
-- empty (XOAUTH2) or with ^A (OAUTHBEARER) and kept, decoded.
for name, want in pairs{
  XOAUTH2 = {ir = "user=tim\1auth=Bearer tok\1\1", answer = ""},
  OAUTHBEARER = {ir = "n,a=tim,\1auth=Bearer tok\1\1", answer = "\1"},
} do
  m = M[name].client(cred)
  T.eq(M[name].token, true, name)
  T.eq(m.start(), want.ir, name .. " initial response")
  T.eq(m.next('{"status":"401"}', "x"), want.answer, name .. " answers the error challenge")
  T.eq(m.error.status, "401", name .. " keeps it, decoded")
  T.eq(m.next("{}", "x"), nil, name .. " cancels a second challenge")
  m = M[name].client(cred)
  m.next("not json", "x")
  T.eq(m.error, "not json", name .. ": an error that is not JSON is kept as text")
end

T.eq(sasl.offered_in("PLAIN login CRAM-MD5", "LOGIN"), true)
T.eq(sasl.offered_in("PLAIN", "LOGIN"), false)
T.eq(sasl.offered_in(nil, "PLAIN"), false)

-- OAUTHBEARER's user is an RFC 5801 saslname: = and , escaped.
T.eq(M.OAUTHBEARER.client{user = "a=b,c", token = "t"}.start(), "n,a=a=3Db=2Cc,\1auth=Bearer t\1\1", "saslname escapes")
T.eq(M.OAUTHBEARER.client{user = "u", authzid = "boss", token = "t"}.start(), "n,a=boss,\1auth=Bearer t\1\1", "authzid wins")

-- SCRAM (RFC 5802): client-first, client-final with a proof for a
-- server-first that extends the client's nonce, and a server-final whose
-- signature does not verify is fatal: the server has not proved it knows
-- the password.
for _, name in ipairs{"SCRAM-SHA-1", "SCRAM-SHA-256"} do
  T.eq(M[name].digest, true, name .. " never sends the password")
  m = M[name].client(cred)
  local first = m.start()
  local nonce = first:match("^n,,n=tim,r=(.+)$")
  T.eq(nonce ~= nil, true, name .. " client-first: " .. first)
  local final = m.next("r=" .. nonce .. "srv,s=" .. base64.encode("salt") .. ",i=4096", "x")
  T.eq(final:match("^c=biws,r=" .. nonce:gsub("%p", "%%%0") .. "srv,p=[%w+/=]+$") ~= nil, true, name .. " client-final: " .. final)
  resp, why = m.next("v=" .. base64.encode("forged"), "x")
  T.eq(resp, nil, name .. " a forged server signature cancels")
  T.eq(m.fatal, name .. ": the server did not prove it knows the password (server validation failed)", name .. " fatal")
  m = M[name].client(cred)
  nonce = m.start():match("r=(.+)$")
  m.next("r=" .. nonce .. "x,s=c2FsdA==,i=4096", "x")
  T.eq(m.next("e=invalid-proof", "x"), "", name .. " a server-error is answered empty")
  T.eq(m.error, "invalid-proof", name .. " and kept as auth_error")
  T.eq(m.fatal, nil, name .. " not fatal: the server refuses next")
  m = M[name].client(cred)
  m.start()
  resp, why = m.next("r=other,s=c2FsdA==,i=4096", "x")
  T.eq(resp, nil, name .. " a nonce that does not extend the client's is refused")
  T.eq(why:find("not SCRAM", 1, true) ~= nil, true, why)
end
