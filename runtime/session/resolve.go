package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// ResolverFor returns a resolver that asks the DNS server at addr
// ("127.0.0.1:5353", "[::1]:53"; a bare address gets port 53) instead of
// the system's: a check can ask a given server, and a test a fake one.
func ResolverFor(addr string) (*net.Resolver, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "53")
	}
	host, _, _ := net.SplitHostPort(addr)
	if net.ParseIP(host) == nil {
		return nil, failure.New(failure.Usage, "resolver %q: want the IP address of a DNS server, optionally with :port", addr)
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}, nil
}

func resolver(o *Options) *net.Resolver {
	if o.Resolver != nil {
		return o.Resolver
	}
	return net.DefaultResolver
}

// MX is one mail exchanger of a domain.
type MX struct {
	Host string // without the trailing dot
	Pref uint16
}

// LookupMX returns the domain's mail exchangers, lowest preference first
// (equal ones in the resolver's order). A domain with no MX record has
// an implicit one, itself (RFC 5321 5.1), returned with Implicit set; a
// null MX (RFC 7505: a single "." record) is an error saying the domain
// accepts no mail.
func LookupMX(ctx context.Context, r *net.Resolver, domain string) (mx []MX, implicit bool, err error) {
	if r == nil {
		r = net.DefaultResolver
	}
	recs, err := r.LookupMX(ctx, domain)
	var dnsErr *net.DNSError
	if err != nil && errors.As(err, &dnsErr) && dnsErr.IsNotFound && len(recs) == 0 {
		// No MX: the domain itself, if it has an address.
		if _, aerr := r.LookupHost(ctx, domain); aerr == nil {
			return []MX{{Host: strings.TrimSuffix(domain, "."), Pref: 0}}, true, nil
		}
		return nil, false, err
	}
	if err != nil {
		return nil, false, err
	}
	for _, rec := range recs {
		h := strings.TrimSuffix(rec.Host, ".")
		if h == "" {
			if len(recs) == 1 {
				return nil, false, fmt.Errorf("%s accepts no mail (null MX, RFC 7505)", domain)
			}
			continue
		}
		mx = append(mx, MX{Host: h, Pref: rec.Pref})
	}
	sort.SliceStable(mx, func(i, j int) bool { return mx[i].Pref < mx[j].Pref })
	return mx, false, nil
}

// dialMX tries the MX hosts of a.Host in preference order until one
// answers; it returns the connection and the address of the host used.
func dialMX(ctx context.Context, a Address, o *Options, note func(string, ...any)) (net.Conn, Address, error) {
	mx, implicit, err := LookupMX(ctx, resolver(o), a.Host)
	if err != nil {
		return nil, a, fmt.Errorf("MX lookup: %w", err)
	}
	var hosts []string
	for _, m := range mx {
		hosts = append(hosts, fmt.Sprintf("%s (%d)", m.Host, m.Pref))
	}
	if implicit {
		note("%s has no MX record: trying the domain itself (RFC 5321 5.1)", a.Host)
	} else {
		note("MX for %s: %s", a.Host, strings.Join(hosts, ", "))
	}
	var errs []string
	for _, m := range mx {
		try := a
		try.Host, try.MX = m.Host, false
		c, err := dialConn(ctx, try, o)
		if err == nil {
			return c, try, nil
		}
		note("MX %s: %v", m.Host, err)
		errs = append(errs, fmt.Sprintf("%s: %v", m.Host, err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, a, fmt.Errorf("no MX host answered (%s)", strings.Join(errs, "; "))
}
