package luabind

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/imapwire"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// The Go half of the Lua imap module (modules/imap.lua): runtime/imapwire
// bound as the internal module "mailexpect.imapwire". The Lua module does
// the protocol (greeting, STARTTLS, LOGIN/AUTHENTICATE, SELECT, the
// helpers, dry-run and UIDVALIDITY rules); this file only frames: tagged
// commands out, whole responses in, literals read by byte count, so a
// message line such as "A004 OK" or "* BYE" is data and never a reply.
//
//	local w = require "mailexpect.imapwire"
//	local c = w.client(session [, {max_literal = n, tag_prefix = "A"}])
//	c:greeting([timeout])            -> response           (BYE: reply error)
//	c:start(args [, {timeout = s}])  -> command handle     (waits for "+" of a
//	                                                        synchronizing literal)
//	c:wait(cmd [, {timeout = s, file = path | fn}])
//	                                 -> result | nil, continuation, untagged
//	                                    (a continuation request: the command
//	                                    goes on; untagged: what came for it
//	                                    so far, not returned again)
//	c:next([timeout])                -> response | nil on timeout
//	c:send_line(line [, secret])     (IDLE's DONE, an AUTHENTICATE answer)
//	c:literal_mode(plus, minus)      LITERAL+ / LITERAL- (RFC 7888)
//	c:pending()                      outstanding commands
//	w.NIL                            the NIL sentinel (imap.NIL)
//	w.reply_error(message, result [, stage])   raise a reply error whose
//	                                 err.reply is shaped like the result
//	w.classify(args)                 {verb, mailbox, removes}: what the
//	                                 command's own words say (imapwire.Classify)
//	w.mailbox_encode(name)           modified UTF-7 (RFC 3501 5.1.3) | nil, why
//	w.mailbox_decode(name)           UTF-8 | nil, why
//
// args is a whole command line ("UID SEARCH ALL", sent as is) or an array:
// strings and integers are sent as they are (raw: atoms, sequence sets,
// parenthesised lists), {_imap = "string"|"literal"|"raw", value = s,
// secret = bool} (what imap.string and friends build) is an IMAP string,
// quoted or sent as a literal, and a secret one is masked in transcripts,
// command texts and messages, and registered with the run's secrets.
//
// A response is a table: type ("untagged", "tagged", "continuation"),
// tag, name (upper case), number (the n of "* n EXISTS"), code,
// code_args, code_text, text (status responses and "+"), fields (data
// responses), and for "* n FETCH" fetch = {seq = n, [ITEM] = value, ...}
// with item names upper-cased. Values: atoms, quoted strings and literals
// are strings (a literal's bytes exactly, with no copy), numbers numbers
// (digits as a string beyond 2^53), lists arrays, NIL is w.NIL; a literal
// streamed to a file is its byte count.
//
// A result (a command's completion) is {status = "OK"|"NO"|"BAD", tag,
// code, code_args, code_text, text, command (as sent, secrets as ***),
// untagged = {responses attributed to the command and not already
// returned by c:next() or with a continuation}}.
//
// wait's file option streams message literals (items BODY[...],
// BINARY[...], RFC822...) of FETCH responses to files created 0600
// instead of memory: a path takes one literal; a function(info) with info
// = {seq, item, size} returns a path per literal, or nil to keep it in
// memory.

const (
	imapClientTypeName  = "mailexpect.imapclient"
	imapCommandTypeName = "mailexpect.imapcommand"
)

type luaIMAP struct {
	c         *imapwire.Client
	t         *imapwire.SessionTransport // the context and read timeout of the current Lua call
	s         *session.Session
	delivered map[*imapwire.Response]bool // returned by next(), left out of results
}

type luaIMAPCmd struct {
	cmd *imapwire.Command
	li  *luaIMAP
}

// imapBinding holds what the conversions need in one state.
type imapBinding struct {
	r    *run
	nilv *lua.LUserData
}

