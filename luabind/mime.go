package luabind

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/mime"
)

// The mime module (require "mime"): runtime/mime for scripts.
//
//	mime.message{from =, to =, cc =, subject =, headers = {{name, value}, ...},
//	             body =, html =, attachments = {{name =, data = | file =, type =}, ...}}
//	  -> the message, CRLF line ends
//	mime.parse(raw) -> {headers =, header =, type =, params =, charset =,
//	                    disposition =, filename =, body = | parts =,
//	                    text =, html =, attachments =} or nil, message
var messageKeys = []string{"from", "to", "cc", "subject", "headers", "body", "html", "attachments"}

var attachmentKeys = []string{"name", "data", "file", "type"}

func (r *run) preloadMIME(L *lua.LState) {
	preloadLazy(L, "mime", func(L *lua.LState) *lua.LTable {
		t := L.CreateTable(0, 2)
		t.RawSetString("message", r.goFunc(L, "mime.message", r.luaMIMEMessage))
		t.RawSetString("parse", r.goFunc(L, "mime.parse", r.luaMIMEParse))
		return t
	})
}

// list returns the elements of a Lua array; a table with any other key
// is a usage error that names the key, so a map of headers is never
// silently taken for an empty list.
func (r *run) list(L *lua.LState, v lua.LValue, what, shape string) []lua.LValue {
	t, ok := v.(*lua.LTable)
	if !ok {
		r.usage(L, "%s must be %s, got %s", what, shape, v.Type())
	}
	n := t.Len()
	var out []lua.LValue
	t.ForEach(func(k, val lua.LValue) {
		if i, isNum := k.(lua.LNumber); !isNum || float64(i) != float64(int(i)) || int(i) < 1 || int(i) > n {
			r.usage(L, "%s must be %s, got a table with the key %s", what, shape, luaString(L, k))
		}
	})
	for i := 1; i <= n; i++ {
		out = append(out, t.RawGetInt(i))
	}
	return out
}

// text returns v as a string (numbers as written), or raises.
func (r *run) text(L *lua.LState, v lua.LValue, what string) string {
	switch s := v.(type) {
	case lua.LString:
		return string(s)
	case lua.LNumber:
		return s.String()
	}
	r.usage(L, "%s must be a string, got %s", what, v.Type())
	return ""
}

// addresses is to = / cc =: one string or a list of strings.
func (r *run) addresses(L *lua.LState, v lua.LValue, what string) []string {
	if v == lua.LNil {
		return nil
	}
	if s, ok := v.(lua.LString); ok {
		return []string{string(s)}
	}
	var out []string
	for i, a := range r.list(L, v, what, "an address or a list of addresses") {
		out = append(out, r.text(L, a, fmt.Sprintf("%s[%d]", what, i+1)))
	}
	return out
}

func (r *run) luaMIMEMessage(L *lua.LState) int {
	const fname = "mime.message"
	o := r.checkTable(L, 1, fname)
	r.checkKeys(L, o, fname, messageKeys...)
	m := mime.Message{
		To: r.addresses(L, o.RawGetString("to"), fname+": to"),
		Cc: r.addresses(L, o.RawGetString("cc"), fname+": cc"),
	}
	opt := func(key string) string {
		if v := o.RawGetString(key); v != lua.LNil {
			return r.text(L, v, fname+": "+key)
		}
		return ""
	}
	m.From, m.Subject, m.Text, m.HTML = opt("from"), opt("subject"), opt("body"), opt("html")
	if v := o.RawGetString("headers"); v != lua.LNil {
		const shape = `a list of {name, value} pairs, e.g. headers = {{"X-Test", "1"}}`
		for i, h := range r.list(L, v, fname+": headers", shape) {
			what := fmt.Sprintf("%s: headers[%d]", fname, i+1)
			pair := r.list(L, h, what, "a {name, value} pair")
			if len(pair) != 2 {
				r.usage(L, "%s must be a {name, value} pair, got %d values", what, len(pair))
			}
			m.Header = append(m.Header, mime.Field{
				Name:  r.text(L, pair[0], what+" name"),
				Value: r.text(L, pair[1], what+" value"),
			})
		}
	}
	if v := o.RawGetString("attachments"); v != lua.LNil {
		for i, a := range r.list(L, v, fname+": attachments", "a list of {name =, data = | file =, type =} tables") {
			m.Attachments = append(m.Attachments, r.attachment(L, a, fmt.Sprintf("%s: attachments[%d]", fname, i+1)))
		}
	}
	b, err := mime.Compose(&m)
	if err != nil {
		r.raise(L, prefixed(fname, err))
	}
	L.Push(lua.LString(b))
	return 1
}

