package luabind

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
)

// pop3Steps runs every pop3 helper once against a server that answers
// every command with the same bytes, and raises a string error when a
// helper fails in any way but a typed error of a server kind: a Lua
// runtime error ("bad argument to tonumber") means a reply field was
// taken for granted.
const pop3Steps = `
local pop3 = require "pop3"
local KINDS = {protocol = true, reply = true, eof = true, timeout = true, full = true}
local steps = {
  stat = function(p) p:stat() end,
  list = function(p) p:list() end,
  list1 = function(p) p:list(1) end,
  uidl = function(p) p:uidl() end,
  uidl1 = function(p) p:uidl(1) end,
  retr = function(p) p:retr(1) end,
  top = function(p) p:top(1, 0) end,
  capa = function(p) p:capa() end,
  dele = function(p) p:dele(1) end,
}
for _, name in ipairs{"stat", "list", "list1", "uidl", "uidl1", "retr", "top", "capa", "dele"} do
  local p = pop3.connect{url = "pop3://" .. SERVER, tls = "none", timeout = 0.1, match_max = 65536}
  local ok, err = pcall(steps[name], p)
  if not ok and (type(err) ~= "table" or not KINDS[err.kind]) then
    error(name .. ": not a typed server error: " .. tostring(err), 0)
  end
  p:close()
end
`

// FuzzPOP3Replies: whatever a POP3 server answers, the helpers return or
// raise a typed error; optional fields (RETR's octet count) are optional.
func FuzzPOP3Replies(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n",
		"+OK\r\nSubject: x\r\n\r\nbody\r\n.\r\n",
		"+OK 12 octets\r\nbody\r\n.\r\n",
		"+OK 2 320\r\n",
		"+OK 1 abc\r\n",
		"-ERR no such message\r\n",
		"+OK\r\n1 100\r\n2 x\r\n\r\n.\r\n",
		"+OK 4294967295 octets\r\n..x\r\n.\r\n",
		"garbage\r\n",
		"+ok\r\n",
		"+OK [IN-USE]\r\n",
	} {
		f.Add([]byte(s))
	}
	proto, err := Compile("pop3_fuzz", []byte(pop3Steps))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		addr := fakeserver.Serve(t, func(c net.Conn) {
			c.Write([]byte("+OK ready\r\n"))
			r := bufio.NewReader(c)
			for {
				if _, err := r.ReadString('\n'); err != nil {
					return
				}
				if _, err := c.Write(answer); err != nil {
					return
				}
			}
		})
		var out bytes.Buffer
		rn := NewRunner(Config{Stdout: &out, Stderr: &out, ReadOnly: map[string]any{"SERVER": addr}})
		if code, err := rn.Run(context.Background(), proto); code != 0 {
			t.Fatalf("answer %q: exit %d: %v\n%s", answer, code, err, out.String())
		}
	})
}
