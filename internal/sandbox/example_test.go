package sandbox_test

import (
	"crypto/tls"
	"fmt"
	"net/smtp"
	"strings"

	"github.com/mailexpect/mailexpect/internal/sandbox"
)

// Start a sandbox, send a message to demo1 over STARTTLS (trusting the
// sandbox's CA) and look at it in the store.
func ExampleStart() {
	srv, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	demo1 := srv.Users()[0]
	c, err := smtp.Dial(srv.SMTPAddr())
	if err != nil {
		panic(err)
	}
	if err := c.StartTLS(&tls.Config{RootCAs: srv.CAPool(), ServerName: "localhost"}); err != nil {
		panic(err)
	}
	msg := "Subject: hello\r\n\r\nfrom the example\r\n"
	c.Mail("someone@example.org")
	c.Rcpt(demo1.Address)
	w, _ := c.Data()
	w.Write([]byte(msg))
	w.Close()
	c.Quit()

	msgs, _ := srv.Store().Messages(demo1.Name, "INBOX")
	fmt.Println(demo1.Name, demo1.Pass, demo1.Address)
	fmt.Printf("%d message: %q\n", len(msgs), msgs[0].Raw)
	for _, kv := range srv.Env() {
		name, _, _ := strings.Cut(kv, "=")
		fmt.Print(name, " ")
	}
	fmt.Println()
	// Output:
	// demo1 demo1-pass demo1@sandbox.test
	// 1 message: "Subject: hello\r\n\r\nfrom the example\r\n"
	// MAILEXPECT_SMTP MAILEXPECT_POP3 MAILEXPECT_IMAP MAILEXPECT_USER MAILEXPECT_PASS MAILEXPECT_CA_FILE
}
