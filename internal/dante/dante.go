// Package dante runs Debian's dante-server (danted), a real SOCKS5 proxy,
// for tests of proxy = "socks5://...". Without danted a test is skipped,
// unless MAILEXPECT_REQUIRE_SERVERS=1 (CI installs it: .ci/install-servers).
package dante

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Start runs Debian's dante-server (danted) as a SOCKS5 proxy on a
// free 127.0.0.1 port, for the life of the test. Without danted the test
// is skipped, unless MAILEXPECT_REQUIRE_SERVERS=1 (CI installs it).
func Start(t testing.TB) string {
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
