package interact_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mailexpect/mailexpect/runtime/interact"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/spawn"
)

// Hand a session to the person at the terminal until they type ~. (here
// over a local program, cat, which echoes every line typed).
func ExampleRun() {
	if !interact.IsTerminal(os.Stdin) {
		fmt.Println("no terminal: a person must be there to take the session")
		return
	}
	p, err := spawn.Start([]string{"cat"}, spawn.Options{})
	if err != nil {
		panic(err)
	}
	s := session.New(p, session.Options{Timeout: 10 * time.Second})
	defer s.Close()
	con, err := interact.OpenTerminal(os.Stdin, os.Stdout)
	if err != nil {
		panic(err)
	}
	defer con.Close()
	res, err := interact.Run(context.Background(), s, con, interact.Options{})
	fmt.Println(res.Reason, err)
}
