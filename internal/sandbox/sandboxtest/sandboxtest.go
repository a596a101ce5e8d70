// Package sandboxtest starts the embedded sandbox for a test, as
// net/http/httptest does for an HTTP server: one call, closed when the
// test ends, a failure to start or to close failing the test.
package sandboxtest

import (
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/sandbox"
)

// Start starts a sandbox with cfg for t and closes it when t ends.
func Start(t testing.TB, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// Setenv sets the MAILEXPECT_* variables that `mailexpect sandbox`
// prints for srv, for the rest of t (t.Setenv: not in parallel tests).
func Setenv(t testing.TB, srv *sandbox.Server) {
	t.Helper()
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}
