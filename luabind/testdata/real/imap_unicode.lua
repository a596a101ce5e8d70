-- Mailbox names in UTF-8 against Dovecot (RFC 3501 5.1.3): created,
-- listed, subscribed, selected, appended to, copied into, renamed and
-- deleted by their Unicode names; on the wire they are modified UTF-7
-- (Dovecot 2.3 does not offer UTF8=ACCEPT).
local imap = require "imap"

local i = imap.open{url = "imaps://" .. STACK.imaps, ca_file = STACK.ca_file, servername = "localhost",
                    user = STACK.user, pass = STACK.pass}
T.eq(i:enable_utf8(), false, "no UTF8=ACCEPT: modified UTF-7")

for _, name in ipairs{"Entwürfe", "日本語", "Tom & Jerry"} do
  T.eq(i:create(name).status, "OK", "create " .. name)
end
local raw = {}
for _, b in ipairs(i:list("", "*")) do raw[b.name] = b.raw end
T.eq(raw["Entwürfe"], "Entw&APw-rfe", "LIST names decoded, raw kept")
T.eq(raw["日本語"], "&ZeVnLIqe-", "CJK name")
T.eq(raw["Tom & Jerry"], "Tom &- Jerry", "& is &-")
T.eq(#i:list("", "Entw*"), 1, "a pattern is encoded too")
T.eq(i:list("", "日本*")[1].name, "日本語", "a non-ASCII pattern")

-- The wire form is what the server stores: a raw command sees it.
local r = i:cmd{"STATUS", imap.string("Entw&APw-rfe"), "(MESSAGES)"}
T.eq(r.status, "OK", "the encoded name is the mailbox")

i:subscribe("日本語")
local subs = {}
for _, b in ipairs(i:lsub("", "*")) do subs[b.name] = true end
T.eq(subs["日本語"], true, "LSUB decoded")
i:unsubscribe("日本語")
T.eq(#i:lsub("", "日本語"), 0, "unsubscribed")

local a = i:append("Entwürfe", "Subject: draft\r\n\r\nbody\r\n")
T.eq(a.status, "OK", "append to a Unicode mailbox")
local sel = i:select("Entwürfe")
T.eq(sel.name, "Entwürfe", "select returns the Unicode name")
T.eq(i.mailbox.name, "Entwürfe", "i.mailbox.name")
T.eq(sel.exists, 1, "the appended message is there")
local uids = i:uid_search("ALL")
i:uid_copy(uids, "日本語")
T.eq(i:status("日本語").MESSAGES, 1, "copied into 日本語")
i:uid_move(uids, "Tom & Jerry")
T.eq(i:status("Tom & Jerry").MESSAGES, 1, "moved into Tom & Jerry")
T.eq(i:examine("Tom & Jerry").exists, 1, "examine")
i:cmd("CLOSE")

T.eq(i:rename("Entwürfe", "Alte Entwürfe").status, "OK", "rename")
local names = {}
for _, b in ipairs(i:list("", "*")) do names[b.name] = true end
T.eq(names["Alte Entwürfe"], true, "renamed")
T.eq(i:delete("日本語").status, "OK", "delete")
T.eq(#i:list("", "日本語"), 0, "deleted")
local e = T.fails(function() i:delete("日本語") end)
T.eq(e.kind, "reply", "deleting a missing mailbox is the server's NO")
T.eq(e.message:find("DELETE 日本語", 1, true) ~= nil, true, "named in UTF-8: " .. e.message)

-- A name that is not UTF-8 cannot be encoded: said, not sent.
e = T.fails(function() i:create("bad\255name") end)
T.eq(e.kind, "usage", "invalid UTF-8 refused")
i:logout()
print("ok")