// preloadIMAP registers "mailexpect.imapwire" for the imap module.
func (r *run) preloadIMAP(L *lua.LState) {
	preloadLazy(L, "mailexpect.imapwire", r.imapwire)
}

func (r *run) imapwire(L *lua.LState) *lua.LTable {
	b := &imapBinding{r: r}
	b.nilv = L.NewUserData()
	nmt := L.NewTable()
	nmt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("NIL"))
		return 1
	}))
	nmt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		r.usage(L, "imap.NIL cannot be changed")
		return 0
	}))
	L.SetMetatable(b.nilv, nmt)

	methods := map[string]lua.LGFunction{
		"greeting":     b.greeting,
		"start":        b.start,
		"wait":         b.wait,
		"next":         b.next,
		"send_line":    b.sendLine,
		"literal_mode": b.literalMode,
		"pending":      b.pending,
	}
	cmt := L.NewTypeMetatable(imapClientTypeName)
	idx := L.NewTable()
	for name, fn := range methods {
		idx.RawSetString(name, L.NewFunction(fn))
	}
	cmt.RawSetString("__index", idx)
	kmt := L.NewTypeMetatable(imapCommandTypeName)
	kmt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		k := L.CheckUserData(1).Value.(*luaIMAPCmd)
		switch lua.LVAsString(L.Get(2)) {
		case "tag":
			L.Push(lua.LString(k.cmd.Tag))
		case "name":
			L.Push(lua.LString(k.cmd.Name))
		case "text":
			L.Push(lua.LString(k.cmd.Text))
		case "done":
			L.Push(lua.LBool(k.cmd.Done()))
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))

	mod := L.CreateTable(0, 6)
	mod.RawSetString("client", L.NewFunction(b.client))
	mod.RawSetString("format_date", L.NewFunction(b.formatDate))
	mod.RawSetString("parse_date_time", L.NewFunction(b.parseDateTime))
	mod.RawSetString("NIL", b.nilv)
	mod.RawSetString("reply_error", L.NewFunction(b.replyError))
	mod.RawSetString("classify", L.NewFunction(b.classify))
	mod.RawSetString("mailbox_encode", L.NewFunction(b.mailboxEncode))
	mod.RawSetString("mailbox_decode", L.NewFunction(b.mailboxDecode))
	return mod
}

// mailboxEncode: w.mailbox_encode(name) -> modified UTF-7 | nil, why
// (imapwire.EncodeMailbox); the imap module raises with the name.
func (b *imapBinding) mailboxEncode(L *lua.LState) int {
	enc, err := imapwire.EncodeMailbox(L.CheckString(1))
	return pushResult(L, enc, err)
}

// mailboxDecode: w.mailbox_decode(name) -> UTF-8 | nil, why: a name the
// server sent that is not modified UTF-7 is kept as sent by the caller.
func (b *imapBinding) mailboxDecode(L *lua.LState) int {
	dec, err := imapwire.DecodeMailbox(L.CheckString(1))
	return pushResult(L, dec, err)
}

// formatDate: w.format_date(epoch) -> "1-Jan-2024", the UTC day.
func (b *imapBinding) formatDate(L *lua.LState) int {
	n, ok := L.Get(1).(lua.LNumber)
	if !ok {
		b.r.usage(L, "imap.date: expected epoch seconds, got %s", L.Get(1).Type())
	}
	sec := math.Floor(float64(n))
	L.Push(lua.LString(imapwire.FormatDate(time.Unix(int64(sec), 0))))
	return 1
}

// parseDateTime: w.parse_date_time(s) -> epoch seconds, or nil when s is
// not an INTERNALDATE (never a made-up date: cleanup must skip it).
func (b *imapBinding) parseDateTime(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	t, err := imapwire.ParseDateTime(string(s))
	if err != nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(t.Unix()))
	return 1
}

