-- The protocol modules run over a spawned session (session =): a shell
-- script plays a tiny SMTP server on stdin/stdout.
local smtp = require "smtp"
local server = [[
echo '220 fake.test ESMTP'
while read -r line; do
  case "$line" in
    EHLO*) printf '250-fake.test\r\n250 8BITMIME\r\n' ;;
    QUIT*) printf '221 bye\r\n'; exit 0 ;;
    *) printf '250 ok\r\n' ;;
  esac
done
]]
local c = smtp.open{session = spawn{"sh", "-c", server}, helo = "client.test"}
T.eq(c.greeting.code, 220)
T.eq(c.caps["8BITMIME"], true)
T.eq(c.tlsmode, "none", "a given session is taken as it is")
c:quit()
T.eq(c.session.exit_status, 0)

-- options that only say how to connect are refused with session =
local s = spawn{"cat"}
T.eq(T.fails(function() smtp.open{session = s, host = "x"} end).kind, "usage")
T.eq(T.fails(function() smtp.open{session = s, tls = "implicit"} end).kind, "usage")
T.eq(T.fails(function() smtp.open{session = "nope"} end).kind, "usage")
s:close()
