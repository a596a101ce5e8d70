-- spawn with the modules over local programs: Postfix's own sendmail in
-- SMTP mode (sendmail -bs, with the stack's config through MAIL_CONFIG)
-- takes a message; Dovecot's pre-authenticated IMAP (doveadm exec imap)
-- finds it in the mailbox.
local smtp, imap = require "smtp", require "imap"

local token = "spawn-" .. hex.encode(md5(tostring(now())))
local c = smtp.open{session = spawn{"/usr/sbin/sendmail", "-bs", env = {MAIL_CONFIG = STACK.postfix_config}},
                    helo = "spawn.test"}
T.eq(c.greeting.code, 220, "sendmail -bs greets")
T.eq(c.greeting.text:find("Postfix", 1, true) ~= nil, true, c.greeting.text)
local r = c:send{from = "spawn@example.org", to = {STACK.address}, subject = token, body = "sent through sendmail -bs\r\n"}
T.eq(r.code, 250, "queued")
c:quit()
T.eq(c.session.exit_status, 0, "sendmail exited 0")

local i = imap.open{session = spawn{"doveadm", "-c", STACK.dovecot_config, "exec", "imap", "-u", STACK.user}}
T.eq(i.state, "authenticated", "PREAUTH")
i:select("INBOX")
local found
for _ = 1, 100 do -- delivery goes through Postfix's queue and LMTP
  found = i:uid_search({"SUBJECT", imap.string(token)})
  if #found > 0 then break end
  sleep(0.1)
end
T.eq(#found, 1, "the message sent through sendmail -bs arrived")
i:logout()
T.eq(i.session.exit_status, 0, "imap exited 0 after LOGOUT")
