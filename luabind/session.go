package luabind

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unsafe"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/luabind/apispec"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/spawn"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// sessionBinding is the Lua face of runtime/session: connect and spawn,
// and the methods of a session (send, expect, reply, starttls, ...).
type sessionBinding struct{ *run }

// luaSession is the Go side of a session userdata. The session keeps the
// guards, each tagged with its Lua handler.
type luaSession struct {
	s    *session.Session
	proc *spawn.Process // the program of a spawned session, else nil

	// warnTo, when set (-v), gets a warning for a command sent while
	// unread lines are buffered: after EHLO, expect("^250") eats only
	// the first 250- line.
	warnTo *transcript.Log

	last     lua.LValue // the last line s:readline returned (lineValue)
	lastText string
	rest     restCache // rt.command's split of the last answer (modcommand.go)
}

// warnUnread warns (see warnTo) before s:send, s:sendline and s:send_dot.
func (ls *luaSession) warnUnread() {
	if ls.warnTo == nil {
		return
	}
	if n := ls.s.Pending(); n > 0 {
		ls.warnTo.Logf("warning", "%s: sending while %d unread line(s) are buffered (next: %s); s:reply() reads a whole reply, s:drain() discards", ls.s.Label(), n, ls.s.Tail(60))
	}
}

const sessionTypeName = "mailexpect.session"

// methods is the method set of docs/DESIGN.md "Sessions".
func (r sessionBinding) methods() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"send":     r.send,
		"sendline": r.sendline,
		"readline": r.readline,
		"reply":    r.reply,
		"read":     r.read,
		"read_dot": r.readDot,
		"send_dot": r.sendDot,
		"expect":   r.expect,
		"guard":    r.guard,
		"starttls": r.startTLS,
		"pending":  r.pending,
		"drain":    r.drain,
		"close":    r.close,
		"interact": r.interact,
	}
}

// openSession installs connect, exp_continue and the session metatable.
func (r sessionBinding) open(L *lua.LState) {
	fns, names := r.methodTable(L, "session", r.methods())
	mt := L.NewTypeMetatable(sessionTypeName)
	mt.RawSetString("__methods", fns)
	// __index, asked for what __methods lacks, is a function: s.tls is
	// computed, and an unknown name must raise a clear error instead of
	// "attempt to call a nil value".
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		ls := L.CheckUserData(1).Value.(*luaSession)
		key := lua.LVAsString(L.Get(2))
		switch key {
		case "tls":
			L.Push(tlsTable(L, ls.s.TLS()))
			return 1
		case "label":
			L.Push(lua.LString(ls.s.Label()))
			return 1
		case "pid", "exit_status", "exit_signal":
			if ls.proc == nil {
				L.Push(lua.LNil)
				return 1
			}
			if key == "pid" {
				L.Push(lua.LNumber(ls.proc.Pid()))
				return 1
			}
			exitValues(L, ls.proc)
			if key == "exit_status" {
				L.Pop(1)
			} else {
				L.Remove(-2)
			}
			return 1
		}
		msg := fmt.Sprintf("session has no method '%s'", key)
		if near := nearest(key, names); near != "" {
			msg += fmt.Sprintf(" (did you mean '%s'?)", near)
		}
		r.usage(L, "%s", msg)
		return 0
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		r.usage(L, "cannot set field '%s' of a session", luaString(L, L.Get(2)))
		return 0
	}))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		ls := L.CheckUserData(1).Value.(*luaSession)
		L.Push(lua.LString("session(" + ls.s.Label() + ")"))
		return 1
	}))

	g := L.G.Global
	g.RawSetString("connect", L.NewFunction(r.connect))
	if !r.cfg.Restricted {
		// A local program is outside what --restricted allows.
		g.RawSetString("spawn", L.NewFunction(r.spawn))
	}
	g.RawSetString("getpass", L.NewFunction(r.getpass))
	g.RawSetString("exp_continue", r.expContinue(L))
}

// expContinue is the sentinel a handler returns to restart its expect.
func (r sessionBinding) expContinue(L *lua.LState) lua.LValue {
	if r.expCont == nil {
		ud := L.NewUserData()
		mt := L.NewTable()
		mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("exp_continue"))
			return 1
		}))
		L.SetMetatable(ud, mt)
		r.expCont = ud
	}
	return r.expCont
}

