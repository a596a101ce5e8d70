package failure

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
)

// TestTimeoutIsAGoTimeout: code written for net.Error and
// os.ErrDeadlineExceeded recognises a timeout, and only a timeout.
func TestTimeoutIsAGoTimeout(t *testing.T) {
	for _, k := range []Kind{Connect, TLS, Timeout, EOF, Full, Reply, Protocol, Injection, Usage} {
		err := fmt.Errorf("row 3: %w", New(k, "x"))
		var te interface{ Timeout() bool }
		isTimeout := errors.As(err, &te) && te.Timeout()
		if isTimeout != (k == Timeout) || errors.Is(err, os.ErrDeadlineExceeded) != (k == Timeout) {
			t.Errorf("kind %s: Timeout() %v, errors.Is(os.ErrDeadlineExceeded) %v", k, isTimeout, errors.Is(err, os.ErrDeadlineExceeded))
		}
	}
	// The cause still answers for itself.
	cause := &net.OpError{Op: "dial", Err: context.Canceled}
	if err := Wrap(Connect, cause, "connect"); !errors.Is(err, context.Canceled) {
		t.Errorf("the cause is lost: %v", err)
	}
}
