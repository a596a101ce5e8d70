package luabind

import (
	"fmt"
	"testing"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// BenchmarkPOP3MailboxDovecot is the W3 mailbox of bench/ (connect,
// APOP, STAT, UIDL, 10 x DELE) through the pop3 module against the real
// Dovecot of internal/mailstack; RSET before QUIT keeps the ten messages
// for the next round. Next to BenchmarkPOP3MailboxWithoutIO it shows what
// the Lua layers weigh once a real server answers (PATCHES.md of the
// gopher-lua fork decides on its table patches with it).
func BenchmarkPOP3MailboxDovecot(b *testing.B) {
	st := mailstack.Require(b)
	u := st.TakeUser(b)
	if err := st.SeedN(u.Name, 10); err != nil {
		b.Fatal(err)
	}
	runBench(b, `
local pop3 = require "pop3"
for _ = 1, tonumber(arg[2]) do
  local p = pop3.open{url = "pop3://" .. arg[1], tls = "none", user = arg[3], pass = arg[4]}
  local count = p:stat()
  assert(count == 10 and #p:uidl() == count)
  for i = 1, count do p:dele(i) end
  p:cmd("RSET")
  p:quit()
end`, st.POP3, fmt.Sprint(b.N), u.Name, u.Password)
}
