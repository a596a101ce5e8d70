package lua

import "testing"

// BenchmarkStringLib prices the string library calls the protocol
// modules (luabind/modules) make per reply line and per message, one
// call per loop iteration (BenchmarkCallPath's "loop" is the loop alone).
func BenchmarkStringLib(b *testing.B) {
	uidl := `"\n"`
	for i := 1; i <= 10; i++ {
		uidl += ` .. "` + itoa(i) + ` box5-m` + itoa(i) + `\r\n"`
	}
	for _, bc := range []struct{ name, src string }{
		{"match-reply", `local s = "+OK logged in"; for i = 1, n do local a, b = s:match("^([%+%-]%a+)(.*)$") end`},
		{"match-reply-fail", `local s = "* OK IMAP4rev1 ready"; for i = 1, n do local a, b = s:match("^([%+%-]%a+)(.*)$") end`},
		{"match-code", `local s = "[IN-USE] mailbox locked"; for i = 1, n do local c = s:match("^%[([%w/%-]+)%]") end`},
		{"match-stat", `local s = "10 3200"; for i = 1, n do local a, b = s:match("^(%d+)%s+(%d+)") end`},
		{"match-cmd", `local s = "  RETR 1  "; for i = 1, n do local v, a = s:match("^%s*(%S*)%s*(.-)%s*$") end`},
		{"match-capa", `local s = "SASL PLAIN LOGIN"; for i = 1, n do local k, v = s:match("^(%S+)%s*(.-)%s*$") end`},
		{"match-timestamp", `local s = "POP3 server ready <1896.697170952@dbc.mtview.ca.us>"; for i = 1, n do local t = s:match("(<[^<>]*@[^<>]*>)") end`},
		{"match-scram", `local s = "c=biws,r=abc,p=dHp3"; for i = 1, n do local p = s:match(",p=([^,]+)$") end`},
		{"find-pattern", `local s = "Subject: hello world"; for i = 1, n do local a, b = s:find("^%a+:") end`},
		{"gmatch-uidl-10", `local s = ` + uidl + `; for i = 1, n do for k, v in s:gmatch("\n(%d+)[ \t]+(%S+)") do end end`},
		{"gmatch-lines-10", `local s = ` + uidl + `; for i = 1, n do for l in s:gmatch("(.-)\r\n") do end end`},
		{"gmatch-lines-64k", `local s = (("x"):rep(78) .. "\r\n"):rep(800); for i = 1, n do for l in s:gmatch("(.-)\r\n") do end end`},
		{"gmatch-words", `local s = "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256"; for i = 1, n do for w in s:gmatch("%S+") do end end`},
		{"gsub-short", `local s = "user=a,b"; for i = 1, n do local r = s:gsub("=", "=3D") end`},
		{"byte-5", `local s = "+OK 2 320"; for i = 1, n do local a, b, c, d, e = s:byte(1, 5) end`},
		{"sub", `local s = "+OK 2 320"; for i = 1, n do local t = s:sub(5) end`},
		{"upper", `local s = "retr"; for i = 1, n do local t = s:upper() end`},
		{"upper-same", `local s = "RETR"; for i = 1, n do local t = s:upper() end`},
		{"lower", `local s = "UIDL"; for i = 1, n do local t = s:lower() end`},
		{"format", `for i = 1, n do local t = string.format("%s %d", "TOP", 7) end`},
		{"tonumber", `local s = "3200"; for i = 1, n do local t = tonumber(s) end`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			L := newBenchState()
			defer L.Close()
			fn, err := L.LoadString("local n = ...\n" + bc.src)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if err := L.CallByParam(P{Fn: fn, Protect: true}, LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func itoa(i int) string { return LNumber(i).String() }
