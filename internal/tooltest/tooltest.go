// Package tooltest finds the outside programs some tests drive (Prometheus,
// Chromium), with the same rule as the real-server tests: missing, the
// test skips with one line saying how to install it; under
// MAILEXPECT_REQUIRE_SERVERS=1 (CI) a missing program fails the test.
package tooltest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable that turns a skip into a failure; the same
// one internal/mailstack reads.
const RequireEnv = "MAILEXPECT_REQUIRE_SERVERS"

// Require returns the path of the first of names found in $PATH. When none
// is there the test is skipped (or failed under RequireEnv=1) with a line
// naming the Debian package, which .ci/install-tools installs.
func Require(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := names[0] + " is not installed (Debian package " + pkg + "; bash .ci/install-tools installs it)"
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + "; " + RequireEnv + "=1 makes this a failure")
	}
	t.Skip(msg)
	return ""
}