// client: w.client(session [, opts]).
func (b *imapBinding) client(L *lua.LState) int {
	ud, ok := L.Get(1).(*lua.LUserData)
	var ls *luaSession
	if ok {
		ls, _ = ud.Value.(*luaSession)
	}
	if ls == nil {
		b.r.usage(L, "imapwire.client: argument #1 must be a session")
	}
	opts := b.r.optTable(L, 2, "imapwire.client")
	b.r.checkKeys(L, opts, "imapwire.client", "max_literal", "tag_prefix")
	t := imapwire.FromSession(ls.s, L.Context(), 0)
	li := &luaIMAP{c: imapwire.NewClient(t), t: t, s: ls.s, delivered: map[*imapwire.Response]bool{}}
	if opts != nil {
		if n, ok := opts.RawGetString("max_literal").(lua.LNumber); ok {
			li.c.Reader().MaxLiteral = int64(n)
		}
		if p := stringField(opts, "tag_prefix"); p != "" {
			for i := 0; i < len(p); i++ {
				if c := p[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
					b.r.usage(L, "imapwire.client: tag_prefix must be letters and digits, got %q", p)
				}
			}
			li.c.Tags.Prefix = p
		}
	}
	out := L.NewUserData()
	out.Value = li
	L.SetMetatable(out, L.GetTypeMetatable(imapClientTypeName))
	L.Push(out)
	return 1
}

func (b *imapBinding) checkClient(L *lua.LState, method string) *luaIMAP {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if li, ok := ud.Value.(*luaIMAP); ok {
			return li
		}
	}
	b.r.usage(L, "imapwire: %s called without its client (use ':')", method)
	return nil
}

// bind points the transport at the current call's context and timeout.
// The timeout is a deadline for the whole call (a command's tagged
// completion, one response for next), not an idle timer that every
// untagged line would restart.
func (b *imapBinding) bind(L *lua.LState, li *luaIMAP, timeout lua.LValue, fname string) {
	li.t.Ctx = L.Context()
	li.t.Timeout = b.r.callTimeout(L, timeout, fname)
	if li.t.Timeout <= 0 {
		li.t.Timeout = li.s.Timeout()
	}
	li.t.Deadline = time.Now().Add(li.t.Timeout)
}

// fail raises err. A server that said BYE is done: the session is closed
// so nothing waits on it.
func (b *imapBinding) fail(L *lua.LState, li *luaIMAP, op string, err error) {
	if li.c.Bye() != nil && li.c.Err() != nil {
		li.s.Close()
	}
	b.r.raiseSession(L, li.s, op, err)
}

func (b *imapBinding) greeting(L *lua.LState) int {
	li := b.checkClient(L, "greeting")
	b.bind(L, li, L.Get(2), "imap greeting")
	resp, err := li.c.Greeting()
	if err != nil {
		if failure.Is(err, failure.Reply) {
			li.s.Close()
		}
		b.r.raiseSession(L, li.s, "imap greeting", err)
	}
	L.Push(b.response(L, resp))
	return 1
}

func (b *imapBinding) start(L *lua.LState) int {
	li := b.checkClient(L, "start")
	args := b.args(L, L.Get(2), "imap command")
	opts := b.r.optTable(L, 3, "imapwire start")
	b.r.checkKeys(L, opts, "imapwire start", "timeout")
	var timeout lua.LValue = lua.LNil
	if opts != nil {
		timeout = opts.RawGetString("timeout")
	}
	b.bind(L, li, timeout, "imap command")
	cmd, err := li.c.Start(args...)
	if err != nil {
		b.fail(L, li, "imap "+commandLabel(cmd), err)
	}
	ud := L.NewUserData()
	ud.Value = &luaIMAPCmd{cmd: cmd, li: li}
	L.SetMetatable(ud, L.GetTypeMetatable(imapCommandTypeName))
	L.Push(ud)
	return 1
}

func commandLabel(cmd *imapwire.Command) string {
	if cmd == nil {
		return "command"
	}
	return cmd.Text
}

