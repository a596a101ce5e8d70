// Package interact hands a live session to a person (Tcl Expect's
// interact, pexpect's interact()): what the person types goes to the
// server as lines ending in CRLF, what the server sends is shown as it
// arrives (control characters escaped), and local commands that start
// with ~ at the beginning of a line (as in ssh) leave, list the commands
// or run ones the caller adds (mailexpect connect's ~login).
//
// Run returns on ~., when the person's input ends (Ctrl-D, Ctrl-C on a
// terminal), when the server closes, or when one of the Until patterns
// arrives from the server; the session then goes on with the caller.
package interact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// Console is the person's side: a terminal (Terminal) or, for mailexpect
// connect fed from a pipe, lines from a reader (Lines).
type Console interface {
	// ReadLine returns the next line typed, without its line end; io.EOF
	// when the person is done. It may block while Write is called.
	ReadLine() (string, error)
	// ReadPassword reads a line without echo.
	ReadPassword(prompt string) (string, error)
	// Write shows output; on a terminal the line being typed is redrawn
	// below it. Lines end in "\n".
	Write(p []byte) (int, error)
	// Interrupt makes a blocked ReadLine return ErrInterrupted; what was
	// typed stays for the next ReadLine.
	Interrupt()
}

// ErrInterrupted is returned by a Console's ReadLine after Interrupt.
var ErrInterrupted = errors.New("interact: interrupted")

// Command is a local command, typed as ~Name [args] at the start of a line.
type Command struct {
	Name string // "login"
	Args string // how its arguments are written, for ~?: "[user]"
	Help string
	// Run runs with the session quiet: the person's next line is read
	// only after it returns, so it may use the console (ReadPassword).
	// An error is shown to the person; the session goes on.
	Run func(args string) error
}

// Options configure Run.
type Options struct {
	// Until ends Run when one of the cases matches what the server sends.
	Until []expect.Case
	// Commands are local commands besides ~. ~? and ~~.
	Commands []Command
	// Mask hides secrets in what is shown (nil: nothing is masked).
	Mask func(string) string
	// Poll is how long the server is waited for between looks at the
	// person's input (0: 20ms); a typed line waits at most this long.
	Poll time.Duration
	// InputEndWait is how long Run goes on showing the server's output
	// after the person's input ended, when the console is not a
	// terminal (a pipe: "QUIT" then EOF should show the 221). 0: Run
	// returns at once.
	InputEndWait time.Duration
}

// Reason says why Run returned.
type Reason string

const (
	Escape Reason = "escape" // the person typed ~.
	Input  Reason = "eof"    // the person's input ended
	Match  Reason = "match"  // an Until case matched (Result.Match)
	Closed Reason = "closed" // the server closed the connection
)

// Result is how Run ended.
type Result struct {
	Reason Reason
	Match  *expect.Match // for Match: Match.Case indexes Options.Until
}

type typed struct {
	line string
	err  error
}

// Run hands s to the person at con until one of the Reasons. Data the
// session had buffered unread is shown first (it is not matched). A
// broken connection while sending, a run deadline or a cancelled ctx is
// returned as an error; the server closing is Closed.
func Run(ctx context.Context, s *session.Session, con Console, o Options) (Result, error) {
	poll := o.Poll
	if poll <= 0 {
		poll = 20 * time.Millisecond
	}
	d := &display{w: con, mask: o.Mask}
	d.show(s.Drain())
	s.SetTee(d.show)
	defer func() {
		s.SetTee(nil)
		d.flush()
	}()
	keep := 0 // complete lines an Until case may still need
	for _, c := range o.Until {
		w := c.Lines
		if w <= 0 {
			w = c.Pattern.Window()
		}
		keep = max(keep, w-1)
	}

	lines := make(chan typed)
	resume := make(chan struct{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			l, err := con.ReadLine()
			select {
			case lines <- typed{l, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
			if isCommand(l) {
				select { // a command may use the console itself
				case <-resume:
				case <-stop:
					return
				}
			}
		}
	}()
	defer func() {
		close(stop)
		con.Interrupt()
		<-done
	}()

	var inputEnd time.Time // when the input ended (pipe console)
	for {
		select {
		case in := <-lines:
			if in.err != nil {
				if o.InputEndWait <= 0 || !errors.Is(in.err, io.EOF) {
					return Result{Reason: Input}, nil
				}
				inputEnd = time.Now()
				lines = nil // nothing more will come
				continue
			}
			if isCommand(in.line) {
				if in.line == "~." {
					return Result{Reason: Escape}, nil
				}
				settle(ctx, s, d)
				runCommand(con, o.Commands, in.line)
				resume <- struct{}{}
				continue
			}
			line := strings.TrimPrefix(in.line, "~") // ~~ sends one ~
			if err := s.SendLine(ctx, line); err != nil {
				if failure.Is(err, failure.Injection) {
					fmt.Fprintf(con, "~ not sent: %v\n", err)
					continue
				}
				if failure.Is(err, failure.EOF) && ctx.Err() == nil {
					d.flush()
					return Result{Reason: Closed}, nil
				}
				return Result{}, err
			}
			continue
		default:
		}
		if !inputEnd.IsZero() && time.Since(inputEnd) > o.InputEndWait {
			return Result{Reason: Input}, nil
		}
		m, err := s.Poll(ctx, o.Until, poll)
		if m != nil {
			return Result{Reason: Match, Match: m}, nil
		}
		if err != nil {
			if failure.Is(err, failure.EOF) && ctx.Err() == nil {
				return Result{Reason: Closed}, nil
			}
			return Result{}, err
		}
		s.Forget(keep)
		d.idle()
	}
}

// settle lets the answers to lines sent before a command arrive and show
// first (up to about a second of the server going on talking): a command
// such as ~login reads replies of its own and must not take an earlier
// line's for one. What is shown is then consumed.
func settle(ctx context.Context, s *session.Session, d *display) {
	for range 20 {
		before := d.received
		if _, err := s.Poll(ctx, nil, 50*time.Millisecond); err != nil || d.received == before {
			break
		}
	}
	s.Forget(0)
	d.flush()
}

// isCommand reports whether a typed line is a local command (~~ sends a ~).
func isCommand(line string) bool {
	return strings.HasPrefix(line, "~") && !strings.HasPrefix(line, "~~")
}

// runCommand runs one ~ line other than ~. and shows what came of it.
func runCommand(con Console, cmds []Command, line string) {
	name, args, _ := strings.Cut(strings.TrimPrefix(line, "~"), " ")
	args = strings.TrimSpace(args)
	if name == "?" {
		io.WriteString(con, Help(cmds))
		return
	}
	for _, c := range cmds {
		if c.Name == name {
			if err := c.Run(args); err != nil {
				fmt.Fprintf(con, "~%s: %v\n", name, err)
			}
			return
		}
	}
	fmt.Fprintf(con, "~ unknown local command %q (~? lists them; ~~ at the start of a line sends one ~)\n", "~"+name)
}

// Help is the text ~? shows.
func Help(cmds []Command) string {
	type row struct{ use, help string }
	rows := []row{
		{"~.", "leave (Ctrl-D does too)"},
		{"~?", "this list"},
		{"~~text", "send ~text"},
	}
	sorted := append([]Command(nil), cmds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, c := range sorted {
		use := "~" + c.Name
		if c.Args != "" {
			use += " " + c.Args
		}
		rows = append(rows, row{use, c.Help})
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.use))
	}
	var b strings.Builder
	b.WriteString("local commands (at the start of a line):\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, r.use, r.help)
	}
	return b.String()
}
