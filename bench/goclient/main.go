// Command goclient is the benchmark's reference: each workload written by
// hand in Go with bufio and net/textproto, the way an engineer would write
// a one-off tool. Its median is "the limit" the other clients are compared
// with.
//
//	goclient -w W1 -addr 127.0.0.1:P -out FILE     RETR 1 of user big, unstuffed to FILE
//	goclient -w W1 -mem ...                        the same, the message held in memory first
//	goclient -w W2 -addr 127.0.0.1:P -n 20000      NOOP n times, one at a time
//	goclient -w W3 -addr 127.0.0.1:P -n 500 [-jobs J]  box0..box{n-1}: USER/PASS, STAT, UIDL, DELE all, QUIT
//	goclient -w W4 -addr 127.0.0.1:P -n 2000 -msg FILE   one SMTP session, n x MAIL/RCPT/DATA
//	goclient -w W5 -addr 127.0.0.1:P -size BYTES   GEN, then wait for "250 END" (a regexp per line)
//
// Every workload prints a one-line summary the runner checks.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

func main() {
	w := flag.String("w", "", "workload: W1..W5")
	addr := flag.String("addr", "", "server address")
	out := flag.String("out", "", "W1: output file")
	mem := flag.Bool("mem", false, "W1: hold the whole message in memory, then write it")
	n := flag.Int("n", 0, "W2: NOOPs, W3: mailboxes, W4: messages")
	msg := flag.String("msg", "", "W4: message file (CRLF lines)")
	size := flag.Int("size", 0, "W5: bytes of lines")
	jobs := flag.Int("jobs", 1, "W3: mailboxes worked on at a time")
	flag.StringVar(&userFormat, "user", userFormat, "W3: login name of mailbox N (fmt, N from -first)")
	flag.IntVar(&firstBox, "first", firstBox, "W3: number of the first mailbox")
	flag.Parse()
	var err error
	switch *w {
	case "W1":
		err = w1(*addr, *out, *mem)
	case "W2":
		err = w2(*addr, *n)
	case "W3":
		err = w3(*addr, *n, *jobs)
	case "W4":
		err = w4(*addr, *n, *msg)
	case "W5":
		err = w5(*addr, *size)
	case "start":
		// start-up reference: do nothing
	default:
		err = fmt.Errorf("unknown workload %q", *w)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
}

// pop3 is a POP3 connection.
type pop3 struct {
	nc net.Conn
	*textproto.Conn
}

func dialPOP3(addr string) (*pop3, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &pop3{nc, textproto.NewConn(nc)}
	if _, err := p.status(); err != nil {
		nc.Close()
		return nil, err
	}
	return p, nil
}

// status reads a "+OK ..." line and returns its text.
func (p *pop3) status() (string, error) {
	l, err := p.ReadLine()
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(l, "+OK") {
		return "", fmt.Errorf("server: %s", l)
	}
	return strings.TrimPrefix(strings.TrimPrefix(l, "+OK"), " "), nil
}

// cmd sends a command and reads its status line.
func (p *pop3) cmd(format string, args ...any) (string, error) {
	if err := p.PrintfLine(format, args...); err != nil {
		return "", err
	}
	return p.status()
}

func (p *pop3) login(user string) error {
	if _, err := p.cmd("USER %s", user); err != nil {
		return err
	}
	_, err := p.cmd("PASS pw")
	return err
}

func (p *pop3) quit() error {
	_, err := p.cmd("QUIT")
	p.nc.Close()
	return err
}

// W1: log in, RETR 1, unstuff the body into a file, QUIT. With hold the
// message is first kept whole in memory, in a slice sized once from
// RETR's "n octets", as a client that hands the message on as one value
// would (the in-memory mailexpect clients' fair limit); without it the
// body streams through a 64 KiB writer.
func w1(addr, out string, hold bool) error {
	p, err := dialPOP3(addr)
	if err != nil {
		return err
	}
	if err := p.login("big"); err != nil {
		return err
	}
	status, err := p.cmd("RETR 1")
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	var msg []byte
	if hold {
		octets, _, _ := strings.Cut(status, " ")
		size, err := strconv.Atoi(octets)
		if err != nil {
			return fmt.Errorf("RETR: no octet count in %q", status)
		}
		msg = make([]byte, 0, size)
	}
	var n int64
	r := p.R
	start := true
	for {
		l, err := r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return fmt.Errorf("body: %w", err)
		}
		if start {
			if string(l) == ".\r\n" {
				break
			}
			if len(l) > 0 && l[0] == '.' {
				l = l[1:]
			}
		}
		if hold {
			msg = append(msg, l...)
		} else {
			bw.Write(l)
		}
		n += int64(len(l))
		start = err == nil
	}
	bw.Write(msg) // held: larger than the buffer, it goes to the file at once
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := p.quit(); err != nil {
		return err
	}
	fmt.Printf("octets=%d\n", n)
	return nil
}

// W2: NOOP n times, each answered before the next is sent.
func w2(addr string, n int) error {
	p, err := dialPOP3(addr)
	if err != nil {
		return err
	}
	if err := p.login("noop"); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, err := p.cmd("NOOP"); err != nil {
			return err
		}
	}
	fmt.Printf("noops=%d\n", n)
	return p.quit()
}

// W3's mailboxes: the load server's box0..boxN-1, or (bench/dovecot_test.go)
// real Dovecot's user1..userN.
var (
	userFormat = "box%d"
	firstBox   = 0
)

// W3: for each mailbox: log in, STAT, UIDL, DELE every message, QUIT;
// jobs mailboxes at a time.
func w3(addr string, boxes, jobs int) error {
	var (
		mu      sync.Mutex
		deleted int
		first   error
		wg      sync.WaitGroup
	)
	next := make(chan int)
	for j := 0; j < max(jobs, 1); j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				n, err := w3box(addr, b)
				mu.Lock()
				deleted += n
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for b := 0; b < boxes; b++ {
		next <- b
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	fmt.Printf("deleted=%d\n", deleted)
	return nil
}

func w3box(addr string, b int) (deleted int, err error) {
	p, err := dialPOP3(addr)
	if err != nil {
		return 0, err
	}
	if err := p.login(fmt.Sprintf(userFormat, firstBox+b)); err != nil {
		return 0, err
	}
	st, err := p.cmd("STAT")
	if err != nil {
		return 0, err
	}
	count, err := strconv.Atoi(strings.Fields(st)[0])
	if err != nil {
		return 0, err
	}
	if _, err := p.cmd("UIDL"); err != nil {
		return 0, err
	}
	uids, err := p.ReadDotLines()
	if err != nil {
		return 0, err
	}
	if len(uids) != count {
		return 0, fmt.Errorf("box%d: STAT says %d, UIDL lists %d", b, count, len(uids))
	}
	for i := 1; i <= count; i++ {
		if _, err := p.cmd("DELE %d", i); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, p.quit()
}

// W4: one SMTP session: EHLO, n x (MAIL, RCPT, DATA + body), QUIT.
func w4(addr string, n int, msgFile string) error {
	msg, err := os.ReadFile(msgFile)
	if err != nil {
		return err
	}
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	c := textproto.NewConn(nc)
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		return err
	}
	cmd := func(code int, format string, args ...any) error {
		if err := c.PrintfLine(format, args...); err != nil {
			return err
		}
		_, _, err := c.ReadResponse(code)
		return err
	}
	if err := cmd(250, "EHLO client.example"); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := cmd(250, "MAIL FROM:<bench@example.com>"); err != nil {
			return err
		}
		if err := cmd(250, "RCPT TO:<user@example.com>"); err != nil {
			return err
		}
		if err := cmd(354, "DATA"); err != nil {
			return err
		}
		dw := c.DotWriter()
		if _, err := dw.Write(msg); err != nil {
			return err
		}
		if err := dw.Close(); err != nil {
			return err
		}
		if _, _, err := c.ReadResponse(250); err != nil {
			return err
		}
	}
	if err := cmd(221, "QUIT"); err != nil {
		return err
	}
	fmt.Printf("sent=%d\n", n)
	return nil
}

// W5: ask for size bytes of lines, then match ^250 END$ on each line, as
// an expect would, keeping everything before the match.
func w5(addr string, size int) error {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	if _, err := fmt.Fprintf(nc, "GEN %d\r\n", size); err != nil {
		return err
	}
	re := regexp.MustCompile(`^250 END$`)
	r := bufio.NewReaderSize(nc, 64<<10)
	var before bytes.Buffer
	for {
		l, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			before.Write(l)
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("EOF before 250 END")
			}
			return err
		}
		if re.Match(bytes.TrimRight(l, "\r\n")) {
			break
		}
		before.Write(l)
	}
	fmt.Printf("before=%d\n", before.Len())
	return nil
}