func (b *imapBinding) wait(L *lua.LState) int {
	li := b.checkClient(L, "wait")
	kud, ok := L.Get(2).(*lua.LUserData)
	var k *luaIMAPCmd
	if ok {
		k, _ = kud.Value.(*luaIMAPCmd)
	}
	if k == nil || k.li != li {
		b.r.usage(L, "imapwire wait: argument #2 must be a command of this client")
	}
	opts := b.r.optTable(L, 3, "imapwire wait")
	b.r.checkKeys(L, opts, "imapwire wait", "timeout", "file")
	var timeout lua.LValue = lua.LNil
	var file lua.LValue = lua.LNil
	if opts != nil {
		timeout, file = opts.RawGetString("timeout"), opts.RawGetString("file")
	}
	op := "imap " + k.cmd.Text
	b.bind(L, li, timeout, op)
	// The module works on this command's responses in Lua once they are
	// read (a flood of untagged ones takes a while): a stop the VM sees
	// there is said to come during it (runError1).
	b.r.moduleOp = moduleOp{chunk: imapModuleChunk, op: op}

	var sink *literalFiles
	if file != lua.LNil {
		if b.r.cfg.Restricted {
			b.r.usage(L, "imap: writing files is not allowed under --restricted")
		}
		sink = &literalFiles{L: L}
		switch f := file.(type) {
		case lua.LString:
			sink.path = string(f)
		case *lua.LFunction:
			sink.fn = f
		default:
			b.r.usage(L, "imap: file must be a path or a function(info) returning one, got %s", file.Type())
		}
		li.c.Reader().Sink = sink.writer
	}
	var sinkErr error
	var cont *imapwire.Response
	var err error
	for {
		cont, err = li.c.Wait(k.cmd)
		if err != nil && li.c.Err() == nil && failure.Is(err, failure.Usage) && sink != nil {
			// A file failed; the literal was read to its end and the
			// stream is in step: finish the command, then report.
			if sinkErr == nil {
				sinkErr = err
			}
			continue
		}
		break
	}
	if sink != nil {
		li.c.Reader().Sink = nil
		if cerr := sink.close(); sinkErr == nil && cerr != nil {
			sinkErr = cerr
		}
	}
	if err != nil {
		b.fail(L, li, op, err)
	}
	if sink != nil && sink.luaErr != nil {
		L.Error(sink.luaErr, 0)
	}
	if sinkErr != nil {
		b.r.raiseOp(L, op, sinkErr)
	}
	if cont != nil {
		// The command goes on (IDLE, AUTHENTICATE): hand over what came
		// for it so far, so that an update that arrived before "+ idling"
		// is not held back until the command ends.
		L.Push(lua.LNil)
		L.Push(b.response(L, cont))
		u := L.CreateTable(0, 0)
		for i, resp := range k.cmd.Untagged {
			b.converting(L, li, k.cmd, i)
			if !li.delivered[resp] {
				li.delivered[resp] = true
				u.Append(b.response(L, resp))
			}
		}
		L.Push(u)
		return 3
	}
	L.Push(b.result(L, li, k.cmd))
	return 1
}

// next reads one response; nil when the timeout passes first (nothing is
// lost: the next call reads on).
func (b *imapBinding) next(L *lua.LState) int {
	li := b.checkClient(L, "next")
	b.bind(L, li, L.Get(2), "imap")
	resp, err := li.c.Next()
	if err != nil {
		if failure.Is(err, failure.Timeout) && li.c.Err() == nil && L.Context().Err() == nil {
			L.Push(lua.LNil)
			return 1
		}
		b.fail(L, li, "imap", err)
	}
	if resp.Type == imapwire.Untagged && len(li.c.Pending()) > 0 {
		// Filed to the oldest outstanding command as well: keep it out of
		// that command's result.
		li.delivered[resp] = true
	}
	L.Push(b.response(L, resp))
	return 1
}

