// Command loadserver runs the benchmark's load server on its own, to try a
// client by hand: it prints its addresses, serves until interrupted (or
// until stdin closes with -stdin), then prints the counters as JSON.
//
//	go run ./bench/loadserver/cmd/loadserver -big 1048576 -boxes 5
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/mailexpect/mailexpect/bench/loadserver"
)

func main() {
	var cfg loadserver.Config
	flag.IntVar(&cfg.BigSize, "big", 1<<20, "size of user big's message")
	flag.IntVar(&cfg.Boxes, "boxes", 10, "mailboxes box0..boxN-1")
	flag.IntVar(&cfg.PerBox, "per-box", 10, "messages per mailbox")
	stdin := flag.Bool("stdin", false, "stop when stdin closes (instead of on SIGINT)")
	flag.Parse()
	s, err := loadserver.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("pop3 %s\nsmtp %s\nlines %s\n", s.POP3, s.SMTP, s.Lines)
	if *stdin {
		io.Copy(io.Discard, os.Stdin)
	} else {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt)
		<-ch
	}
	s.Close()
	json.NewEncoder(os.Stdout).Encode(s.Snapshot())
}
