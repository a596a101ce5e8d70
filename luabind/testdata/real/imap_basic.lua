-- IMAP against Dovecot: STARTTLS + LOGIN with the stack's password (it
-- holds a double quote: sent quoted with escapes), APPEND of a message
-- whose body holds protocol lines (sent as a synchronizing literal, then
-- LITERAL+), byte-exact FETCH of BODY[], header fields, ENVELOPE, search
-- in both forms, pipelining, LOGOUT.
local imap = require "imap"

local i = imap.open{url = "imap://" .. STACK.imap, ca_file = STACK.ca_file, servername = "localhost",
                    user = STACK.user, pass = STACK.pass, auth = "login-command"}
T.eq(i.session.tls ~= nil, true, "TLS after STARTTLS")
T.eq(i.auth_mechanism, "login-command", "mechanism")
T.eq(i.caps.IMAP4REV1, true, "IMAP4rev1 after login")
T.eq(i.caps.UIDPLUS, true, "UIDPLUS after login")
T.eq(i.state, "authenticated", "state")

local token = "basic-" .. hex.encode(md5(tostring(now())))
local body = "From: Alice <alice@example.org>\r\nTo: " .. STACK.address .. "\r\n" ..
  "Subject: " .. token .. " \"quoted\" subject\r\nMessage-ID: <" .. token .. "@example.org>\r\n" ..
  "Date: Tue, 1 Oct 2024 10:00:00 +0000\r\n\r\n" ..
  "A004 OK not a reply\r\n* BYE not a goodbye\r\n)\r\n{5}\r\n" .. string.rep("filler\r\n", 20000)

-- The first APPEND waits for "+" (synchronizing literal) by itself: turn
-- LITERAL+ off to prove it, then on again.
i.w:literal_mode(false, false)
local a = i:append("INBOX", body, {flags = {"\\Seen"}})
T.eq(a.status, "OK", "append")
T.eq(type(a.uid), "number", "APPENDUID")
i.w:literal_mode(true, false)

local sel = i:select("INBOX")
T.eq(sel.exists, 1, "exists")
T.eq(type(sel.uidvalidity), "number", "uidvalidity")
T.eq(sel.readonly, false, "read-write")
T.eq(i.mailbox.name, "INBOX", "mailbox name")

local uids = i:uid_search{"SUBJECT", imap.string(token)}
T.eq(#uids, 1, "uid_search table form")
T.eq(uids[1], a.uid, "search finds the appended UID")
T.eq(uids.uidvalidity, sel.uidvalidity, "uid_search carries uidvalidity")
T.eq(#i:search("SUBJECT " .. token), 1, "search string form")
T.eq(#i:search{"SUBJECT", imap.string("Grüße " .. token)}, 0, "UTF-8 search (CHARSET added)")

local recs = i:uid_fetch(uids, "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)] BODY.PEEK[])")
T.eq(#recs, 1, "one record")
local m = recs[1]
T.eq(m.seq, 1, "seq")
T.eq(m.UID, a.uid, "UID")
T.eq(m["BODY[]"] == body, true, "BODY[] byte-exact (" .. #m["BODY[]"] .. " of " .. #body .. " bytes)")
T.eq(m["RFC822.SIZE"], #body, "RFC822.SIZE")
T.eq(type(m.INTERNALDATE), "string", "INTERNALDATE")
T.eq(m.FLAGS[1], "\\Seen", "FLAGS")
local hk = "BODY[HEADER.FIELDS (SUBJECT MESSAGE-ID)]"
T.eq(m[hk]:find(token, 1, true) ~= nil, true, "header fields")
local env = imap.envelope(m.ENVELOPE)
T.eq(env.subject, token .. " \"quoted\" subject", "envelope subject (a quoted string with escapes)")
T.eq(env.message_id, "<" .. token .. "@example.org>", "envelope message-id")
T.eq(env.from[1].address, "alice@example.org", "envelope from")
T.eq(env.cc, nil, "NIL cc")
T.eq(m.ENVELOPE[7], imap.NIL, "imap.NIL")

-- The same over the raw command, table form with a literal.
local r = i:cmd{"UID", "FETCH", a.uid, "(BODY.PEEK[TEXT])"}
T.eq(r.status, "OK", "raw fetch status")
T.eq(r.untagged[1].fetch["BODY[TEXT]"]:sub(1, 22), "A004 OK not a reply\r\n*", "raw fetch text")

-- NO is returned by cmd, raised by helpers.
local no = i:cmd{"SELECT", imap.string("No Such Box " .. token)}
T.eq(no.status, "NO", "cmd returns NO")
T.eq(i.mailbox, nil, "a failed SELECT leaves none selected")
local e = T.fails(function() i:select("No Such Box") end)
T.eq(e.kind, "reply", "helper raises")
T.eq(e.reply.status, "NO", "reply status")
T.eq(type(e.reply.text), "string", "reply text")
i:select("INBOX")

-- Pipelining: three commands out before any reply.
local rs = i:pipeline{"NOOP", {"STATUS", imap.string("INBOX"), "(MESSAGES UIDNEXT)"},
                      {"UID", "FETCH", a.uid, "(FLAGS)"}}
T.eq(#rs, 3, "pipeline results")
-- Untagged data goes to the oldest outstanding command: Dovecot may answer
-- the NOOP after the STATUS data, so look across the results.
local seen = {}
for _, res in ipairs(rs) do
  T.eq(res.status, "OK", "pipelined " .. res.command)
  for _, u in ipairs(res.untagged) do seen[u.name] = u end
end
T.eq(seen.STATUS ~= nil, true, "pipelined STATUS")
T.eq(seen.FETCH.fetch.UID, a.uid, "pipelined FETCH")
local st = i:status("INBOX")
T.eq(st.MESSAGES, 1, "status MESSAGES")
T.eq(st.UIDVALIDITY, sel.uidvalidity, "status UIDVALIDITY")

local boxes = i:list("", "*")
T.eq(boxes[1].name, "INBOX", "list")

-- The password as a synchronizing literal, then as a LITERAL+ one: sent
-- byte for byte, masked, the "+" awaited only for the first.
for _, plus in ipairs{false, true} do
  local c = imap.connect{url = "imap://" .. STACK.imap, ca_file = STACK.ca_file, servername = "localhost"}
  c:starttls()
  c.w:literal_mode(plus, false)
  local r = c:cmd{"LOGIN", imap.literal(STACK.user), imap.literal(STACK.pass, {secret = true})}
  T.eq(r.status, "OK", "LOGIN with literals, LITERAL+ " .. tostring(plus))
  T.eq(r.command:find("***", 1, true) ~= nil, true, "the command text masks the password: " .. r.command)
  c:logout()
end

local lo = i:logout()
T.eq(lo.status, "OK", "logout")
for _, step in ipairs{"connect", "greeting", "starttls", "auth", "select", "search", "fetch"} do
  T.eq(type(i.timings[step]), "number", "timing " .. step)
end
print("ok")
