-- Deleting by UID against Dovecot, over implicit TLS with AUTHENTICATE
-- PLAIN (SASL-IR): UID STORE + UID EXPUNGE removes exactly the script's
-- messages, a message another session flagged \Deleted survives; UID MOVE
-- to Trash; a mailbox recreated under the session (new UIDVALIDITY) makes
-- the old UIDs refused.
local imap = require "imap"

local function open()
  return imap.open{url = "imaps://" .. STACK.imaps, ca_file = STACK.ca_file, servername = "localhost",
                   user = STACK.user, pass = STACK.pass}
end

local i = open()
T.eq(i.session.tls ~= nil, true, "implicit TLS")
T.eq(i.auth_mechanism, "plain", "default mechanism over TLS")

local function msg(subject)
  return "From: a@example.org\r\nSubject: " .. subject .. "\r\n\r\nbody of " .. subject .. "\r\n"
end
local uid = {}
for _, s in ipairs{"keep", "old-1", "old-2", "theirs", "move-me"} do
  uid[s] = i:append("INBOX", msg(s)).uid
end

local sel = i:select("INBOX")
T.eq(sel.exists, 5, "five messages")

-- Another client flags "theirs" \Deleted but does not expunge.
local other = open()
other:select("INBOX")
other:uid_store({uid.theirs}, "+FLAGS.SILENT", {"\\Deleted"})

-- Ours: search, flag, expunge by UID.
local old = i:uid_search{"SUBJECT", imap.string("old-")}
T.eq(#old, 2, "found the two old messages")
local recs = i:uid_fetch(old, "(UID RFC822.SIZE ENVELOPE)")
T.eq(#recs, 2, "records")
local stored = i:uid_store(recs, "+FLAGS", "(\\Deleted)")
T.eq(#stored, 2, "STORE without .SILENT returns the new flags")
local gone = i:uid_expunge(old)
T.eq(#gone, 2, "two expunged")
T.eq(i.mailbox.exists, 3, "EXISTS follows the EXPUNGEs")

-- "theirs" is still there, still \Deleted: UID EXPUNGE left it alone.
local left = i:uid_fetch("1:*", "(UID FLAGS)")
local present = {}
for _, r in ipairs(left) do present[r.UID] = r end
T.eq(present[uid.keep] ~= nil, true, "keep survives")
T.eq(present[uid.theirs] ~= nil, true, "another client's \\Deleted message survives uid_expunge")
T.eq(present[uid["old-1"]], nil, "old-1 gone")
T.eq(present[uid["old-2"]], nil, "old-2 gone")
local flagged = false
for _, f in ipairs(present[uid.theirs].FLAGS) do if f == "\\Deleted" then flagged = true end end
T.eq(flagged, true, "theirs still flagged \\Deleted")
other:uid_store({uid.theirs}, "-FLAGS.SILENT", {"\\Deleted"})
other:logout()

-- Destructive helpers refuse "*" and a set of nothing sends nothing.
local e = T.fails(function() i:uid_expunge("1:*") end)
T.eq(e.kind, "usage", "star refused")
T.eq(#i:uid_expunge({}), 0, "nothing to expunge")

-- UID MOVE to Trash (created first: Dovecot has none by default).
local missing = T.fails(function() i:uid_move({uid["move-me"]}, "Trash") end)
T.eq(missing.kind, "reply", "MOVE to a missing mailbox")
T.eq(missing.reply.code, "TRYCREATE", "TRYCREATE code in err.reply")
T.eq(i:cmd{"CREATE", imap.string("Trash")}.status, "OK", "CREATE Trash")
T.eq(i.caps.MOVE, true, "MOVE offered")
local mv = i:uid_move({uid["move-me"]}, "Trash")
T.eq(#mv.expunged, 1, "moved out of INBOX")
T.eq(type(mv.copyuid.to), "string", "COPYUID of the move")
T.eq(i:status("Trash").MESSAGES, 1, "one message in Trash")
T.eq(i.mailbox.exists, 2, "two left in INBOX")

-- UIDVALIDITY: a mailbox recreated while the session looks elsewhere.
T.eq(i:cmd{"CREATE", imap.string("Box")}.status, "OK", "CREATE Box")
i:append("Box", msg("in-box"))
local box = i:select("Box")
local box_uids = i:uid_search("ALL")
T.eq(#box_uids, 1, "one message in Box")
i:select("INBOX")
local other2 = open()
T.eq(other2:cmd{"DELETE", imap.string("Box")}.status, "OK", "the other session deletes Box")
T.eq(other2:cmd{"CREATE", imap.string("Box")}.status, "OK", "and creates it again")
other2:append("Box", msg("new-in-box"))
other2:logout()
local box2 = i:select("Box")
T.eq(box2.uidvalidity ~= box.uidvalidity, true, "a new UIDVALIDITY")
local stale = T.fails(function() i:uid_store(box_uids, "+FLAGS.SILENT", "(\\Deleted)") end)
T.eq(stale.kind, "protocol", "old UIDs refused (they carry the old UIDVALIDITY)")
local stale2 = T.fails(function() i:uid_expunge({box_uids[1]}) end)
T.eq(stale2.kind, "protocol", "plain UIDs refused after a reselect found another UIDVALIDITY")
local stale3 = T.fails(function() i:uid_store({1}, "+FLAGS", "(\\Deleted)", {uidvalidity = box.uidvalidity}) end)
T.eq(stale3.kind, "protocol", "an explicit old uidvalidity is refused")
-- Fresh UIDs from a new search are fine.
local fresh = i:uid_search("ALL")
i:uid_store(fresh, "+FLAGS.SILENT", "(\\Deleted)")
T.eq(#i:uid_expunge(fresh), 1, "fresh UIDs expunged")
i:logout()
print("ok")