func (b *imapBinding) sendLine(L *lua.LState) int {
	li := b.checkClient(L, "send_line")
	line := b.r.checkString(L, 2, "imapwire send_line")
	secret := lua.LVAsBool(L.Get(3))
	if secret && line != "" {
		b.r.secrets.Add(line)
	}
	b.bind(L, li, lua.LNil, "imap")
	if err := li.c.SendLine(line, secret); err != nil {
		b.fail(L, li, "imap", err)
	}
	return 0
}

func (b *imapBinding) literalMode(L *lua.LState) int {
	li := b.checkClient(L, "literal_mode")
	li.c.LiteralPlus, li.c.LiteralMinus = lua.LVAsBool(L.Get(2)), lua.LVAsBool(L.Get(3))
	return 0
}

func (b *imapBinding) pending(L *lua.LState) int {
	li := b.checkClient(L, "pending")
	L.Push(lua.LNumber(len(li.c.Pending())))
	return 1
}

// replyError: w.reply_error(message, result [, stage]) raises a reply
// error whose err.reply carries status, code, code_args, text, lines,
// tag and command of result.
func (b *imapBinding) replyError(L *lua.LState) int {
	msg := b.r.checkString(L, 1, "imapwire.reply_error")
	res := b.r.checkTable(L, 2, "imapwire.reply_error")
	text := stringField(res, "text")
	fe := &failure.Error{Kind: failure.Reply, Message: msg, Stage: L.OptString(3, ""),
		Reply: &failure.ServerReply{Status: stringField(res, "status"), Text: text, Lines: []string{text}}}
	obj := newErrorObject(L, fe, b.r.mask)
	if rt, ok := obj.RawGetString("reply").(*lua.LTable); ok {
		for _, key := range []string{"code", "code_text", "tag", "command"} {
			if v, ok := res.RawGetString(key).(lua.LString); ok {
				rt.RawSetString(key, lua.LString(b.r.mask(string(v))))
			}
		}
		if v, ok := res.RawGetString("code_args").(*lua.LTable); ok {
			rt.RawSetString("code_args", v)
		}
	}
	L.Error(obj, 0)
	return 0
}

// classify: w.classify(args) -> {verb = "UID STORE", mailbox = (SELECT,
// EXAMINE), removes = why it removes messages, or nil}, read from the
// arguments as they will be sent (imapwire.Classify), so the imap module's
// dry-run and commit rules never re-split a command in Lua.
func (b *imapBinding) classify(L *lua.LState) int {
	c := imapwire.Classify(b.args(L, L.Get(1), "imap command")...)
	t := L.CreateTable(0, 3)
	t.RawSetString("verb", lua.LString(c.Verb))
	if c.Mailbox != "" {
		t.RawSetString("mailbox", lua.LString(c.Mailbox))
	}
	if c.Removes != "" {
		t.RawSetString("removes", lua.LString(c.Removes))
	}
	L.Push(t)
	return 1
}

// args converts a command given as a line or an array of arguments.
func (b *imapBinding) args(L *lua.LState, v lua.LValue, fname string) []imapwire.Arg {
	switch v := v.(type) {
	case lua.LString:
		return []imapwire.Arg{imapwire.RawArg(string(v))}
	case *lua.LTable:
		n := v.Len()
		if n == 0 {
			b.r.usage(L, "%s: empty command table", fname)
		}
		out := make([]imapwire.Arg, 0, n)
		for i := 1; i <= n; i++ {
			out = append(out, b.arg(L, v.RawGetInt(i), i, fname))
		}
		return out
	}
	b.r.usage(L, "%s: expected a command line or an array of arguments, got %s", fname, v.Type())
	return nil
}

