package session_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// Greet an SMTP server, upgrade to TLS and say goodbye: the embedded
// sandbox here, verified against its CA.
func Example() {
	srv, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	ctx := context.Background()
	s, err := session.Dial(ctx, "smtp://"+srv.SMTPAddr(), session.Options{
		Timeout: 5 * time.Second,
		TLS:     session.TLSOptions{RootCAs: srv.CAPool(), ServerName: "localhost"},
		// Debug: os.Stderr,   // the -v transcript
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	if _, err := s.ExpectString(ctx, `^220 `); err != nil {
		panic(err)
	}
	s.SendLine(ctx, "EHLO client.example")
	ehlo, err := s.Reply(ctx, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(ehlo.Code, ehlo.Lines[0])

	s.SendLine(ctx, "STARTTLS")
	if r, err := s.Reply(ctx, 0); err != nil || r.Code != 220 {
		panic(fmt.Sprint("STARTTLS refused: ", r, err))
	}
	if err := s.StartTLS(ctx, nil); err != nil {
		panic(err)
	}
	fmt.Println("TLS verified:", s.TLS().Verified)

	s.SendLine(ctx, "QUIT")
	bye, err := s.Reply(ctx, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(bye.Code)
	// Output:
	// 250 Hello client.example
	// TLS verified: true
	// 221
}

// Errors carry a kind; a timeout is also a Go timeout.
func ExampleSession_Expect() {
	srv, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	ctx := context.Background()
	s, err := session.Dial(ctx, srv.SMTPAddr(), session.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	greeting := expect.MustCompile(`^220 (?P<host>\S+)`)
	refused := expect.MustCompile(`^554 `)
	m, err := s.Expect(ctx, []expect.Case{{Pattern: refused}, {Pattern: greeting}}, 2*time.Second)
	if err != nil {
		panic(err)
	}
	fmt.Println("case", m.Case, "host", m.Groups[1])

	_, err = s.Expect(ctx, []expect.Case{{Pattern: refused}}, 100*time.Millisecond)
	fmt.Println(failure.KindOf(err), errors.Is(err, os.ErrDeadlineExceeded))
	// Output:
	// case 1 host sandbox.test
	// timeout true
}
