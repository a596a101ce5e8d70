package session

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/dante"
	"github.com/mailexpect/mailexpect/internal/fakeserver"
)

// TestSOCKS5RealProxy goes through a real SOCKS5 server: socks5 (the
// name resolved here) and socks5h (resolved by the proxy).
func TestSOCKS5RealProxy(t *testing.T) {
	px := dante.Start(t)
	seen := make(chan string, 4)
	server := fakeserver.Serve(t, func(c net.Conn) {
		seen <- c.RemoteAddr().String()
		io.WriteString(c, "220 via socks\r\n")
	})
	_, port, _ := net.SplitHostPort(server)
	for _, p := range []string{"socks5://" + px, "socks5h://" + px} {
		s := dial(t, "localhost:"+port, Options{Timeout: 5 * time.Second, Proxy: p})
		if _, err := s.ExpectString(bg, `^220 via socks`); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		// The server sees danted's connection, not ours.
		if from := <-seen; from == s.conn.LocalAddr().String() {
			t.Errorf("%s: the server saw our own address %s", p, from)
		}
	}
	// A closed target: the proxy's refusal is a connect error naming the proxy.
	_, err := Dial(bg, fakeserver.ClosedAddr(t), Options{Timeout: 5 * time.Second, Proxy: "socks5://" + px})
	e := wantKind(t, err, "connect")
	if !strings.Contains(e.Message, px) {
		t.Errorf("message %q does not name the proxy", e.Message)
	}
}
