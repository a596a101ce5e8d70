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

m = M.XOAUTH2.client(cred)
T.eq(M.XOAUTH2.token, true)
T.eq(m.start(), "user=tim\1auth=Bearer tok\1\1")
T.eq(m.next('{"status":"401"}', "x"), "", "the error challenge is answered empty")
T.eq(m.error.status, "401", "and kept, decoded")
T.eq(m.next("{}", "x"), nil, "a second challenge is cancelled")
m = M.XOAUTH2.client(cred)
m.next("not json", "x")
T.eq(m.error, "not json", "an error that is not JSON is kept as text")

T.eq(sasl.offered_in("PLAIN login CRAM-MD5", "LOGIN"), true)
T.eq(sasl.offered_in("PLAIN", "LOGIN"), false)
T.eq(sasl.offered_in(nil, "PLAIN"), false)
