package mailstack_test

import (
	"fmt"
	"log"
	"net/smtp"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// Tests use Require or NewStack; outside a test, Start and Stop do the
// same. This sends a message over submission with STARTTLS and AUTH, the
// server verified against the stack's CA, and waits for its delivery. (It
// has no Output line, so go test only compiles it: it needs root and the
// packages. TestSendAndReadBack runs the same steps.)
func ExampleStart() {
	s, err := mailstack.Start(mailstack.Options{Users: 2})
	if err != nil {
		log.Fatal(err) // errors.Is(err, mailstack.ErrUnavailable): not installed, or not root
	}
	defer s.Stop()

	from, to := s.Users[0], s.Users[1]
	c, err := smtp.Dial(s.Submission)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.StartTLS(s.TLSConfig()); err != nil {
		log.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", from.Name, from.Password, s.Host)); err != nil {
		log.Fatal(err)
	}
	c.Mail(from.Address)
	c.Rcpt(to.Address)
	w, _ := c.Data()
	fmt.Fprintf(w, "Subject: hello\r\n\r\nHello, %s.\r\n", to.Name)
	w.Close()
	c.Quit()

	paths, err := s.WaitDelivered(to.Name, 1, 10*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(paths), "message for", to.Name)
}
