package luabind

import (
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/dante"
	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// TestModulesThroughSOCKS5: smtp.open and pop3.open reach real Postfix
// and Dovecot through a real SOCKS5 proxy (danted), STARTTLS verified
// against the stack's CA over the tunnel.
func TestModulesThroughSOCKS5(t *testing.T) {
	st := mailstack.Require(t)
	px := dante.Start(t)
	u := st.TakeUser(t)
	out, stderr, code, err := runCode(t, Config{Timeout: 10 * time.Second}, `
		local smtp, pop3 = require "smtp", require "pop3"
		local P = "socks5h://`+px+`"
		local c = smtp.open{url = "smtp://`+st.SMTP+`", proxy = P, ca_file = "`+st.CAFile+`", servername = "localhost"}
		print("smtp", c.session.tls.verified)
		c:quit()
		local p = pop3.open{url = "pop3://`+st.POP3+`", proxy = P, ca_file = "`+st.CAFile+`", servername = "localhost",
		                    user = "`+u.Name+`", pass = secret([==[`+u.Password+`]==])}
		print("pop3", (p:stat()))
		p:quit()
	`)
	if code != 0 || err != nil || out != "smtp\ttrue\npop3\t0\n" {
		t.Fatalf("exit %d, %v, stdout %q\n%s", code, err, out, stderr)
	}
	if strings.Contains(stderr, u.Password) {
		t.Error("the password leaked")
	}
}