// checkSession returns the session a method was called on. s.send("x")
// passes "x" as self; say so, since Lua's own message would be a puzzle.
func (r sessionBinding) checkSession(L *lua.LState, method string) *luaSession {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if ls, ok := ud.Value.(*luaSession); ok {
			return ls
		}
	}
	r.usage(L, "s:%s: called with '.' instead of ':' (write s:%s(...))", method, method)
	return nil
}

func boolField(t *lua.LTable, key string) bool {
	if t == nil {
		return false
	}
	return lua.LVAsBool(t.RawGetString(key))
}

func stringField(t *lua.LTable, key string) string {
	if t == nil {
		return ""
	}
	if s, ok := t.RawGetString(key).(lua.LString); ok {
		return string(s)
	}
	return ""
}

// luaConnect: connect(addr [, opts]) -> session.
func (r sessionBinding) connect(L *lua.LState) int {
	addr := r.checkString(L, 1, "connect")
	opts := r.optTable(L, 2, "connect")
	r.checkKeys(L, opts, "connect", "timeout", "connect_timeout", "tls", "servername", "insecure", "ca_file",
		"cert_file", "key_file", "min_version", "pin", "proxy", "unix_socket", "resolver", "match_max", "label")

	so := session.Options{
		Timeout:     r.cfg.Timeout,
		Transcript:  r.cfg.Transcript,
		Label:       stringField(opts, "label"),
		SyscallWait: r.cfg.SyscallWait,
	}
	if opts != nil {
		if v := opts.RawGetString("timeout"); v != lua.LNil {
			so.Timeout = r.callTimeout(L, v, "connect")
		}
		if v := opts.RawGetString("connect_timeout"); v != lua.LNil {
			so.ConnectTimeout = r.callTimeout(L, v, "connect")
		}
		switch v := opts.RawGetString("tls"); v {
		case lua.LNil, lua.LFalse, lua.LString("none"):
		case lua.LTrue, lua.LString("implicit"):
			so.ImplicitTLS = true
		default:
			r.usage(L, "connect: tls must be \"implicit\" (or true); STARTTLS is s:starttls() after the server's go-ahead; got %s", luaString(L, v))
		}
		if v := opts.RawGetString("match_max"); v != lua.LNil {
			n, ok := v.(lua.LNumber)
			if !ok || n < 1 {
				r.usage(L, "connect: match_max must be a positive number of bytes")
			}
			so.MatchMax = int(n)
		}
	}
	so.TLS = r.tlsOptions(L, opts, "connect")
	so.Proxy, so.UnixSocket = stringField(opts, "proxy"), stringField(opts, "unix_socket")
	r.checkNetOptions(L, opts, "connect", so.Proxy, so.UnixSocket)
	so.Resolver = r.resolverOption(L, opts, "connect")
	if so.Label == "" && r.cfg.LabelPrefix != "" {
		// A bulk run: parallel rows' transcript lines must say whose they are.
		so.Label = r.cfg.LabelPrefix + addr
	}
	if r.cfg.Restricted {
		r.checkRestrictedHost(L, addr)
	}
	if r.attempt != nil {
		so.Acquire = r.attempt.AcquireHost // --per-host
	}
	r.cfg.transport(&so)
	s, err := session.Dial(L.Context(), addr, so)
	if err != nil {
		r.raiseOp(L, "connect", err)
	}
	r.mu.Lock()
	r.sessions = append(r.sessions, s)
	r.mu.Unlock()
	if r.cfg.OnSession != nil {
		r.cfg.OnSession(s)
	}

	ud := L.NewUserData()
	ud.Value = &luaSession{s: s, warnTo: r.cfg.Transcript}
	L.SetMetatable(ud, L.GetTypeMetatable(sessionTypeName))
	L.Push(ud)
	return 1
}

// transport hooks --record and --replay into a session's options.
func (cfg *Config) transport(so *session.Options) {
	if cfg.Record != nil {
		so.Record = cfg.Record.Session
	}
	if cfg.Replay != nil {
		so.Dial, so.Handshake = cfg.Replay.Dial, cfg.Replay.Handshake
	}
}

func (r sessionBinding) tlsOptions(L *lua.LState, opts *lua.LTable, fname string) session.TLSOptions {
	o := session.TLSOptions{
		ServerName: stringField(opts, "servername"),
		Insecure:   boolField(opts, "insecure"),
		CAFile:     stringField(opts, "ca_file"),
		CertFile:   stringField(opts, "cert_file"),
		KeyFile:    stringField(opts, "key_file"),
	}
	for _, k := range []string{"ca_file", "cert_file", "key_file"} {
		if stringField(opts, k) != "" && r.cfg.Restricted {
			r.usage(L, "%s: %s is not allowed under --restricted", fname, k)
		}
	}
	if opts != nil {
		switch v := opts.RawGetString("min_version"); v {
		case lua.LNil:
		case lua.LString("1.2"):
			o.MinVersion = tls.VersionTLS12
		case lua.LString("1.3"):
			o.MinVersion = tls.VersionTLS13
		default:
			r.usage(L, "%s: min_version must be \"1.2\" or \"1.3\", got %s", fname, luaString(L, v))
		}
		switch v := opts.RawGetString("pin").(type) {
		case *lua.LNilType:
		case lua.LString:
			o.Pins = []string{string(v)}
		case *lua.LTable:
			v.ForEach(func(_, p lua.LValue) { o.Pins = append(o.Pins, lua.LVAsString(p)) })
		default:
			r.usage(L, "%s: pin must be \"sha256/<base64>\" or a list of them, got %s", fname, v.Type())
		}
	}
	o.RootCAs = r.cfg.RootCAs // nil: the system roots; ca_file adds to either
	return o
}

// checkNetOptions checks proxy and unix_socket as given to fname: a
// malformed proxy is a usage error before any dialing, and under
// --restricted neither is allowed (a proxy or a socket reaches hosts the
// arguments do not name).
func (r sessionBinding) checkNetOptions(L *lua.LState, opts *lua.LTable, fname, proxy, unixSocket string) {
	for _, k := range []string{"proxy", "unix_socket"} {
		if opts == nil {
			break
		}
		if v := opts.RawGetString(k); v != lua.LNil {
			if _, isStr := v.(lua.LString); !isStr {
				r.usage(L, "%s: %s must be a string, got %s", fname, k, v.Type())
			}
			if r.cfg.Restricted {
				r.usage(L, "%s: %s is not allowed under --restricted", fname, k)
			}
		}
	}
	if _, err := session.ParseProxy(proxy); err != nil {
		r.raiseOp(L, fname, err)
	}
	if proxy != "" && unixSocket != "" {
		r.usage(L, "%s: proxy and unix_socket exclude each other (a Unix socket is local)", fname)
	}
}

// checkRestrictedHost enforces --restricted's "hosts only from arguments":
// the host must appear in an argument (as the whole argument, host:port, a
// URL, or the value of name=value) or in a read-only global such as row.
func (r sessionBinding) checkRestrictedHost(L *lua.LState, addr string) {
	a, err := session.ParseAddress(addr)
	if err != nil {
		r.raiseOp(L, "connect", err)
	}
	if a.Socket != "" {
		for _, arg := range r.cfg.Args {
			if arg == addr || arg == a.Socket {
				return
			}
		}
		r.usage(L, "connect: --restricted allows only sockets named in the arguments; %q is not one of them", a.Socket)
	}
	allowed := r.cfg.allowed
	if allowed == nil {
		allowed = &allowedHosts{}
	}
	host := strings.ToLower(a.Host)
	if allowed.of(r.cfg)[host] {
		return
	}
	var rowStrings []string // the row's own, which differ from row to row
	collectStrings(r.cfg.ReadOnly["row"], &rowStrings)
	if hostsOf(rowStrings)[host] {
		return
	}
	r.usage(L, "connect: --restricted allows only hosts named in the arguments; %q is not one of them", a.Host)
}

// allowedHosts is the set of hosts --restricted allows, from the
// arguments (whole, or the value of name=value) and the read-only
// globals other than row, built once.
type allowedHosts struct {
	once  sync.Once
	hosts map[string]bool
}

func (h *allowedHosts) of(cfg Config) map[string]bool {
	h.once.Do(func() {
		var candidates []string
		for _, arg := range cfg.Args {
			candidates = append(candidates, arg)
			if _, v, ok := strings.Cut(arg, "="); ok {
				candidates = append(candidates, v)
			}
		}
		for name, v := range cfg.ReadOnly {
			if name != "row" {
				collectStrings(v, &candidates)
			}
		}
		h.hosts = hostsOf(candidates)
	})
	return h.hosts
}

// hostsOf is the hosts the strings name, lower-cased: each string as it
// is, and the host of each that parses as an address (host:port, a URL).
func hostsOf(candidates []string) map[string]bool {
	hosts := make(map[string]bool, len(candidates))
	for _, c := range candidates {
		hosts[strings.ToLower(c)] = true
		if ca, err := session.ParseAddress(c); err == nil {
			hosts[strings.ToLower(ca.Host)] = true
		}
	}
	return hosts
}

func collectStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []string:
		*out = append(*out, v...)
	case []any:
		for _, e := range v {
			collectStrings(e, out)
		}
	case map[string]string:
		for _, e := range v {
			*out = append(*out, e)
		}
	case map[string]any:
		for _, e := range v {
			collectStrings(e, out)
		}
	}
}

// sendOpts reads {secret = true}.
func (r sessionBinding) sendOpts(L *lua.LState, n int, fname string) bool {
	t := r.optTable(L, n, fname)
	r.checkKeys(L, t, fname, "secret")
	return boolField(t, "secret")
}

func (r sessionBinding) send(L *lua.LState) int {
	ls := r.checkSession(L, "send")
	data := r.checkString(L, 2, "s:send")
	secret := r.sendOpts(L, 3, "s:send")
	if secret {
		r.secrets.Add(data)
	}
	ls.warnUnread()
	send := ls.s.Send
	if secret {
		send = ls.s.SendSecret
	}
	if err := send(L.Context(), []byte(data)); err != nil {
		r.raiseOp(L, "s:send", err)
	}
	return 0
}

func (r sessionBinding) sendline(L *lua.LState) int {
	ls := r.checkSession(L, "sendline")
	line := r.checkString(L, 2, "s:sendline")
	r.sendLine(L, ls, line, r.sendOpts(L, 3, "s:sendline"))
	return 0
}

// sendLine is s:sendline's work once its arguments are checked (the
// modules' rt.command and rt.request send through it too).
func (r *run) sendLine(L *lua.LState, ls *luaSession, line string, secret bool) {
	ls.warnUnread()
	send := ls.s.SendLine
	if secret {
		send = ls.s.SendLineSecret
	}
	if err := send(L.Context(), line); err != nil {
		r.raiseOp(L, "s:sendline", err)
	}
}

func (r sessionBinding) readline(L *lua.LState) int {
	ls := r.checkSession(L, "readline")
	r.pushLine(L, ls, r.callTimeout(L, L.Get(2), "s:readline"))
	return 1
}

// pushLine is s:readline's work once its timeout is checked: the next
// line pushed, nil at EOF (rt.command reads through it too).
func (r *run) pushLine(L *lua.LState, ls *luaSession, timeout time.Duration) {
	line, err := ls.s.NextLine(L.Context(), timeout)
	switch {
	case errors.Is(err, io.EOF):
		L.Push(lua.LNil)
	case err != nil:
		r.raiseSession(L, ls.s, "s:readline", err)
	default:
		L.Push(ls.lineValue(line))
	}
}

// lineValue is a line read as a Lua string. A server repeats itself
// ("+OK" after every DELE, "250 2.1.5 Ok" after every RCPT): the same
// line as the last one is the last one's value again, and costs no
// allocation.
func (ls *luaSession) lineValue(line []byte) lua.LValue {
	if ls.last == nil || string(line) != ls.lastText {
		text := string(line)
		ls.last, ls.lastText = lua.LString(text), text
	}
	return ls.last
}

func (r sessionBinding) reply(L *lua.LState) int {
	ls := r.checkSession(L, "reply")
	rep := r.nextReply(L, ls, r.callTimeout(L, L.Get(2), "s:reply"))
	L.Push(replyValue(L, rep, rep.Enhanced))
	return 1
}

// nextReply is s:reply's read once its timeout is checked (rt.request
// reads through it too).
func (r *run) nextReply(L *lua.LState, ls *luaSession, timeout time.Duration) *failure.ServerReply {
	rep, err := ls.s.Reply(L.Context(), timeout)
	if err != nil {
		r.raiseSession(L, ls.s, "s:reply", err)
	}
	return rep
}

// replyValue is rep as s:reply returns it, {code, enhanced, lines,
// text}, with enhanced (rep's, or none) as its enhanced code.
func replyValue(L *lua.LState, rep *failure.ServerReply, enhanced string) *lua.LTable {
	t := L.CreateTable(0, 4)
	t.RawSetString("code", lua.LNumber(rep.Code))
	if enhanced != "" {
		t.RawSetString("enhanced", lua.LString(enhanced))
	}
	t.RawSetString("lines", stringList(L, rep.Lines))
	t.RawSetString("text", lua.LString(rep.Text))
	return t
}

func (r sessionBinding) read(L *lua.LState) int {
	ls := r.checkSession(L, "read")
	n := r.checkNumber(L, 2, "s:read")
	if n < 0 || n != float64(int(n)) {
		r.usage(L, "s:read: byte count must be a whole number >= 0, got %v", n)
	}
	b, err := ls.s.Read(L.Context(), int(n), r.callTimeout(L, L.Get(3), "s:read"))
	if err != nil {
		r.raiseSession(L, ls.s, "s:read", err)
	}
	L.Push(lua.LString(b))
	return 1
}

// maxSizeHint bounds the memory s:read_dot{size = n} reserves up front:
// the size comes from the server (POP3 "+OK 1234 octets"), which may lie.
const maxSizeHint = 128 << 20

// maxFileBody bounds a body streamed to a file when no size was
// announced: a server that never ends the body must not fill the disk.
const maxFileBody = 1 << 30

// readDot: s:read_dot([{file = path, timeout = s, size = n}]) returns the
// body, or with file writes it there (created 0600: mail is private) and
// returns the number of bytes written. size is the expected size of the
// body (a hint, at most maxSizeHint is reserved): the body is then
// collected without the copies of a growing buffer, so a 64 MiB message
// costs about 64 MiB, not three times that.
//
// The body is bounded (kind full past it): by match_max, or when a size
// was announced by twice that (servers that count LF line ends), at most
// maxSizeHint in memory; a file without a size by maxFileBody. A file is
// written as PATH.partial and renamed to PATH only once the whole body
// has arrived: a body cut short leaves no file that could pass for the
// message (the .partial and any earlier PATH are removed).
func (r sessionBinding) readDot(L *lua.LState) int {
	ls := r.checkSession(L, "read_dot")
	opts := r.optTable(L, 2, "s:read_dot")
	r.checkKeys(L, opts, "s:read_dot", "file", "timeout", "size")
	var timeout time.Duration
	size := int64(0)
	if opts != nil {
		timeout = r.callTimeout(L, opts.RawGetString("timeout"), "s:read_dot")
		switch v := opts.RawGetString("size").(type) {
		case *lua.LNilType:
		case lua.LNumber:
			if v > 0 {
				size = int64(min(float64(v), 1<<50))
			}
		default:
			r.usage(L, "s:read_dot: size must be a number of bytes, got %s", v.Type())
		}
	}
	limit := int64(ls.s.MatchMax())
	if path := stringField(opts, "file"); path != "" {
		if r.cfg.Restricted {
			r.usage(L, "s:read_dot: writing files is not allowed under --restricted")
		}
		switch {
		case size > 0:
			limit = max(limit, 2*size)
		default:
			limit = max(limit, maxFileBody)
		}
		f, err := createPartial(path)
		if err != nil {
			r.usage(L, "s:read_dot: %v", err)
		}
		n, err := ls.s.ReadDotLimit(L.Context(), f, limit, timeout)
		if err = f.finish(err); err != nil {
			r.raiseSession(L, ls.s, "s:read_dot", err)
		}
		L.Push(lua.LNumber(n))
		return 1
	}
	if size > 0 {
		limit = max(limit, min(2*size, maxSizeHint))
	}
	b := session.NewBodyBuffer(int(min(size, maxSizeHint)))
	if _, err := ls.s.ReadDotLimit(L.Context(), b, limit, timeout); err != nil {
		r.raiseSession(L, ls.s, "s:read_dot", err)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

func (r sessionBinding) sendDot(L *lua.LState) int {
	ls := r.checkSession(L, "send_dot")
	data := r.checkString(L, 2, "s:send_dot")
	ls.warnUnread()
	// SendDot only reads the body: the Lua string's bytes, not a copy.
	if err := ls.s.SendDot(L.Context(), unsafe.Slice(unsafe.StringData(data), len(data))); err != nil {
		r.raiseOp(L, "s:send_dot", err)
	}
	return 0
}

func (r sessionBinding) startTLS(L *lua.LState) int {
	ls := r.checkSession(L, "starttls")
	opts := r.optTable(L, 2, "s:starttls")
	r.checkKeys(L, opts, "s:starttls", "servername", "insecure", "ca_file", "cert_file", "key_file", "min_version", "pin")
	var o *session.TLSOptions
	if opts != nil {
		t := r.tlsOptions(L, opts, "s:starttls")
		o = &t
	}
	if err := ls.s.StartTLS(L.Context(), o); err != nil {
		r.raiseOp(L, "s:starttls", err)
	}
	L.Push(tlsTable(L, ls.s.TLS()))
	return 1
}

func (r sessionBinding) pending(L *lua.LState) int {
	ls := r.checkSession(L, "pending")
	L.Push(lua.LNumber(ls.s.Pending()))
	return 1
}

// sDrain discards the unread data and returns it, so a script can log it.
func (r sessionBinding) drain(L *lua.LState) int {
	ls := r.checkSession(L, "drain")
	L.Push(lua.LString(ls.s.Drain()))
	return 1
}

// sClose closes the session; for a spawned program it returns its exit
// status and signal name (see exitValues) once Close has reaped it.
func (r sessionBinding) close(L *lua.LState) int {
	ls := r.checkSession(L, "close")
	ls.s.Close()
	r.forget(ls.s)
	if ls.proc != nil {
		return exitValues(L, ls.proc)
	}
	return 0
}

// forget drops a closed session from the ones closeAll closes at the end
// of the run: a script that opens and closes a session per mailbox must
// not hold every one it ever opened (their buffers) until it ends.
func (r sessionBinding) forget(s *session.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, o := range r.sessions {
		if o == s {
			last := len(r.sessions) - 1
			r.sessions[i] = r.sessions[last]
			r.sessions[last] = nil
			r.sessions = r.sessions[:last]
			return
		}
	}
}

// tlsTable renders s.tls: nil before TLS, else {version, cipher,
// server_name, verified, peer = {subject, issuer, not_before, not_after,
// dns_names, fingerprint, spki, chain}} with times as epoch seconds.
func tlsTable(L *lua.LState, info *session.TLSInfo) lua.LValue {
	if info == nil {
		return lua.LNil
	}
	t := L.CreateTable(0, 5)
	t.RawSetString("version", lua.LString(info.Version))
	t.RawSetString("cipher", lua.LString(info.Cipher))
	t.RawSetString("server_name", lua.LString(info.ServerName))
	t.RawSetString("verified", lua.LBool(info.Verified))
	if info.VerifyError != "" {
		t.RawSetString("verify_error", lua.LString(info.VerifyError))
	}
	if p := info.Peer; p != nil {
		pt := peerTable(L, p)
		chain := L.CreateTable(len(p.Chain), 0)
		for _, c := range p.Chain {
			chain.Append(peerTable(L, c))
		}
		pt.RawSetString("chain", chain)
		t.RawSetString("peer", pt)
	}
	return t
}

// peerTable renders one certificate of s.tls.peer (and of its chain).
func peerTable(L *lua.LState, p *session.PeerCert) *lua.LTable {
	pt := L.CreateTable(0, 8)
	pt.RawSetString("subject", lua.LString(p.Subject))
	pt.RawSetString("issuer", lua.LString(p.Issuer))
	pt.RawSetString("not_before", lua.LNumber(p.NotBefore.Unix()))
	pt.RawSetString("not_after", lua.LNumber(p.NotAfter.Unix()))
	pt.RawSetString("fingerprint", lua.LString(p.Fingerprint))
	pt.RawSetString("spki", lua.LString(p.SPKI))
	pt.RawSetString("dns_names", stringList(L, p.DNSNames))
	return pt
}

// nearest returns the name closest to key, if close (the spec's
// did-you-mean rule, shared with mailexpect doc).
func nearest(key string, names []string) string { return apispec.Nearest(key, names) }
