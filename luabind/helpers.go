package luabind

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// openHelpers installs base64, hex, md5, hmac_md5, json, mail and regex as
// globals; the tables are also available through require (require "json").
// Decoders return nil plus a message for bad input (bad data is not a
// script bug); wrong argument types raise usage errors.
func (r globalsBinding) openHelpers(L *lua.LState) {
	g := L.G.Global
	module := func(name string, fns map[string]lua.LGFunction) *lua.LTable {
		t := L.CreateTable(0, len(fns))
		for k, fn := range fns {
			t.RawSetString(k, L.NewFunction(fn))
		}
		g.RawSetString(name, t)
		preloadTable(L, name, t)
		return t
	}
	module("base64", map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			L.Push(lua.LString(base64.StdEncoding.EncodeToString([]byte(r.checkString(L, 1, "base64.encode")))))
			return 1
		},
		"decode": func(L *lua.LState) int {
			s := strings.Join(strings.Fields(r.checkString(L, 1, "base64.decode")), "")
			enc := base64.StdEncoding
			if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
				enc = base64.RawStdEncoding // tolerate missing padding
			}
			b, err := enc.DecodeString(s)
			return pushResult(L, string(b), err)
		},
	})
	module("hex", map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			L.Push(lua.LString(hex.EncodeToString([]byte(r.checkString(L, 1, "hex.encode")))))
			return 1
		},
		"decode": func(L *lua.LState) int {
			b, err := hex.DecodeString(r.checkString(L, 1, "hex.decode"))
			return pushResult(L, string(b), err)
		},
	})
	g.RawSetString("md5", L.NewFunction(func(L *lua.LState) int {
		sum := md5.Sum([]byte(r.checkString(L, 1, "md5")))
		L.Push(lua.LString(hex.EncodeToString(sum[:])))
		return 1
	}))
	g.RawSetString("hmac_md5", L.NewFunction(func(L *lua.LState) int {
		mac := hmac.New(md5.New, []byte(r.checkString(L, 1, "hmac_md5")))
		io.WriteString(mac, r.checkString(L, 2, "hmac_md5"))
		L.Push(lua.LString(hex.EncodeToString(mac.Sum(nil))))
		return 1
	}))
	module("mail", map[string]lua.LGFunction{
		"parse_headers":      r.parseHeaders,
		"parse_date":         r.parseDate,
		"parse_address":      r.parseAddress,
		"parse_address_list": r.parseAddressList,
		"decode_header":      r.decodeHeader,
		"printable":          r.printable,
	})
	r.openJSON(L)
	r.openRegex(L)
}

// pushResult pushes s, or nil and the error's message.
func pushResult(L *lua.LState, s string, err error) int {
	if err != nil {
		return pushError(L, err)
	}
	L.Push(lua.LString(s))
	return 1
}

// pushError pushes nil and the error's message: the "value | nil, why"
// answer of the helpers that parse what a script hands them.
func pushError(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

// wordDecoder knows UTF-8, ISO-8859-1 and US-ASCII; a word in another
// charset makes decodeHeader keep the raw value.
var wordDecoder = new(mime.WordDecoder)

// decodeHeader decodes RFC 2047 encoded words; on failure it returns the
// raw value: a header is still worth showing when one word is malformed.
func decodeHeader(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// readHeader parses the header of raw, a whole message or just its header
// (TOP n 0, with or without the blank line after it), and returns the
// header's text too.
func readHeader(raw string) (head string, msg *mail.Message, err error) {
	head = raw
	if i := strings.Index(raw, "\r\n\r\n"); i >= 0 {
		head = raw[:i+2]
	} else if i := strings.Index(raw, "\n\n"); i >= 0 {
		head = raw[:i+1]
	}
	msg, err = mail.ReadMessage(strings.NewReader(head + "\r\n"))
	return head, msg, err
}

// luaParseHeaders: mail.parse_headers(raw) -> map, list. raw is a message
// or just its header (TOP n 0). map is keyed by lower-case field name with
// the first occurrence's value, RFC 2047 decoded; list has every field in
// order as {name=, value=, raw=}. Bad input returns nil, message.
func (r globalsBinding) parseHeaders(L *lua.LState) int {
	head, msg, err := readHeader(r.checkString(L, 1, "mail.parse_headers"))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("mail.parse_headers: " + err.Error()))
		return 2
	}
	m := L.NewTable()
	list := L.NewTable()
	// net/mail's Header is a map: recover the order from the raw text.
	for _, name := range headerOrder(head) {
		vals := msg.Header[name.canonical]
		if name.index >= len(vals) {
			continue
		}
		v := vals[name.index]
		item := L.CreateTable(0, 3)
		item.RawSetString("name", lua.LString(name.asWritten))
		item.RawSetString("value", lua.LString(decodeHeader(v)))
		item.RawSetString("raw", lua.LString(v))
		list.Append(item)
		key := strings.ToLower(name.asWritten)
		if m.RawGetString(key) == lua.LNil {
			m.RawSetString(key, lua.LString(decodeHeader(v)))
		}
	}
	L.Push(m)
	L.Push(list)
	return 2
}

