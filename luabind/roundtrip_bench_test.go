package luabind

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// The round-trip benchmarks price one command and its reply through each
// layer, against an in-process server on loopback that answers at once:
// the session API from Go (the floor), the raw Lua primitives, and the
// pop3 and smtp modules. The differences are the cost of the Lua layers
// per command (bench/ measures the same against real processes).

// answerServer accepts connections and answers every line: greeting
// first, then reply(line) for each line read (SMTP DATA bodies are read
// up to the dot and answered once).
func answerServer(b *testing.B, greeting string, reply func(line string) string) string {
	b.Helper()
	return fakeserver.Serve(b, func(c net.Conn) {
		r, w := bufio.NewReader(c), bufio.NewWriter(c)
		w.WriteString(greeting)
		w.Flush()
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if inData {
				if line == "." {
					inData = false
					w.WriteString("250 2.0.0 queued\r\n")
					w.Flush()
				}
				continue
			}
			out := reply(line)
			if out == "354" {
				inData = true
				out = "354 go ahead\r\n"
			}
			w.WriteString(out)
			w.Flush()
			if strings.HasPrefix(line, "QUIT") {
				return
			}
		}
	})
}

func pop3Answers(string) string { return "+OK\r\n" }

// mailboxAnswers plays a mailbox of ten messages for the W3 flow.
func mailboxAnswers(line string) string {
	switch {
	case line == "STAT":
		return "+OK 10 11905\r\n"
	case line == "UIDL":
		var b strings.Builder
		b.WriteString("+OK listing follows\r\n")
		for i := 1; i <= 10; i++ {
			fmt.Fprintf(&b, "%d box0-m%d\r\n", i, i)
		}
		b.WriteString(".\r\n")
		return b.String()
	}
	return "+OK\r\n"
}

func smtpAnswers(line string) string {
	switch {
	case strings.HasPrefix(line, "EHLO"):
		return "250-bench\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
	case line == "DATA":
		return "354"
	case line == "QUIT":
		return "221 2.0.0 bye\r\n"
	}
	return "250 2.1.0 ok\r\n"
}

// runBench runs src with args; the script does b.N operations itself.
func runBench(b *testing.B, src string, args ...string) {
	b.Helper()
	likeUserRun(b)
	proto, err := Compile("bench.lua", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	var out strings.Builder
	rn := NewRunner(Config{Stdout: &out, Stderr: &out, Timeout: time.Minute, Args: args})
	b.ReportAllocs()
	b.ResetTimer()
	if code, err := rn.Run(context.Background(), proto); code != 0 || err != nil {
		b.Fatal(code, err, out.String())
	}
}

// likeUserRun makes benchmark b price what a user's run costs: the
// return-value checks TestMain turns on for the test suite (returnCheck,
// a Go call and a walk of the results after every declared call, and an
// extra wrapper around every module function) are off until b ends.
func likeUserRun(b *testing.B) {
	saved := returnCheck
	returnCheck = nil
	b.Cleanup(func() { returnCheck = saved })
}

const w4Message = "From: a@example.com\r\nTo: b@example.com\r\nSubject: bench\r\n\r\n.dot line\r\nbody\r\n"

func BenchmarkRoundTrip(b *testing.B) {
	b.Run("pop3/go-session", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", pop3Answers)
		ctx := context.Background()
		s, err := session.Dial(ctx, addr, session.Options{Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.ReadLine(ctx, 0); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.SendLine(ctx, "NOOP"); err != nil {
				b.Fatal(err)
			}
			if _, err := s.ReadLine(ctx, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pop3/lua-readline", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", pop3Answers)
		runBench(b, `
local s = connect(arg[1]); s:readline()
for _ = 1, tonumber(arg[2]) do s:sendline("NOOP"); s:readline() end
s:close()`, addr, fmt.Sprint(b.N))
	})
	b.Run("pop3/lua-expect", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", pop3Answers)
		runBench(b, `
local s = connect(arg[1]); s:expect([[^\+OK]])
for _ = 1, tonumber(arg[2]) do s:sendline("NOOP"); s:expect([[^\+OK]]) end
s:close()`, addr, fmt.Sprint(b.N))
	})
	b.Run("pop3/module-noop", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", pop3Answers)
		runBench(b, `
local p = require("pop3").open{url = "pop3://" .. arg[1], user = "u", pass = "p", auth = "user", tls = "none", allow_plaintext_auth = true}
for _ = 1, tonumber(arg[2]) do p:noop() end
p:quit()`, addr, fmt.Sprint(b.N))
	})
	// One W3 mailbox (bench/): connect, USER/PASS, STAT, UIDL, 10 x DELE,
	// QUIT; per op, the whole mailbox.
	b.Run("pop3/mailbox-raw", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", mailboxAnswers)
		runBench(b, `
for _ = 1, tonumber(arg[2]) do
  local s = connect(arg[1])
  s:expect([[^\+OK]])
  s:sendline("USER box0"); s:expect([[^\+OK]])
  s:sendline("PASS pw"); s:expect([[^\+OK]])
  s:sendline("STAT")
  local count = tonumber(s:expect([[^\+OK (\d+) \d+]])[1])
  s:sendline("UIDL"); s:expect([[^\+OK]])
  local uids = 0
  for _ in s:read_dot():gmatch("[^\r\n]+") do uids = uids + 1 end
  assert(uids == count)
  for i = 1, count do s:sendline("DELE " .. i); s:expect([[^\+OK]]) end
  s:sendline("QUIT"); s:expect([[^\+OK]])
  s:close()
end`, addr, fmt.Sprint(b.N))
	})
	b.Run("pop3/mailbox-module", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", mailboxAnswers)
		runBench(b, `
local pop3 = require "pop3"
for _ = 1, tonumber(arg[2]) do
  local p = pop3.open{url = "pop3://" .. arg[1], user = "box0", pass = "pw", auth = "user", tls = "none", allow_plaintext_auth = true}
  local count = p:stat()
  local uids = p:uidl()
  assert(#uids == count)
  for i = 1, count do p:dele(i) end
  p:quit()
end`, addr, fmt.Sprint(b.N))
	})
	b.Run("smtp/module-mail-rcpt-data", func(b *testing.B) {
		addr := answerServer(b, "220 bench ESMTP\r\n", smtpAnswers)
		runBench(b, `
local c = require("smtp").open{url = "smtp://" .. arg[1], helo = "client.example", tls = "none"}
local msg = arg[3]
for _ = 1, tonumber(arg[2]) do c:mail("a@example.com"); c:rcpt("b@example.com"); c:data(msg) end
c:quit()`, addr, fmt.Sprint(b.N), w4Message)
	})
	b.Run("smtp/lua-expect-mail-rcpt-data", func(b *testing.B) {
		addr := answerServer(b, "220 bench ESMTP\r\n", smtpAnswers)
		runBench(b, `
local s = connect(arg[1]); s:expect([[^220 ]])
s:sendline("EHLO client.example"); s:expect([[^250 ]])
local msg = arg[3]
for _ = 1, tonumber(arg[2]) do
  s:sendline("MAIL FROM:<a@example.com>"); s:expect([[^250 ]])
  s:sendline("RCPT TO:<b@example.com>"); s:expect([[^250 ]])
  s:sendline("DATA"); s:expect([[^354 ]])
  s:send_dot(msg); s:expect([[^250 ]])
end
s:close()`, addr, fmt.Sprint(b.N), w4Message)
	})
}

