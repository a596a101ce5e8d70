package sandboxtest_test

import (
	"net"
	"os"
	"testing"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
)

func TestStartAndSetenv(t *testing.T) {
	var addr string
	t.Run("inner", func(t *testing.T) {
		srv := sandboxtest.Start(t, sandbox.Config{})
		addr = srv.SMTPAddr()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("the sandbox does not listen: %v", err)
		}
		c.Close()
		sandboxtest.Setenv(t, srv)
		if os.Getenv("MAILEXPECT_SMTP") == "" {
			t.Errorf("MAILEXPECT_SMTP not set; env %v", srv.Env())
		}
	})
	// Closed when the subtest ended.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("%s still accepts after the test ended", addr)
	}
}
