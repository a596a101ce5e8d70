package luabind

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/session"
)

// dnsBinding installs the dns table: dns.mx, dns.a, dns.txt. A name with
// no records of the type (or no such name) is an empty list, which a
// check judges; a lookup that could not be made (no answer, a server
// failure) is nil and the reason, as the decoders do for bad data.
type dnsBinding struct{ *run }

func (r dnsBinding) open(L *lua.LState) {
	t := L.CreateTable(0, 3)
	t.RawSetString("mx", L.NewFunction(r.mx))
	t.RawSetString("a", L.NewFunction(r.a))
	t.RawSetString("txt", L.NewFunction(r.txt))
	L.G.Global.RawSetString("dns", t)
	preloadTable(L, "dns", t)
}

// resolverOption reads resolver = "ip[:port]" from opts (nil: the system's).
func (r *run) resolverOption(L *lua.LState, opts *lua.LTable, fname string) *net.Resolver {
	addr := stringField(opts, "resolver")
	if opts != nil {
		if v := opts.RawGetString("resolver"); v != lua.LNil {
			if _, ok := v.(lua.LString); !ok || addr == "" {
				r.usage(L, "%s: resolver must be the address of a DNS server (\"127.0.0.1:53\"), got %s", fname, luaString(L, v))
			}
		}
	}
	if addr == "" {
		return nil
	}
	res, err := session.ResolverFor(addr)
	if err != nil {
		r.raiseOp(L, fname, err)
	}
	return res
}

// lookup runs fn with the call's resolver and timeout (opts: resolver,
// timeout; default the run's timeout).
func (r dnsBinding) lookup(L *lua.LState, fname string, fn func(ctx context.Context, res *net.Resolver, name string) (*lua.LTable, error)) int {
	name := r.checkString(L, 1, fname)
	opts := r.optTable(L, 2, fname)
	r.checkKeys(L, opts, fname, "resolver", "timeout")
	res := r.resolverOption(L, opts, fname)
	if res == nil {
		res = net.DefaultResolver
	}
	d := r.cfg.Timeout
	if opts != nil {
		if v := opts.RawGetString("timeout"); v != lua.LNil {
			d = r.callTimeout(L, v, fname)
		}
	}
	if d <= 0 {
		d = session.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(L.Context(), d)
	defer cancel()
	t, err := fn(ctx, res, name)
	var dnsErr *net.DNSError
	if err != nil && errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		t, err = L.NewTable(), nil
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(r.mask(err.Error())))
		return 2
	}
	L.Push(t)
	return 1
}

// mx: dns.mx(domain [, opts]) -> {{host =, pref =}, ...} lowest
// preference first; a null MX (RFC 7505) is the one record {host = ".",
// pref = 0}, as the domain publishes it.
func (r dnsBinding) mx(L *lua.LState) int {
	return r.lookup(L, "dns.mx", func(ctx context.Context, res *net.Resolver, name string) (*lua.LTable, error) {
		mx, err := res.LookupMX(ctx, name)
		if err != nil && len(mx) == 0 {
			return nil, err
		}
		sort.SliceStable(mx, func(i, j int) bool { return mx[i].Pref < mx[j].Pref })
		t := L.CreateTable(len(mx), 0)
		for _, m := range mx {
			host := strings.TrimSuffix(m.Host, ".")
			if host == "" {
				host = "."
			}
			e := L.CreateTable(0, 2)
			e.RawSetString("host", lua.LString(host))
			e.RawSetString("pref", lua.LNumber(m.Pref))
			t.Append(e)
		}
		return t, nil
	})
}

func (r dnsBinding) a(L *lua.LState) int {
	return r.lookup(L, "dns.a", func(ctx context.Context, res *net.Resolver, name string) (*lua.LTable, error) {
		ips, err := res.LookupIPAddr(ctx, name)
		if err != nil {
			return nil, err
		}
		addrs := make([]string, len(ips))
		for i, ip := range ips {
			addrs[i] = ip.IP.String()
		}
		return stringList(L, addrs), nil
	})
}

func (r dnsBinding) txt(L *lua.LState) int {
	return r.lookup(L, "dns.txt", func(ctx context.Context, res *net.Resolver, name string) (*lua.LTable, error) {
		txt, err := res.LookupTXT(ctx, name)
		if err != nil {
			return nil, err
		}
		return stringList(L, txt), nil
	})
}
