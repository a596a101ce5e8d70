package spawn_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/spawn"
)

// A session over a local program: here a shell that plays a two-line
// SMTP server and exits with status 3 after the greeting and one reply.
func ExampleStart() {
	p, err := spawn.Start([]string{"sh", "-c", `echo '220 local ESMTP'; read cmd; echo "250 ok $cmd"; exit 3`}, spawn.Options{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s := session.New(p, session.Options{Timeout: 5 * time.Second})
	defer s.Close()

	s.ExpectString(ctx, `^220 `)
	s.SendLine(ctx, "NOOP")
	m, _ := s.ExpectString(ctx, `^250 (.*)$`)
	fmt.Println(m.Groups[1])

	_, err = s.ExpectString(ctx, `^221 `) // the program has ended
	var exit *spawn.ExitError
	fmt.Println(errors.As(err, &exit), exit.Status)
	// Output:
	// ok NOOP
	// true exited with status 3
}
