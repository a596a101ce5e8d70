package luabind

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// bigIMAPServer serves one connection: PREAUTH, SELECT, and any FETCH
// answered with message 1 whose BODY[] is body.
func bigIMAPServer(t *testing.T, body string) string {
	t.Helper()
	return fakeserver.ServeOne(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		w := bufio.NewWriter(conn)
		fmt.Fprintf(w, "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n")
		w.Flush()
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			switch verb, _, _ := strings.Cut(rest, " "); strings.ToUpper(verb) {
			case "SELECT", "EXAMINE":
				fmt.Fprintf(w, "* 1 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n%s OK [READ-WRITE] ok\r\n", tag)
			case "UID":
				// No fmt for the body: a formatted copy of it would be
				// counted by the client's heap measurements.
				fmt.Fprintf(w, "* 1 FETCH (UID 5 BODY[] {%d}\r\n", len(body))
				w.WriteString(body)
				fmt.Fprintf(w, ")\r\n%s OK done\r\n", tag)
			case "LOGOUT":
				fmt.Fprintf(w, "* BYE bye\r\n%s OK bye\r\n", tag)
				w.Flush()
				return
			default:
				fmt.Fprintf(w, "%s BAD what\r\n", tag)
			}
			w.Flush()
		}
	})
}

// TestIMAPBigBodyHeldOnce fetches a large message: the body must be held
// once (the reader's string becomes the Lua string without a copy), and
// with file = it goes to the file instead of memory.
func TestIMAPBigBodyHeldOnce(t *testing.T) {
	const size = 24 << 20
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n", size/64)
	for _, toFile := range []bool{false, true} {
		t.Run(fmt.Sprintf("file=%v", toFile), func(t *testing.T) {
			addr := bigIMAPServer(t, body)
			path := filepath.Join(t.TempDir(), "msg.eml")
			src := fmt.Sprintf(`
local imap = require "imap"
local i = imap.open{url = "imap://%s", tls = "none"}
i:select("INBOX")
local before = heap()
local recs = i:uid_fetch(5, "(BODY.PEEK[])", %s)
local after = heap()
result(#recs, recs[1]["BODY[]"], after - before)
i:logout()
`, addr, map[bool]string{false: "nil", true: fmt.Sprintf("{file = %q}", path)}[toFile])
			var got struct {
				n     int
				value lua.LValue
				grown float64
			}
			rn := NewRunner(Config{})
			rn.testHook = func(r *run, L *lua.LState) {
				L.SetGlobal("heap", L.NewFunction(func(L *lua.LState) int {
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					L.Push(lua.LNumber(ms.HeapAlloc))
					return 1
				}))
				L.SetGlobal("result", L.NewFunction(func(L *lua.LState) int {
					got.n, got.value, got.grown = L.CheckInt(1), L.Get(2), float64(L.CheckNumber(3))
					return 0
				}))
			}
			code, err := rn.RunSource(context.Background(), "big.lua", []byte(src))
			if code != 0 || err != nil {
				t.Fatalf("exit %d: %v", code, err)
			}
			if got.n != 1 {
				t.Fatalf("%d records", got.n)
			}
			if !toFile {
				if s, ok := got.value.(lua.LString); !ok || string(s) != body {
					t.Fatalf("BODY[] is %s of %d bytes, want the %d bytes sent", got.value.Type(), len(lua.LVAsString(got.value)), len(body))
				}
				if got.grown > 1.5*size {
					t.Errorf("the heap grew by %.0f MiB for a %d MiB body held by Lua: held more than once", got.grown/(1<<20), size>>20)
				}
				return
			}
			if n, ok := got.value.(lua.LNumber); !ok || int(n) != len(body) {
				t.Fatalf("BODY[] with file = is %v, want the byte count %d", got.value, len(body))
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != body {
				t.Fatalf("file holds %d bytes (%v), want the body", len(b), err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
			}
			if got.grown > 4<<20 {
				t.Errorf("the heap grew by %.0f MiB though the body went to a file", got.grown/(1<<20))
			}
		})
	}
}

func TestCanonicalItem(t *testing.T) {
	for in, want := range map[string]string{
		"UID":       "UID",
		"BODY[]":    "BODY[]",
		"BODY[]<0>": "BODY[]<0>",
		`BODY[HEADER.FIELDS ("DATE" "FROM" "MESSAGE-ID")]`: "BODY[HEADER.FIELDS (DATE FROM MESSAGE-ID)]",
		"BODY[HEADER.FIELDS ( DATE  FROM )]":               "BODY[HEADER.FIELDS (DATE FROM)]",
		"BODY[HEADER.FIELDS (DATE FROM)]":                  "BODY[HEADER.FIELDS (DATE FROM)]",
		`BODY[1.HEADER.FIELDS.NOT ("X")]<10>`:              "BODY[1.HEADER.FIELDS.NOT (X)]<10>",
	} {
		if got := canonicalItem(in); got != want {
			t.Errorf("canonicalItem(%q) = %q, want %q", in, got, want)
		}
	}
}

// imap.date and imap.internaldate: the IMAP date forms, through Go's time
// package (runtime/imapwire); a value that is not a date is nil, never a
// made-up time.
func TestIMAPDates(t *testing.T) {
	out, stderr, code, err := runCode(t, Config{}, `
		local imap = require "imap"
		print(imap.date(0), imap.date(1795645313), imap.date(951825600.7))
		print(imap.internaldate(" 1-Jan-2024 10:00:00 +0000"), imap.internaldate("25-nov-2026 20:51:53 -0130"))
		print(imap.internaldate("1-Jan-2024"), imap.internaldate(nil), imap.internaldate(42))
		print(pcall(imap.date, "today"))`)
	if code != 0 || err != nil {
		t.Fatalf("exit %d: %v %s", code, err, stderr)
	}
	lines := strings.Split(out, "\n")
	want := []string{"1-Jan-1970\t25-Nov-2026\t29-Feb-2000", "1704103200\t1795645313", "nil\tnil\tnil"}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Errorf("line %d: got %q, want %q (all: %q)", i+1, lines[min(i, len(lines)-1)], w, out)
		}
	}
	if len(lines) < 4 || !strings.HasPrefix(lines[3], "false\t") || !strings.Contains(lines[3], "imap.date: epoch: expected number, got string") {
		t.Errorf("imap.date(\"today\") must be a usage error, got %q", out)
	}
}