// prefixed puts "fname: " before a failure's message.
func prefixed(fname string, err error) error {
	if fe, ok := err.(*failure.Error); ok {
		out := *fe
		out.Message = fname + ": " + fe.Message
		return &out
	}
	return fmt.Errorf("%s: %w", fname, err)
}

func (r *run) attachment(L *lua.LState, v lua.LValue, what string) mime.Attachment {
	t, ok := v.(*lua.LTable)
	if !ok {
		r.usage(L, "%s must be a table {name =, data = | file =, type =}, got %s", what, v.Type())
	}
	r.checkKeys(L, t, what, attachmentKeys...)
	var a mime.Attachment
	if n := t.RawGetString("name"); n != lua.LNil {
		a.Name = r.text(L, n, what+".name")
	}
	if ty := t.RawGetString("type"); ty != lua.LNil {
		a.Type = r.text(L, ty, what+".type")
	}
	data, file := t.RawGetString("data"), t.RawGetString("file")
	switch {
	case data != lua.LNil && file != lua.LNil:
		r.usage(L, "%s: give data = or file =, not both", what)
	case data != lua.LNil:
		a.Data = []byte(r.text(L, data, what+".data"))
	case file != lua.LNil:
		path := r.text(L, file, what+".file")
		if r.cfg.Restricted {
			r.usage(L, "%s: file = is not allowed under --restricted (give data =)", what)
		}
		b, err := readFileLimited(path, mime.MaxSize)
		if err != nil {
			r.usage(L, "%s: %v", what, err)
		}
		a.Data = b
		if a.Name == "" {
			a.Name = filepath.Base(path)
		}
	default:
		r.usage(L, "%s needs data = (the bytes) or file = (a path)", what)
	}
	return a
}

// readFileLimited reads a file of at most limit bytes.
func readFileLimited(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s has %d bytes, more than the limit of %d", path, st.Size(), limit)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	return b, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// luaMIMEParse: mime.parse(raw) -> part table, or nil and a message for a
// message that cannot be framed (bad data is not a script bug).
func (r *run) luaMIMEParse(L *lua.LState) int {
	p, err := mime.Parse([]byte(r.checkString(L, 1, "mime.parse")))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("mime.parse: " + err.Error()))
		return 2
	}
	top := partTable(L, p)
	// Shortcuts for checks: the first text and html that are not
	// attachments, and every attachment, in order.
	atts := L.NewTable()
	var text, html lua.LValue = lua.LNil, lua.LNil
	var walk func(*mime.Part, *lua.LTable)
	walk = func(p *mime.Part, t *lua.LTable) {
		if p.Parts == nil {
			switch {
			case p.IsAttachment():
				atts.Append(t)
			case p.Type == "text/plain" && text == lua.LNil:
				text = lua.LString(p.Body)
			case p.Type == "text/html" && html == lua.LNil:
				html = lua.LString(p.Body)
			}
			return
		}
		parts := t.RawGetString("parts").(*lua.LTable)
		for i, c := range p.Parts {
			walk(c, parts.RawGetInt(i+1).(*lua.LTable))
		}
	}
	walk(p, top)
	top.RawSetString("text", text)
	top.RawSetString("html", html)
	top.RawSetString("attachments", atts)
	L.Push(top)
	return 1
}

func partTable(L *lua.LState, p *mime.Part) *lua.LTable {
	t := L.CreateTable(0, 10)
	headers := L.CreateTable(len(p.Header), 0)
	header := L.CreateTable(0, len(p.Header))
	for i, f := range p.Header {
		item := L.CreateTable(0, 3)
		item.RawSetString("name", lua.LString(f.Name))
		item.RawSetString("value", lua.LString(f.Value))
		item.RawSetString("raw", lua.LString(p.Raw[i].Value))
		headers.Append(item)
		key := strings.ToLower(f.Name)
		if header.RawGetString(key) == lua.LNil {
			header.RawSetString(key, lua.LString(f.Value))
		}
	}
	t.RawSetString("headers", headers)
	t.RawSetString("header", header)
	t.RawSetString("type", lua.LString(p.Type))
	params := L.CreateTable(0, len(p.Params))
	for k, v := range p.Params {
		params.RawSetString(k, lua.LString(v))
	}
	t.RawSetString("params", params)
	setNonEmpty := func(k, v string) {
		if v != "" {
			t.RawSetString(k, lua.LString(v))
		}
	}
	setNonEmpty("charset", p.Charset)
	setNonEmpty("disposition", p.Disposition)
	setNonEmpty("filename", p.Filename)
	if p.Parts == nil {
		t.RawSetString("body", lua.LString(p.Body))
		return t
	}
	parts := L.CreateTable(len(p.Parts), 0)
	for _, c := range p.Parts {
		parts.Append(partTable(L, c))
	}
	t.RawSetString("parts", parts)
	return t
}
