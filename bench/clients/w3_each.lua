-- W3, mailexpect --each: one run of this script per row of a CSV with the
-- column "user"; the pop3 module does the work.
-- usage: mailexpect --each rows.csv --jobs J w3_each.lua POP3ADDR
local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. arg[1], user = row.user, pass = "pw", auth = "user",
                    tls = "none", allow_plaintext_auth = true}
local count = p:stat()
local uids = p:uidl()
assert(#uids == count, "UIDL lists " .. #uids .. ", STAT says " .. count)
for i = 1, count do p:dele(i) end
p:quit()
