package session

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/proxy"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// How a session reaches its server: TCP, a Unix-domain socket
// (Options.UnixSocket or a "unix:/path" address), or a TCP connection
// tunnelled through a SOCKS5 or HTTP CONNECT proxy (Options.Proxy).

// ParseProxy checks a proxy URL: "socks5://[user:pass@]host:port"
// (names resolved here), "socks5h://..." (names resolved by the proxy),
// "http://[user:pass@]host:port" (HTTP CONNECT), or "env" (ALL_PROXY /
// all_proxy, with NO_PROXY, read when the session dials). "" is direct.
func ParseProxy(s string) (*url.URL, error) {
	if s == "" || s == "env" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Port() == "" {
		return nil, failure.New(failure.Usage, "proxy %q: want socks5://host:port, socks5h://host:port, http://host:port or \"env\"", redactURL(s))
	}
	switch u.Scheme {
	case "socks5", "socks5h", "http":
	default:
		return nil, failure.New(failure.Usage, "proxy %q: unknown scheme %q (known: socks5, socks5h, http)", u.Redacted(), u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, failure.New(failure.Usage, "proxy %q: a proxy URL has no path", u.Redacted())
	}
	return u, nil
}

// redactURL hides a password in a string that did not parse as a URL.
func redactURL(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			return s[:i+3] + "***" + s[at:]
		}
		return "***" + s[at:]
	}
	return s
}

// envProxy is Proxy = "env": ALL_PROXY (or all_proxy) unless NO_PROXY
// names host. A "" result means direct.
func envProxy(host string) (*url.URL, error) {
	v := os.Getenv("ALL_PROXY")
	if v == "" {
		v = os.Getenv("all_proxy")
	}
	if v == "" {
		return nil, nil
	}
	no := os.Getenv("NO_PROXY")
	if no == "" {
		no = os.Getenv("no_proxy")
	}
	if noProxy(no, host) {
		return nil, nil
	}
	u, err := ParseProxy(v)
	if err != nil {
		return nil, failure.New(failure.Usage, "ALL_PROXY (proxy = \"env\"): %v", err)
	}
	return u, nil
}

// noProxy reports whether the NO_PROXY list sends host direct, as curl
// reads it: "*", a name (also matching its subdomains, with or without a
// leading dot), an IP address or a CIDR block.
func noProxy(list, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	ip := net.ParseIP(host)
	for _, e := range strings.Split(list, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
		case e == "*":
			return true
		case strings.Contains(e, "/"):
			if _, n, err := net.ParseCIDR(e); err == nil && ip != nil && n.Contains(ip) {
				return true
			}
		default:
			e = strings.TrimPrefix(e, ".")
			if host == e || strings.HasSuffix(host, "."+e) {
				return true
			}
		}
	}
	return false
}

// direct is a connection dialed without a proxy: it waits in ppoll when
// o.SyscallWait says so, else in the network poller with raw system
// calls (rawIOConn).
func direct(c net.Conn, err error, o *Options) (net.Conn, error) {
	switch {
	case err != nil:
		return c, err
	case o.SyscallWait:
		return pollWait(c), nil
	}
	return rawIO(c), nil
}

// dialConn opens the transport to a: the Unix socket when there is one,
// else TCP, through the proxy when one is set.
func dialConn(ctx context.Context, a Address, o *Options) (net.Conn, error) {
	var d net.Dialer
	if path := socketOf(a, o); path != "" {
		c, err := d.DialContext(ctx, "unix", path)
		return direct(c, err, o)
	}
	var pu *url.URL
	var err error
	if o.Proxy == "env" {
		pu, err = envProxy(a.Host)
	} else {
		pu, err = ParseProxy(o.Proxy)
	}
	if err != nil || pu == nil {
		if err != nil {
			return nil, err
		}
		d.Resolver = o.Resolver
		c, err := d.DialContext(ctx, "tcp", a.HostPort())
		return direct(c, err, o)
	}
	target := a.HostPort()
	switch pu.Scheme {
	case "socks5", "socks5h":
		if pu.Scheme == "socks5" && net.ParseIP(a.Host) == nil {
			// socks5: names are resolved here, the proxy sees an address.
			ips, err := resolver(o).LookupIPAddr(ctx, a.Host)
			if err != nil {
				return nil, err
			}
			target = net.JoinHostPort(ips[0].IP.String(), a.Port)
		}
		var auth *proxy.Auth
		if pu.User != nil {
			pw, _ := pu.User.Password()
			auth = &proxy.Auth{User: pu.User.Username(), Password: pw}
		}
		pd, err := proxy.SOCKS5("tcp", pu.Host, auth, &d)
		if err != nil {
			return nil, err
		}
		c, err := pd.(proxy.ContextDialer).DialContext(ctx, "tcp", target)
		if err != nil {
			return nil, err
		}
		return c, nil
	default: // http: CONNECT
		c, err := d.DialContext(ctx, "tcp", pu.Host)
		if err != nil {
			return nil, fmt.Errorf("reaching the proxy: %w", err)
		}
		if err := httpConnect(ctx, c, pu, target); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// socketOf is the Unix-domain socket a session dials, or "".
func socketOf(a Address, o *Options) string {
	if o.UnixSocket != "" {
		return o.UnixSocket
	}
	return a.Socket
}

// maxConnectReply bounds the proxy's answer to CONNECT.
const maxConnectReply = 16 << 10

// httpConnect asks an HTTP proxy for a tunnel to target (RFC 9110 9.3.6).
// The answer is read a byte at a time up to its blank line: the mail
// server speaks first, and its greeting must stay unread in the socket.
func httpConnect(ctx context.Context, c net.Conn, pu *url.URL, target string) error {
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
		defer c.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	if pu.User != nil {
		pw, _ := pu.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(pu.User.Username()+":"+pw)) + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		return err
	}
	var head []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) && !bytes.HasSuffix(head, []byte("\n\n")) {
		if len(head) >= maxConnectReply {
			return fmt.Errorf("CONNECT answer longer than %d bytes", maxConnectReply)
		}
		if _, err := io.ReadFull(c, one); err != nil {
			return fmt.Errorf("reading the CONNECT answer: %w", err)
		}
		head = append(head, one[0])
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head)), nil)
	if err != nil {
		return fmt.Errorf("bad CONNECT answer %q: %w", clip(string(head), 80), err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("CONNECT %s refused: %s", target, resp.Status)
	}
	return nil
}

// dialedName is the address as the connect error names it: with the
// socket or proxy it went through, so the reader knows which one failed.
func dialedName(a Address, o *Options) string {
	switch {
	case o.UnixSocket != "":
		return fmt.Sprintf("%s (socket %s)", a, o.UnixSocket)
	case o.Proxy != "" && a.Socket == "":
		if o.Proxy == "env" {
			return fmt.Sprintf("%s (proxy from ALL_PROXY)", a)
		}
		if u, err := url.Parse(o.Proxy); err == nil {
			return fmt.Sprintf("%s (via %s)", a, u.Redacted())
		}
	}
	return a.String()
}