// luaFakePOP3 replaces connect with a Lua object that answers like a POP3
// server of ten messages, so the module's own work is priced without I/O.
const luaFakePOP3 = `
local queue, body = {}, ""
local fake = {}
function fake:sendline(line)
  local v = line:match("^(%S+)")
  if v == "STAT" then queue[#queue + 1] = "+OK 10 11905"
  elseif v == "UIDL" then
    queue[#queue + 1] = "+OK listing"
    body = "1 a\r\n2 b\r\n3 c\r\n4 d\r\n5 e\r\n6 f\r\n7 g\r\n8 h\r\n9 i\r\n10 j\r\n"
  else queue[#queue + 1] = "+OK" end
end
function fake:readline() return table.remove(queue, 1) end
function fake:read_dot() return body end
function fake:close() end
connect = function() queue = {"+OK ready"}; return setmetatable({}, {__index = fake}) end
`

// luaPOP3Mailbox is the W3 flow through the pop3 module, arg[1] times.
const luaPOP3Mailbox = `
local pop3 = require "pop3"
for _ = 1, tonumber(arg[1]) do
  local p = pop3.connect{url = "pop3://127.0.0.1:1", tls = "none"}
  p:cmd("USER box0"); p:cmd("PASS pw", {secret = true})
  local count = p:stat()
  assert(#p:uidl() == count)
  for i = 1, count do p:dele(i) end
  p:quit()
end`

// BenchmarkPOP3MailboxWithoutIO is the pop3 module's own Lua work for one
// W3 mailbox (connect, USER/PASS, STAT, UIDL, 10 x DELE, QUIT), with a
// session written in Lua that answers at once: no sockets, no syscalls.
// The fake's own cost is BenchmarkPOP3MailboxWithoutIO/fake-alone.
func BenchmarkPOP3MailboxWithoutIO(b *testing.B) {
	const fake = luaFakePOP3
	b.Run("module", func(b *testing.B) {
		runBench(b, fake+luaPOP3Mailbox, fmt.Sprint(b.N))
	})
	b.Run("fake-alone", func(b *testing.B) {
		runBench(b, fake+`
for _ = 1, tonumber(arg[1]) do
  local s = connect()
  s:readline()
  for _, l in ipairs{"USER box0", "PASS pw", "STAT", "UIDL"} do s:sendline(l); s:readline() end
  s:read_dot()
  for i = 1, 10 do s:sendline("DELE " .. i); s:readline() end
  s:sendline("QUIT"); s:readline(); s:close()
end`, fmt.Sprint(b.N))
	})
}

// BenchmarkMethodLookup is the lookup of a userdata's method (s:sendline
// finds sendline before it calls it) and of a computed field, per op.
func BenchmarkMethodLookup(b *testing.B) {
	b.Run("session-method", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", pop3Answers)
		runBench(b, `local s, f = connect(arg[1])
for _ = 1, tonumber(arg[2]) do f = s.sendline end
s:close()`, addr, fmt.Sprint(b.N))
	})
	b.Run("session-label", func(b *testing.B) {
		addr := answerServer(b, "+OK ready\r\n", pop3Answers)
		runBench(b, `local s, f = connect(arg[1])
for _ = 1, tonumber(arg[2]) do f = s.label end
s:close()`, addr, fmt.Sprint(b.N))
	})
	b.Run("regex-method", func(b *testing.B) {
		runBench(b, `local re, f = regex.compile("x")
for _ = 1, tonumber(arg[1]) do f = re.match end`, fmt.Sprint(b.N))
	})
}