func (b *imapBinding) arg(L *lua.LState, v lua.LValue, i int, fname string) imapwire.Arg {
	switch v := v.(type) {
	case lua.LString:
		return imapwire.RawArg(string(v))
	case lua.LNumber:
		f := float64(v)
		if f != float64(int64(f)) || f < 0 {
			b.r.usage(L, "%s: argument %d is the number %v; only whole numbers >= 0 can be sent", fname, i, v)
		}
		return imapwire.RawArg(strconv.FormatInt(int64(f), 10))
	case *lua.LTable:
		form, ok := v.RawGetString("_imap").(lua.LString)
		val := v.RawGetString("value")
		if ok {
			text := ""
			switch val := val.(type) {
			case lua.LString:
				text = string(val)
			case lua.LNumber:
				text = val.String()
			default:
				b.r.usage(L, "%s: argument %d: the value of imap.%s must be a string, got %s", fname, i, form, val.Type())
			}
			var a imapwire.Arg
			switch form {
			case "string":
				a = imapwire.StringArg(text)
			case "utf8":
				a = imapwire.UTF8StringArg(text)
			case "literal":
				a = imapwire.LiteralArg(text)
			case "raw":
				a = imapwire.RawArg(text)
			default:
				b.r.usage(L, "%s: argument %d: unknown argument form %q", fname, i, string(form))
			}
			if lua.LVAsBool(v.RawGetString("secret")) {
				if text != "" {
					b.r.secrets.Add(text)
				}
				a = a.Secret()
			}
			return a
		}
	}
	b.r.usage(L, "%s: argument %d must be a string, a whole number or imap.string(x), got %s", fname, i, v.Type())
	return imapwire.Arg{}
}

// maxExactNumber is the largest integer a Lua number (float64) holds
// exactly.
const maxExactNumber = 1 << 53

func (b *imapBinding) node(L *lua.LState, n imapwire.Node) lua.LValue {
	switch n.Kind {
	case imapwire.KindNumber:
		if n.Num <= maxExactNumber {
			return lua.LNumber(n.Num)
		}
		return lua.LString(n.Text)
	case imapwire.KindAtom, imapwire.KindString:
		return lua.LString(n.Text)
	case imapwire.KindLiteral:
		if n.Streamed {
			return lua.LNumber(n.Size)
		}
		return lua.LString(n.Text) // the reader's string: no copy
	case imapwire.KindList:
		t := L.CreateTable(len(n.List), 0)
		for _, e := range n.List {
			t.Append(b.node(L, e))
		}
		return t
	case imapwire.KindNil:
		return b.nilv
	}
	return lua.LNil
}

func (b *imapBinding) nodes(L *lua.LState, ns []imapwire.Node) *lua.LTable {
	t := L.CreateTable(len(ns), 0)
	for _, n := range ns {
		t.Append(b.node(L, n))
	}
	return t
}

func (b *imapBinding) response(L *lua.LState, resp *imapwire.Response) *lua.LTable {
	t := L.CreateTable(0, responseFields(resp))
	t.RawSetString("type", lua.LString(resp.Type.String()))
	if resp.Tag != "" {
		t.RawSetString("tag", lua.LString(resp.Tag))
	}
	if resp.Name != "" {
		t.RawSetString("name", lua.LString(resp.Name))
	}
	if resp.HasNumber {
		t.RawSetString("number", lua.LNumber(resp.Number))
	}
	b.statusFields(L, t, resp)
	if resp.Fields != nil {
		if ft := b.fetch(L, resp); ft != nil {
			t.RawSetString("fetch", ft)
		} else {
			t.RawSetString("fields", b.nodes(L, resp.Fields))
		}
	}
	return t
}

// fetch renders "* n FETCH (...)" as {seq = n, [ITEM] = value}; nil for
// any other response, or a FETCH whose list does not parse (its fields
// are shown raw then).
func (b *imapBinding) fetch(L *lua.LState, resp *imapwire.Response) *lua.LTable {
	if resp.Name != "FETCH" || resp.Type != imapwire.Untagged {
		return nil
	}
	seq, items, err := resp.Fetch()
	if err != nil {
		return nil
	}
	ft := L.CreateTable(0, len(items)+1)
	ft.RawSetString("seq", lua.LNumber(seq))
	for _, it := range items {
		ft.RawSetString(canonicalItem(it.Name), b.node(L, it.Value))
	}
	return ft
}

