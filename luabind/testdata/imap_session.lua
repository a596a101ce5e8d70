-- The imap module over a canned server: literals both ways, protocol lines
-- inside literals, UIDVALIDITY changing under the session, the MOVE
-- fallback, an unsolicited BYE, XOAUTH2's error challenge, helpers that
-- need UIDPLUS/MOVE, a refused literal, and injection.
local imap = require "imap"

-- 1
local i = imap.open{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true,
                    user = "u", pass = "päss", auth = "login-command"}
T.eq(i.caps.UIDPLUS, true, "caps from LOGIN's OK")
i:select("INBOX")
local recs = i:uid_fetch(5, "(UID ENVELOPE BODY.PEEK[])")
T.eq(#recs, 1, "the unsolicited FLAGS of message 2 is not a record")
T.eq(recs[1]["BODY[]"], "A003 OK fake\r\n* BYE fake\r\nend\r\n", "protocol lines are body text")
T.eq(recs[1].uidvalidity, 7, "record carries uidvalidity")
local env = imap.envelope(recs[1].ENVELOPE)
T.eq(env.subject, 'a "q" b', "literal subject")
T.eq(env.date, nil, "NIL date")
T.eq(env.message_id, "<id@x>", "message-id")
T.eq(recs[1].ENVELOPE[1], imap.NIL, "NIL")
T.eq(tostring(imap.NIL), "NIL", "tostring NIL")

i:noop() -- the server says the UIDVALIDITY is now 8
T.eq(i.mailbox.uidvalidity, 8, "current UIDVALIDITY")
local e = T.fails(function() i:uid_store({5}, "+FLAGS.SILENT", "(\\Deleted)") end)
T.eq(e.kind, "protocol", "plain UIDs refused after the change")
e = T.fails(function() i:uid_expunge(recs) end)
T.eq(e.kind, "protocol", "records of the old UIDVALIDITY refused")
assert(e.message:find("UIDVALIDITY 7", 1, true), e.message)
local fresh = i:uid_search("ALL")
T.eq(fresh.uidvalidity, 8, "a new search carries the new value")
i:uid_store(fresh, "+FLAGS.SILENT", "(\\Deleted)")
T.eq(i:uid_expunge(fresh)[1], 1, "expunged message number")
local mv = i:uid_move({4}, "Trash", {uidvalidity = 8})
T.eq(mv.expunged[1], 1, "MOVE fallback: COPY, STORE, UID EXPUNGE")
T.eq(mv.copyuid.to, "1", "COPYUID")
e = T.fails(function() i:noop() end)
T.eq(e.kind, "eof", "unsolicited BYE")
assert(e.message:find("server shutting down", 1, true), e.message)
T.eq(T.fails(function() i:noop() end).kind, "eof", "the session is over")

-- 2
i = imap.connect{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true,
                 user = "u@example.org", token = "tok"}
e = T.fails(function() i:auth() end)
T.eq(e.kind, "reply", "XOAUTH2 refused")
T.eq(e.reply.code, "AUTHENTICATIONFAILED", "code")
T.eq(i.auth_error.status, "401", "the JSON of the error challenge")
T.eq(i:cmd{"LOGIN", imap.string("u"), imap.secret('p"q')}.status, "OK", "raw LOGIN, quoted")
i:select("INBOX")
e = T.fails(function() i:uid_expunge({1}) end)
T.eq(e.kind, "protocol", "uid_expunge needs UIDPLUS")
assert(e.message:find("UIDPLUS", 1, true), e.message)
e = T.fails(function() i:uid_move({1}, "Trash") end)
T.eq(e.kind, "protocol", "uid_move needs MOVE or UIDPLUS")
local r = i:cmd{"APPEND", imap.string("INBOX"), imap.literal("x")}
T.eq(r.status, "NO", "a refused literal ends the command")
T.eq(r.code, "TOOBIG", "its code")
T.eq(T.fails(function() i:cmd("NOOP\r\nA999 DELETE INBOX") end).kind, "injection", "CR LF in a line")
T.eq(T.fails(function() i:cmd{"SEARCH", "SUBJECT", "a\r\nb"} end).kind, "injection", "CR LF in a raw argument")
T.eq(#i:search{"SUBJECT", imap.string("a\r\nb")}, 0, "CR LF in imap.string goes as a literal")
T.eq(T.fails(function() i:uid_store("1:*", "+FLAGS", "(\\Deleted)") end).kind, "usage", "* refused")
T.eq(T.fails(function() i:uid_store({1}, "+FLAGZ", "(\\Deleted)") end).kind, "usage", "bad op")
T.eq(T.fails(function() i:fetch(1 / 0, "FLAGS") end).message, "i:fetch: bad number inf", "inf is no message number")
T.eq(T.fails(function() i:uid_fetch({1 / 0}, "FLAGS") end).message, "i:uid_fetch: element 1 is not a UID", "nor a UID")
T.eq(T.fails(function() i:uid_store({2 ^ 63}, "+FLAGS", "(\\Deleted)") end).message, "UID STORE: element 1 is not a UID", "a UID is 32 bits, never UID STORE 9.223372036854776e+18")
T.eq(T.fails(function() i:fetch(1e19, "FLAGS") end).message, "i:fetch: bad number 1e+19", "nor FETCH 1e+19")
T.eq(tostring(imap.secret("x")), "imap.secret(***)", "a secret does not show")
T.eq(i:logout().status, "OK", "logout")
