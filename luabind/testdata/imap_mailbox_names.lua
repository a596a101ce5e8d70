-- Mailbox names on the wire (RFC 3501 5.1.3, RFC 6855): modified UTF-7
-- without UTF8=ACCEPT, quoted UTF-8 after ENABLE UTF8=ACCEPT; scripts use
-- UTF-8 names either way.
local imap = require "imap"

-- 1
local i = imap.open{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true,
                    user = "u", pass = "p", auth = "login-command"}
i:create("Entwürfe")
local boxes = i:list()
T.eq(boxes[1].name, "Entwürfe", "decoded")
T.eq(boxes[1].raw, "Entw&APw-rfe", "raw")
T.eq(boxes[2].name, "日本語", "an atom name decoded")
T.eq(boxes[3].name, "Tom & Jerry", "&- decoded")
T.eq(boxes[4].name, "Grüße", "8-bit from the server kept as sent")
T.eq(i:select("日本語").name, "日本語", "select")
T.eq(i.mailbox.name, "日本語", "i.mailbox.name in UTF-8")
T.eq(i:rename("Tom & Jerry", "日本語/Tom").status, "OK", "rename")
i:subscribe("Entwürfe")
T.eq(i:delete(imap.raw("Entw&APw-rfe")).status, "OK", "imap.raw sends a name as is")
i:logout()

-- 2
i = imap.open{url = "imap://" .. SERVER, tls = "none", allow_plaintext_auth = true,
              user = "u", pass = "p", auth = "login-command"}
T.eq(i.utf8, true, "UTF8=ACCEPT enabled")
i:create("Entwürfe")
T.eq(i:list("", "日本*")[1].name, "日本語", "UTF-8 names as sent")
T.eq(i:select("日本語").name, "日本語", "select")
i:logout()
print("ok")