// canonicalItem writes a FETCH item name the one way a script spells it:
// servers may echo header field names quoted (go-imap sends
// BODY[HEADER.FIELDS ("DATE" "FROM")]) or spaced differently, and a
// script asking for BODY.PEEK[HEADER.FIELDS (DATE FROM)] looks up
// BODY[HEADER.FIELDS (DATE FROM)]. Header field names hold neither
// quotes nor spaces, so dropping the quotes changes no meaning.
func canonicalItem(name string) string {
	i := strings.IndexByte(name, '[')
	j := strings.LastIndexByte(name, ']')
	if i < 0 || j < i || !strings.ContainsAny(name[i:j], "\"\t") && !strings.Contains(name[i:j], "  ") &&
		!strings.Contains(name[i:j], "( ") && !strings.Contains(name[i:j], " )") {
		return name
	}
	sec := strings.Join(strings.Fields(strings.ReplaceAll(name[i:j], `"`, "")), " ")
	sec = strings.ReplaceAll(strings.ReplaceAll(sec, "( ", "("), " )", ")")
	return name[:i] + sec + name[j:]
}

// responseFields is the number of fields response sets: a table sized
// exactly, because a command may get a quarter of a million of them.
func responseFields(resp *imapwire.Response) int {
	n := 1 // type
	for _, set := range []bool{resp.Tag != "", resp.Name != "", resp.HasNumber,
		resp.IsStatus() || resp.Type == imapwire.Continuation, resp.Fields != nil} {
		if set {
			n++
		}
	}
	if resp.Code != "" {
		n += 2
		if resp.CodeArgs != nil {
			n++
		}
	}
	return n
}

func (b *imapBinding) statusFields(L *lua.LState, t *lua.LTable, resp *imapwire.Response) {
	if resp.IsStatus() || resp.Type == imapwire.Continuation {
		t.RawSetString("text", lua.LString(resp.Text))
	}
	if resp.Code != "" {
		t.RawSetString("code", lua.LString(resp.Code))
		t.RawSetString("code_text", lua.LString(resp.CodeText))
		if resp.CodeArgs != nil {
			t.RawSetString("code_args", b.nodes(L, resp.CodeArgs))
		}
	}
}

// result renders a completed command, then lets go of its responses:
// the Lua tables now hold the only references to their strings.
func (b *imapBinding) result(L *lua.LState, li *luaIMAP, cmd *imapwire.Command) *lua.LTable {
	c := cmd.Completion
	t := L.CreateTable(0, 8)
	t.RawSetString("status", lua.LString(c.Name))
	t.RawSetString("tag", lua.LString(cmd.Tag))
	t.RawSetString("command", lua.LString(cmd.Text))
	b.statusFields(L, t, c)
	u := L.CreateTable(len(cmd.Untagged), 0)
	for i, resp := range cmd.Untagged {
		b.converting(L, li, cmd, i)
		cmd.Untagged[i] = nil // its table holds what is needed: let the rest go
		if li.delivered[resp] {
			delete(li.delivered, resp)
			continue
		}
		u.Append(b.response(L, resp))
	}
	t.RawSetString("untagged", u)
	cmd.Untagged = nil
	return t
}

