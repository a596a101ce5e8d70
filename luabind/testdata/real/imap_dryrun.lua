-- config: dry-run
-- --dry-run against Dovecot: mailboxes open read-only (EXAMINE), the
-- destructive helpers report and send nothing, raw destructive commands
-- raise, and every message is still there afterwards.
local imap = require "imap"

local i = imap.open{url = "imaps://" .. STACK.imaps, ca_file = STACK.ca_file, servername = "localhost",
                    user = STACK.user, pass = STACK.pass}
for k = 1, 3 do i:append("INBOX", "Subject: dry " .. k .. "\r\n\r\nbody\r\n") end
T.eq(i:cmd{"CREATE", imap.string("Trash")}.status, "OK", "CREATE is not destructive")

local sel = i:select("INBOX")
T.eq(sel.readonly, true, "EXAMINE under --dry-run")
local uids = i:uid_search("ALL")
T.eq(#uids, 3, "three messages")

local r = i:uid_store(uids, "+FLAGS.SILENT", "(\\Deleted)")
T.eq(r.dry_run, true, "uid_store reports")
T.eq(#r.uids, 3, "with the UIDs it would flag")
T.eq(i:uid_expunge(uids).dry_run, true, "uid_expunge reports")
T.eq(i:uid_move({uids[1]}, "Trash").dry_run, true, "uid_move reports")

for _, cmd in ipairs{
  {"UID", "STORE", uids[1], "+FLAGS", "(\\Deleted)"},
  "STORE 1 FLAGS.SILENT (\\Seen \\Deleted)",
  "EXPUNGE",
  {"UID", "EXPUNGE", uids[1]},
  {"UID", "MOVE", uids[2], imap.string("Trash")},
  {"MOVE", "1", "Trash"},
  {"DELETE", imap.string("Trash")},
  {"RENAME", imap.string("Trash"), imap.string("Bin")},
} do
  local e = T.fails(function() i:cmd(cmd) end)
  T.eq(e.kind, "usage", "raw destructive command refused")
  T.eq(e.message:find("--dry-run", 1, true) ~= nil, true, "says why: " .. e.message)
end
-- Removing \Deleted is not destructive: sent (Dovecot ignores a STORE in
-- a read-only mailbox).
T.eq(type(i:cmd{"UID", "STORE", uids[1], "-FLAGS", "(\\Deleted)"}.status), "string", "-FLAGS is sent")
-- CLOSE of a read-only mailbox expunges nothing: allowed.
T.eq(i:cmd("CLOSE").status, "OK", "CLOSE of an EXAMINEd mailbox")
-- A raw SELECT is read-write: then CLOSE would expunge, and is refused.
T.eq(i:cmd("SELECT INBOX").status, "OK", "raw SELECT")
T.eq(i.mailbox.readonly, false, "raw SELECT is read-write")
T.eq(T.fails(function() i:cmd("CLOSE") end).kind, "usage", "CLOSE of a read-write mailbox refused")

-- Deleting or renaming a mailbox takes its messages away: reported,
-- never sent; a mailbox the server does not know is its refusal.
local d = i:delete("Trash")
T.eq(d.dry_run, true, "delete reports")
T.eq(d.messages, 0, "with the messages it would take")
T.eq(i:rename("Trash", "Bin").dry_run, true, "rename reports")
T.eq(T.fails(function() i:delete("No Such Box") end).kind, "reply", "a missing mailbox is the server's NO")
T.eq(#i:list("", "Trash"), 1, "Trash is still there")
T.eq(#i:list("", "Bin"), 0, "nothing renamed")

local st = i:status("INBOX", {"MESSAGES"})
T.eq(st.MESSAGES, 3, "nothing deleted")
T.eq(i:status("Trash").MESSAGES, 0, "nothing moved")
i:logout()
print("ok")
