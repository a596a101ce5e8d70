-- Untagged data from another session against Dovecot: an APPEND by a
-- second session while the first IDLEs (EXISTS delivered to the callback)
-- and while it NOOPs; a flag change by the second session arriving as an
-- unsolicited FETCH during the first one's FETCH of another message;
-- pipelined commands with untagged data attributed to the oldest
-- outstanding command; `* BYE` from the server ending the session.
local imap = require "imap"

local function open()
  return imap.open{url = "imap://" .. STACK.imap, ca_file = STACK.ca_file, servername = "localhost",
                   user = STACK.user, pass = STACK.pass}
end
local function msg(subject)
  return "From: a@example.org\r\nSubject: " .. subject .. "\r\n\r\nbody\r\n"
end

local a, b = open(), open()
local first = a:append("INBOX", msg("first")).uid
a:select("INBOX")
T.eq(a.mailbox.exists, 1, "one message")
T.eq(a.caps.IDLE, true, "IDLE offered")

-- IDLE: the other session appends once the server said "+ idling".
local t0 = now()
local readied = 0
local evs = a:idle(10, function(ev) return ev.name == "EXISTS" end,
                   {ready = function() readied = readied + 1; b:append("INBOX", msg("during idle")) end})
T.eq(readied, 1, "ready called once")
T.eq(now() - t0 < 5, true, "IDLE ended by the EXISTS, not the timeout")
local exists
for _, ev in ipairs(evs) do if ev.name == "EXISTS" then exists = ev.number end end
T.eq(exists, 2, "EXISTS 2 during IDLE")
T.eq(a.mailbox.exists, 2, "mailbox state follows")

-- IDLE that times out with nothing happening.
t0 = now()
T.eq(#a:idle(0.3), 0, "no events")
T.eq(now() - t0 >= 0.3, true, "waited the timeout")

-- NOOP: an append by the other session shows up as unsolicited EXISTS.
b:append("INBOX", msg("during noop"))
local r = a:noop()
local got
for _, u in ipairs(r.untagged) do if u.name == "EXISTS" then got = u.number end end
T.eq(got, 3, "EXISTS in the NOOP's untagged data")
T.eq(a.mailbox.exists, 3, "three messages")

-- A flag change by the other session arrives as an unsolicited FETCH
-- during a FETCH of another message: it is not one of the records.
local last = a:uid_search("SUBJECT \"during noop\"")[1]
b:select("INBOX")
b:uid_store({first}, "+FLAGS.SILENT", {"\\Flagged"})
local raw = a:cmd{"UID", "FETCH", last, "(UID RFC822.SIZE)"}
T.eq(#raw.untagged, 2, "the raw result has the unsolicited FETCH too")
b:uid_store({first}, "-FLAGS.SILENT", {"\\Flagged"})
local recs = a:uid_fetch({last}, "(UID RFC822.SIZE)")
T.eq(#recs, 1, "only the message asked for")
T.eq(recs[1].UID, last, "the right one")
recs = a:fetch("3", "(RFC822.SIZE)")
T.eq(#recs, 1, "seq fetch: one record")
T.eq(recs[1].seq, 3, "seq fetch: the right one")

-- Pipelined: every completion is matched by its tag; the untagged data
-- lands on the oldest outstanding command.
local rs = a:pipeline{{"UID", "FETCH", first, "(FLAGS)"}, "NOOP", {"UID", "FETCH", last, "(UID)"}}
local seen = {}
for _, res in ipairs(rs) do
  T.eq(res.status, "OK", res.command)
  for _, u in ipairs(res.untagged) do
    if u.fetch then seen[u.fetch.UID] = true end
  end
end
T.eq(seen[first] and seen[last], true, "both FETCH responses delivered")

-- The server closing with BYE while a command is outstanding ends the
-- session with a clear eof error (Dovecot says BYE to a session whose
-- selected mailbox is deleted).
a:cmd{"CREATE", imap.string("Doomed")}
b:select("Doomed")
a:cmd{"DELETE", imap.string("Doomed")}
local e = T.fails(function()
  for _ = 1, 20 do b:noop(); sleep(0.05) end
end)
T.eq(e.kind, "eof", "BYE is an eof error")
T.eq(e.message:find("BYE", 1, true) ~= nil, true, "the message quotes the BYE: " .. e.message)
a:logout()
print("ok")
