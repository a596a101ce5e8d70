package luabind

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
)

// TestDNSAndMX: dns.mx/a/txt and connect("mx:domain") and smtp's
// url = "mx:domain" against a fake DNS server (resolver =).
func TestDNSAndMX(t *testing.T) {
	smtp := fakeserver.Serve(t, func(c net.Conn) {
		io.WriteString(c, "220 mx.example.test ESMTP\r\n")
		buf := make([]byte, 512)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(string(buf[:n]), "EHLO"):
				io.WriteString(c, "250-mx.example.test\r\n250 PIPELINING\r\n")
			case strings.HasPrefix(string(buf[:n]), "QUIT"):
				io.WriteString(c, "221 bye\r\n")
				return
			}
		}
	})
	_, port, _ := net.SplitHostPort(smtp)
	zone := fakeserver.MXZone() // mx1 is dead, mx2 is this server
	zone.TXT = map[string][]string{"example.test": {"v=spf1 -all"}}
	dns := fakeserver.DNS(t, zone)
	out, stderr, code, err := runCode(t, Config{Timeout: 3 * time.Second}, `
		local R = {resolver = "`+dns+`"}
		local mx = assert(dns.mx("example.test", R))
		print(#mx, mx[1].host, mx[1].pref, mx[2].host, mx[2].pref)
		print(dns.mx("null.test", R)[1].host)
		print(#dns.mx("nowhere.test", R))
		print(dns.a("mx2.example.test", R)[1])
		print(dns.txt("example.test", R)[1])
		local s = connect("mx:example.test:`+port+`", R)
		s:expect("^220 ")
		print(s.label)
		s:close()
		local smtp = require "smtp"
		local c = smtp.open{url = "mx:example.test:`+port+`", tls = "none", resolver = R.resolver}
		print(c.greeting.code)
		c:quit()
		local ok, e = pcall(connect, "mx:null.test", R)
		print(e.kind, e.message:find("null MX") ~= nil)
		ok, e = pcall(dns.mx, "x", {resolver = "dns.example"})
		print(e.kind)
	`)
	if code != 0 || err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	want := "2\tmx1.example.test\t10\tmx2.example.test\t20\n.\n0\n127.0.0.1\nv=spf1 -all\nmx:example.test:" + port + "\n220\nconnect\ttrue\nusage\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}

// TestNetOptionErrors: the connection options are checked before any
// dialing, and --restricted refuses those that reach beyond the
// arguments (a proxy, a socket) or read files (certificates).
func TestNetOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		restricted bool
		src, want  string
	}{
		{false, `connect("127.0.0.1:1", {proxy = "socks4://h:1"})`, `unknown scheme "socks4"`},
		{false, `connect("127.0.0.1:1", {proxy = "http://u:hunter2@h"})`, `want socks5://host:port`},
		{false, `connect("127.0.0.1:1", {proxy = "socks5://h:1", unix_socket = "/x"})`, `exclude each other`},
		{false, `connect("127.0.0.1:1", {min_version = "1.1"})`, `min_version: expected "1.2"|"1.3"`},
		{false, `connect("127.0.0.1:1", {pin = "md5/abc"})`, `sha256/<base64`},
		{false, `connect("127.0.0.1:1", {tls = "implicit", cert_file = "/nonexistent.pem"})`, `cert_file and key_file go together`},
		{false, `connect("127.0.0.1:1", {resolver = "dns.example"})`, `want the IP address of a DNS server`},
		{true, `connect("127.0.0.1:1", {proxy = "socks5://h:1"})`, `proxy is not allowed under --restricted`},
		{true, `connect("127.0.0.1:1", {unix_socket = "/run/x"})`, `unix_socket is not allowed under --restricted`},
		{true, `connect("127.0.0.1:1", {cert_file = "c.pem", key_file = "k.pem"})`, `cert_file is not allowed under --restricted`},
		{true, `connect("unix:/run/dovecot/lmtp")`, `only sockets named in the arguments`},
	} {
		out, _, code, _ := runCode(t, Config{Restricted: tc.restricted, Args: []string{"127.0.0.1"}},
			`local ok, e = pcall(function() `+tc.src+` end) print(e.kind, e.message)`)
		if code != 0 || !strings.HasPrefix(out, "usage\t") || !strings.Contains(out, tc.want) || strings.Contains(out, "hunter2") {
			t.Errorf("%s (restricted %v): exit %d, %q, want a usage error with %q", tc.src, tc.restricted, code, out, tc.want)
		}
	}
}
