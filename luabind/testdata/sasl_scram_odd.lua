-- SCRAM against servers that do not play their part (RFC 5802 5.1): one
-- that lets the client in without proving it knows the password, one that
-- answers with a nonce of its own. Both are protocol errors; nothing of
-- the password or the proof shows.
local smtp, imap = require "smtp", require "imap"
local o = {url = "smtp://" .. SERVER, tls = "none", helo = "client.test", user = "alice", pass = "s3cret"}

-- 1: SCRAM is the default without TLS, and needs no allow_plaintext_auth.
local e = T.fails(function() smtp.open(o) end)
T.eq(e.kind, "protocol", "accepted unproved")
T.eq(e.message, SERVER .. ": the server accepted SCRAM-SHA-256 without proving it knows the password (no SCRAM server-final message)")

-- 2
o.auth = "scram-sha-1"
e = T.fails(function() smtp.open(o) end)
T.eq(e.kind, "protocol", "foreign nonce")
T.eq(e.message:find("SCRAM-SHA-1: the server's first message is not SCRAM", 1, true) ~= nil, true, e.message)
T.eq(e.message:find("s3cret", 1, true), nil, "no password in the message")

-- 3
e = T.fails(function() imap.open{url = "imap://" .. SERVER, tls = "none", user = "alice", pass = "s3cret"} end)
T.eq(e.kind, "protocol", "imap accepted unproved")

-- 4
local pop3 = require "pop3"
e = T.fails(function() pop3.open{url = "pop3://" .. SERVER, tls = "none", user = "alice", pass = "s3cret"} end)
T.eq(e.kind, "protocol", "pop3 accepted unproved")
T.eq(e.message:find("without proving", 1, true) ~= nil, true, e.message)

-- 5
local p = pop3.connect{url = "pop3://" .. SERVER, tls = "none", allow_plaintext_auth = true,
                       user = "u@example.org", token = "tok"}
e = T.fails(function() p:auth() end)
T.eq(e.kind, "reply", "pop3 oauthbearer refused")
T.eq(p.auth_mechanism, "oauthbearer", "token = picks OAUTHBEARER")
T.eq(p.auth_error.status, "invalid_token", "the error challenge, decoded")
p:close()
print("ok")
