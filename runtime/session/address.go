package session

import (
	"net"
	"net/url"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// schemes maps a URL scheme to its default port and whether TLS starts
// with the first byte (RFC 8314 implicit TLS).
var schemes = map[string]struct {
	port string
	tls  bool
}{
	"smtp":       {"25", false},
	"submission": {"587", false},
	"smtps":      {"465", true},
	"lmtp":       {"24", false},
	"pop3":       {"110", false},
	"pop3s":      {"995", true},
	"imap":       {"143", false},
	"imaps":      {"993", true},
}

// ParseAddress parses "host:port", "[v6]:port", "scheme://host[:port]"
// or "unix:/path/to/socket".
func ParseAddress(s string) (Address, error) {
	if rest, ok := strings.CutPrefix(s, "mx:"); ok && !strings.HasPrefix(rest, "/") {
		// mx:domain or mx:domain:port: the domain's mail exchangers (port 25).
		host, port, err := net.SplitHostPort(rest)
		if err != nil {
			host, port = rest, "25"
		}
		if host == "" || strings.ContainsAny(host, "/@ ") {
			return Address{}, failure.New(failure.Usage, "bad address %q: want mx:domain or mx:domain:port", s)
		}
		return Address{Scheme: "mx", Host: host, Port: port, MX: true}, nil
	}
	if path, ok := strings.CutPrefix(s, "unix:"); ok && (strings.HasPrefix(path, "/") || strings.HasPrefix(path, "./")) {
		return Address{Scheme: "unix", Socket: path}, nil
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return Address{}, failure.New(failure.Usage, "bad address %q: %v", s, err)
		}
		sc, ok := schemes[strings.ToLower(u.Scheme)]
		if !ok {
			return Address{}, failure.New(failure.Usage, "bad address %q: unknown scheme %q (known: smtp, submission, smtps, lmtp, pop3, pop3s, imap, imaps)", s, u.Scheme)
		}
		host, port := u.Hostname(), u.Port()
		if host == "" {
			return Address{}, failure.New(failure.Usage, "bad address %q: no host", s)
		}
		if port == "" {
			port = sc.port
		}
		return Address{Scheme: strings.ToLower(u.Scheme), Host: host, Port: port, TLS: sc.tls}, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return Address{}, failure.New(failure.Usage, "bad address %q: want host:port, [v6addr]:port or a URL such as smtp://host", s)
	}
	return Address{Host: host, Port: port}, nil
}

// HostPort returns the address in host:port form, bracketing IPv6.
func (a Address) HostPort() string { return net.JoinHostPort(a.Host, a.Port) }

// String returns the address as the user would write it.
func (a Address) String() string {
	if a.Socket != "" {
		return "unix:" + a.Socket
	}
	if a.MX {
		if a.Port == "25" {
			return "mx:" + a.Host
		}
		return "mx:" + a.HostPort()
	}
	if a.Scheme != "" {
		return a.Scheme + "://" + a.HostPort()
	}
	return a.HostPort()
}
