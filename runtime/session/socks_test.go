package session

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
)

// startDante runs Debian's dante-server (danted) as a SOCKS5 proxy on a
// free 127.0.0.1 port, for the life of the test. Without danted the test
// is skipped, unless MAILEXPECT_REQUIRE_SERVERS=1 (CI installs it).
func startDante(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("danted")
	if err != nil {
		bin = "/usr/sbin/danted"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("MAILEXPECT_REQUIRE_SERVERS") == "1" {
				t.Fatal("danted (dante-server) is not installed; .ci/install-servers installs it")
			}
			t.Skip("danted (dante-server) is not installed")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "danted.conf")
	user := ""
	if os.Getuid() == 0 {
		user = "user.unprivileged: nobody\n" // danted refuses to run its children as root
	}
	os.WriteFile(conf, []byte(fmt.Sprintf(`logoutput: stderr
internal: 127.0.0.1 port = %d
external: 127.0.0.1
socksmethod: none
clientmethod: none
%sclient pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
`, port, user)), 0o644)
	var log strings.Builder
	cmd := exec.Command(bin, "-f", conf, "-p", filepath.Join(dir, "pid"), "-N", "1")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("danted did not listen on %s: %s", addr, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSOCKS5RealProxy goes through a real SOCKS5 server: socks5 (the
// name resolved here) and socks5h (resolved by the proxy).
func TestSOCKS5RealProxy(t *testing.T) {
	px := startDante(t)
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