// converting is called before the i-th untagged response of cmd becomes a
// table. Every 1024 responses it raises the command's timeout, or the
// run's stop, once they have passed: a complete flood that fits the
// client's budget (240,000 "* 1 EXISTS" lines) takes seconds of CPU to
// turn into tables, which must not outlast the timeout nor --max-time.
// The session is still in step afterwards (the completion was read).
func (b *imapBinding) converting(L *lua.LState, li *luaIMAP, cmd *imapwire.Command, i int) {
	if i%1024 != 0 || i == 0 || L.Context().Err() == nil && time.Now().Before(li.t.Deadline) {
		return
	}
	n := len(cmd.Untagged)
	cmd.Untagged = nil
	b.r.raiseOp(L, "imap "+cmd.Text, failure.New(failure.Timeout,
		"imap: timeout after %v turning the %d untagged responses of %s into tables (%d done)", li.t.Timeout, n, cmd.Text, i))
}

// literalFiles is a wait's LiteralSink: message literals to files.
type literalFiles struct {
	L      *lua.LState
	path   string         // file = path: one literal
	fn     *lua.LFunction // file = function(info): a path per literal
	used   bool
	files  []*literalFile
	luaErr lua.LValue // the function raised: re-raised after the command
}

// literalFile is one literal streamed to a file: PATH.partial, renamed
// to PATH only when all of the announced bytes arrived (see partialFile).
type literalFile struct {
	*partialFile
	size, got int64
	failed    bool
}

func (f *literalFile) Write(p []byte) (int, error) {
	n, err := f.partialFile.Write(p)
	f.got += int64(n)
	if err != nil {
		f.failed = true
	}
	return n, err
}

// isMessageItem reports whether a FETCH item holds message bytes (the
// ones worth a file): BODY[...], BINARY[...], RFC822, RFC822.HEADER,
// RFC822.TEXT.
func isMessageItem(item string) bool {
	return strings.HasPrefix(item, "BODY[") || strings.HasPrefix(item, "BINARY[") || strings.HasPrefix(item, "RFC822")
}

func (s *literalFiles) writer(info imapwire.LiteralInfo) io.Writer {
	if info.Response != "FETCH" || !isMessageItem(info.Item) {
		return nil
	}
	path := s.path
	if s.fn != nil {
		if s.luaErr != nil {
			return failWriter{errors.New("an earlier call of the file function failed")}
		}
		arg := s.L.CreateTable(0, 3)
		arg.RawSetString("seq", lua.LNumber(info.Number))
		arg.RawSetString("item", lua.LString(info.Item))
		arg.RawSetString("size", lua.LNumber(info.Size))
		if err := s.L.CallByParam(lua.P{Fn: s.fn, NRet: 1, Protect: true}, arg); err != nil {
			if ae, ok := err.(*lua.ApiError); ok {
				s.luaErr = ae.Object
			} else {
				s.luaErr = lua.LString(err.Error())
			}
			return failWriter{errors.New("the file function raised an error")}
		}
		ret := s.L.Get(-1)
		s.L.Pop(1)
		switch ret := ret.(type) {
		case *lua.LNilType:
			return nil
		case lua.LString:
			path = string(ret)
		default:
			if ret == lua.LFalse {
				return nil
			}
			return failWriter{fmt.Errorf("the file function returned a %s, not a path or nil", ret.Type())}
		}
	} else if s.used {
		return failWriter{fmt.Errorf("file = %q takes one message literal, and a second one (%s of message %d) came: pass a function(info) returning a path per literal", s.path, info.Item, info.Number)}
	}
	s.used = true
	pf, err := createPartial(path)
	if err != nil {
		return failWriter{err}
	}
	f := &literalFile{partialFile: pf, size: info.Size}
	s.files = append(s.files, f)
	return f
}

// close puts every complete literal's file in place and removes the
// others: a literal cut short leaves no file behind.
func (s *literalFiles) close() error {
	var first error
	for _, f := range s.files {
		var incomplete error
		if f.failed || f.got != f.size {
			incomplete = errors.New("incomplete")
		}
		if err := f.finish(incomplete); err != nil && incomplete == nil && first == nil {
			first = failure.Wrap(failure.Usage, err, "imap")
		}
	}
	s.files = nil
	return first
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }
