package luabind

import (
	"net"
	"strconv"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/luabind/apispec"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// The endpoint rule every protocol module shares, in Go so that smtp,
// pop3 and imap pick ports and TLS modes by one rule (their options are
// checked by the API spec before open or connect runs).

// dialOptions are the module options that say how to connect (beside
// where): passed on to connect, and refused with session = (see
// endpoint), where they would go unused. They are connect's own options
// (ConnectOptions in the API spec, so an option added there reaches the
// modules too) but tls, which the module decides from its URL, and
// label, which names the client as well (connectOptions passes it on).
var dialOptions = func() []string {
	var names []string
	for _, f := range apispec.Get().Classes["ConnectOptions"].OwnFields() {
		if f.Name != "tls" && f.Name != "label" {
			names = append(names, f.Name)
		}
	}
	return names
}()

// sessionRefused are the options an open with session = refuses: where
// to connect, and how.
var sessionRefused = append([]string{"url", "host", "port"}, dialOptions...)

// endpoint is rt.endpoint(o, spec) -> hostport, tls, scheme, dial: where a
// module connects, in which TLS mode, and connect's options table (nil
// when there are none): o's dialOptions and label, and tls = "implicit"
// when it is (STARTTLS is the module's own step). o has url, or host and port;
// spec is {name =, schemes = {...}, port =, implicit_port =}. The TLS mode
// defaults to implicit for a TLS scheme (smtps, pop3s, imaps) or the
// implicit port, else STARTTLS, which is then required; "none" must be
// said (true and false are accepted for implicit and none).
//
// With session = (a session from connect or spawn) the module runs over
// it: the first result is the session's label, the TLS mode defaults to
// "none" (the session is what its maker made it; "starttls" may be asked)
// and the options that only say how to connect are refused, since they
// would be silently ignored.
func (r moduleHooks) endpoint(L *lua.LState) int {
	o, spec := L.CheckTable(1), L.CheckTable(2)
	name := stringField(spec, "name")
	if sv := o.RawGetString("session"); sv != lua.LNil {
		ud, isUD := sv.(*lua.LUserData)
		ls, isSession := (*luaSession)(nil), false
		if isUD {
			ls, isSession = ud.Value.(*luaSession)
		}
		if !isSession {
			r.usage(L, "%s: session must be a session (from connect or spawn), got %s", name, sv.Type())
		}
		for _, k := range sessionRefused {
			if o.RawGetString(k) != lua.LNil {
				r.usage(L, "%s: %s applies to making a connection; with session = set it on connect or spawn", name, k)
			}
		}
		tls := "none"
		switch v := o.RawGetString("tls"); v {
		case lua.LNil, lua.LFalse, lua.LString("none"):
		case lua.LString("starttls"):
			tls = "starttls"
		default:
			r.usage(L, `%s: with session = tls must be "starttls" or "none", got %s`, name, luaString(L, v))
		}
		L.Push(lua.LString(ls.s.Label()))
		L.Push(lua.LString(tls))
		L.Push(lua.LString(""))
		L.Push(lua.LNil)
		return 4
	}
	var a session.Address
	var scheme, mx string
	if url := o.RawGetString("url"); url != lua.LNil {
		var err error
		if a, err = session.ParseAddress(lua.LVAsString(url)); err != nil {
			r.raise(L, err)
		}
		// Every open comes here (a bulk run: once per row): the schemes
		// are compared in place, and listed only for the message.
		schemes := spec.RawGetString("schemes").(*lua.LTable)
		ok, smtp := false, false
		for i, n := 1, schemes.Len(); i <= n; i++ {
			v := lua.LVAsString(schemes.RawGetInt(i))
			ok = ok || v == a.Scheme
			smtp = smtp || v == "smtp"
		}
		if a.MX && smtp {
			// url = "mx:domain": the domain's MX hosts in order, plain
			// SMTP on port 25 (STARTTLS unless tls says otherwise); the
			// session (connect) resolves and tries them.
			mx = a.String()
			ok, a.Scheme = true, "smtp"
		}
		if !ok {
			var list []string
			for i, n := 1, schemes.Len(); i <= n; i++ {
				list = append(list, lua.LVAsString(schemes.RawGetInt(i))+"://")
			}
			r.usage(L, "%s: url must start with %s, got %s", name, strings.Join(list, ", "), lua.LVAsString(url))
		}
		scheme = a.Scheme
	} else {
		host, isStr := o.RawGetString("host").(lua.LString)
		if !isStr || host == "" {
			r.usage(L, "%s: host (or url) is required", name)
		}
		port := spec.RawGetString("port")
		if p := o.RawGetString("port"); p != lua.LNil {
			port = p
		}
		n, err := strconv.Atoi(lua.LVAsString(port))
		if err != nil || n <= 0 || n > 65535 {
			r.usage(L, "%s: bad port %s", name, luaString(L, port))
		}
		a = session.Address{Host: string(host), Port: strconv.Itoa(n)}
	}
	tls := "starttls"
	switch v := o.RawGetString("tls"); v {
	case lua.LTrue, lua.LString("implicit"):
		tls = "implicit"
	case lua.LFalse, lua.LString("none"):
		tls = "none"
	case lua.LString("starttls"):
	case lua.LNil:
		if a.TLS || a.Port == lua.LVAsString(spec.RawGetString("implicit_port")) {
			tls = "implicit"
		}
	default:
		r.usage(L, `%s: tls must be "implicit", "starttls" or "none", got %s`, name, luaString(L, v))
	}
	if mx != "" {
		L.Push(lua.LString(mx))
	} else {
		L.Push(lua.LString(net.JoinHostPort(a.Host, a.Port)))
	}
	L.Push(lua.LString(tls))
	L.Push(lua.LString(scheme))
	L.Push(connectOptions(L, o, tls))
	return 4
}

// connectOptions is endpoint's dial (see there).
func connectOptions(L *lua.LState, o *lua.LTable, tls string) lua.LValue {
	var d *lua.LTable
	set := func(k string, v lua.LValue) {
		if d == nil {
			d = L.CreateTable(0, 4)
		}
		d.RawSetString(k, v)
	}
	if tls == "implicit" {
		set("tls", lua.LString("implicit"))
	}
	for _, k := range dialOptions {
		if v := o.RawGetString(k); v != lua.LNil {
			set(k, v)
		}
	}
	if v := o.RawGetString("label"); v != lua.LNil {
		set("label", v)
	}
	if d == nil {
		return lua.LNil
	}
	return d
}