type headerName struct {
	asWritten string
	canonical string
	index     int // occurrence of this name so far
}

// headerOrder lists the field names of a header block in order, skipping
// continuation lines.
func headerOrder(head string) []headerName {
	var names []headerName
	seen := map[string]int{}
	for _, line := range strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		name, _, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		canon := canonicalKey(name)
		names = append(names, headerName{asWritten: name, canonical: canon, index: seen[canon]})
		seen[canon]++
	}
	return names
}

// canonicalKey is how net/mail keys its Header map.
func canonicalKey(s string) string { return textproto.CanonicalMIMEHeaderKey(s) }

// luaParseDate: mail.parse_date(s) -> epoch seconds, or nil when s is
// missing or cannot be parsed. Never a zero or an old date: cleanup scripts
// must skip what they cannot date, not delete it as ancient.
func (r globalsBinding) parseDate(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok || strings.TrimSpace(string(s)) == "" {
		L.Push(lua.LNil)
		return 1
	}
	t, err := mail.ParseDate(strings.TrimSpace(string(s)))
	if err != nil {
		return pushError(L, err)
	}
	L.Push(lua.LNumber(t.Unix()))
	return 1
}

// luaParseAddress: mail.parse_address(s) -> {name=, address=} or nil, msg.
func (r globalsBinding) parseAddress(L *lua.LState) int {
	a, err := mail.ParseAddress(r.checkString(L, 1, "mail.parse_address"))
	if err != nil {
		return pushError(L, err)
	}
	L.Push(addressTable(L, a))
	return 1
}

// luaParseAddressList: mail.parse_address_list(s) -> array of {name=, address=}.
func (r globalsBinding) parseAddressList(L *lua.LState) int {
	list, err := mail.ParseAddressList(r.checkString(L, 1, "mail.parse_address_list"))
	if err != nil {
		return pushError(L, err)
	}
	t := L.CreateTable(len(list), 0)
	for _, a := range list {
		t.Append(addressTable(L, a))
	}
	L.Push(t)
	return 1
}

func addressTable(L *lua.LState, a *mail.Address) *lua.LTable {
	t := L.CreateTable(0, 2)
	t.RawSetString("name", lua.LString(a.Name))
	t.RawSetString("address", lua.LString(a.Address))
	return t
}

// printable: mail.printable(s) is s as one line safe to show on a
// terminal, escaped as the transcript shows a server's bytes: a decoded
// Subject can hold an escape sequence or a bidi override.
func (r globalsBinding) printable(L *lua.LState) int {
	L.Push(lua.LString(transcript.Escape(r.checkString(L, 1, "mail.printable"))))
	return 1
}

// luaDecodeHeader: mail.decode_header(s) decodes RFC 2047 encoded words.
func (r globalsBinding) decodeHeader(L *lua.LState) int {
	L.Push(lua.LString(decodeHeader(r.checkString(L, 1, "mail.decode_header"))))
	return 1
}
