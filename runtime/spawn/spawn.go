// Package spawn runs a local program as the peer of a session (Expect's
// spawn): its stdin and stdout, or a pseudo-terminal when the program
// needs one, behind the net.Conn interface runtime/session speaks, so
// expect, send, deadlines, transcripts and the protocol modules work on
// `sendmail -bs` or `doveadm exec imap` as they do on a socket.
//
// Close reaps the process: it closes the program's input, waits a grace
// period for it to exit, then kills its process group. The exit status is
// then known (Process.Exit); a read that meets the end of the program's
// output returns an *ExitError (which is io.EOF to errors.Is) naming it.
package spawn

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/mailexpect/mailexpect/internal/termios"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// DefaultGrace is how long Close waits for the program to exit after its
// input closed before it is sent SIGTERM (and SIGKILL killGrace later).
const DefaultGrace = 2 * time.Second

// killGrace is the time between SIGTERM and SIGKILL.
const killGrace = 500 * time.Millisecond

// exitWait bounds how long a read that met the end of the output waits
// for the process to exit so that its status can be reported. A program
// that closes its stdout and keeps running is reported as such.
const exitWait = time.Second

// Options configure Start.
type Options struct {
	Dir    string    // working directory ("" : the current one)
	Env    []string  // NAME=value entries added to (and overriding) the environment
	PTY    bool      // a pseudo-terminal for stdin, stdout and stderr
	Stderr io.Writer // where stderr goes without a pty; nil: discarded
	// MergeStderr sends stderr into the session with stdout (as a pty does).
	MergeStderr bool
	Grace       time.Duration // see DefaultGrace (0: DefaultGrace)
}

// Status is how a process ended.
type Status struct {
	Code   int    // exit code; 128+n when killed by signal n (as the shell says)
	Signal string // "SIGKILL" when killed by a signal, else ""
}

func (s Status) String() string {
	if s.Signal != "" {
		return fmt.Sprintf("killed by %s (status %d)", s.Signal, s.Code)
	}
	return fmt.Sprintf("exited with status %d", s.Code)
}

// ExitError is returned by Read when the program's output ended and the
// program exited. errors.Is(err, io.EOF) holds: the stream ended cleanly
// as far as framing goes; the error says how the program ended.
type ExitError struct {
	Name   string // "sendmail[4242]"
	Status Status
}

func (e *ExitError) Error() string { return e.Name + " " + e.Status.String() }

// Unwrap makes an ExitError an io.EOF.
func (e *ExitError) Unwrap() error { return io.EOF }

// Process is a running program and the pipe (or pty) pair to it. It
// implements net.Conn: Read reads its output, Write writes its input.
type Process struct {
	name  string
	cmd   *exec.Cmd
	in    *os.File // its stdin (the pty master with a pty)
	out   *os.File // its stdout (the same master with a pty)
	pty   bool
	grace time.Duration

	done   chan struct{} // closed when the process has been reaped
	status Status

	closeOnce sync.Once
}

// Start starts argv[0] (looked up in PATH) with the arguments argv[1:].
// A program that cannot be started is a kind connect error: the session
// could not be established.
func Start(argv []string, o Options) (*Process, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, failure.New(failure.Usage, "spawn: the command is empty (want a program and its arguments)")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, &failure.Error{Kind: failure.Connect, Stage: "spawn", Err: err,
			Message: fmt.Sprintf("spawn %s: %v", argv[0], err)}
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Dir = o.Dir
	if len(o.Env) > 0 {
		cmd.Env = append(os.Environ(), o.Env...)
	}
	// A Stderr that is not a file makes exec copy it in a goroutine that
	// Wait joins; WaitDelay bounds that when a grandchild keeps it open.
	cmd.WaitDelay = time.Second
	p := &Process{cmd: cmd, pty: o.PTY, grace: o.Grace, done: make(chan struct{})}
	if p.grace <= 0 {
		p.grace = DefaultGrace
	}
	if o.PTY {
		err = p.startPTY()
	} else {
		err = p.startPipes(o)
	}
	if err != nil {
		return nil, &failure.Error{Kind: failure.Connect, Stage: "spawn", Err: err,
			Message: fmt.Sprintf("spawn %s: %v", argv[0], err)}
	}
	p.name = fmt.Sprintf("%s[%d]", filepath.Base(argv[0]), cmd.Process.Pid)
	go p.reap()
	return p, nil
}

func (p *Process) startPipes(o Options) error {
	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return err
	}
	p.cmd.Stdin, p.cmd.Stdout = inR, outW
	switch {
	case o.MergeStderr:
		p.cmd.Stderr = outW
	case o.Stderr != nil:
		p.cmd.Stderr = o.Stderr
	}
	// Its own process group: Close can kill what it started too
	// (sendmail's postdrop), and a Ctrl-C on our terminal is ours to handle.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = p.cmd.Start()
	inR.Close() // the child's ends: ours would keep the pipes open
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return err
	}
	p.in, p.out = inW, outR
	return nil
}

func (p *Process) startPTY() error {
	master, tty, err := pty.Open()
	if err != nil {
		return err
	}
	defer tty.Close() // the child's end: ours would keep the terminal open
	// A terminal of the classic size: 0x0 confuses programs that format
	// for the screen.
	if err := pty.Setsize(master, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		master.Close()
		return err
	}
	// Lines are sent with CR LF, which a terminal's usual ICRNL would make
	// two line ends: CR is ignored instead (IGNCR). And no echo, so an
	// expect never matches what the script itself sent.
	fd := int(tty.Fd())
	err = termios.Update(fd, func(tio *unix.Termios) {
		tio.Iflag = tio.Iflag&^unix.ICRNL | unix.IGNCR
		tio.Lflag &^= unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL
	})
	if err != nil {
		master.Close()
		return fmt.Errorf("pty: %w", err)
	}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = tty, tty, tty
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := p.cmd.Start(); err != nil {
		master.Close()
		return err
	}
	// pty leaves the master in blocking mode (its ioctls go through Fd),
	// where deadlines do not work; a non-blocking duplicate is pollable.
	mfd, err := syscall.Dup(int(master.Fd()))
	master.Close()
	if err == nil {
		err = syscall.SetNonblock(mfd, true)
	}
	if err != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		return fmt.Errorf("pty: %w", err)
	}
	f := os.NewFile(uintptr(mfd), "/dev/ptmx")
	p.in, p.out = f, f
	return nil
}

func (p *Process) reap() {
	p.cmd.Wait()
	if ps := p.cmd.ProcessState; ps != nil {
		p.status.Code = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.status.Signal = signalName(ws.Signal())
			p.status.Code = 128 + int(ws.Signal())
		}
	}
	close(p.done)
}

// Name returns "program[pid]", the default transcript label.
func (p *Process) Name() string { return p.name }

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exit returns how the process ended, and false while it runs.
func (p *Process) Exit() (Status, bool) {
	select {
	case <-p.done:
		return p.status, true
	default:
		return Status{}, false
	}
}

// Done is closed once the process has been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Read reads the program's output. At its end it waits (briefly) for the
// program to exit and returns an *ExitError naming how it ended, or
// io.EOF when it still runs.
func (p *Process) Read(b []byte) (int, error) {
	n, err := p.out.Read(b)
	if err == nil || n > 0 {
		return n, err
	}
	// A pty master reads EIO once the last holder of the terminal is gone.
	if errors.Is(err, io.EOF) || (p.pty && errors.Is(err, syscall.EIO)) {
		t := time.NewTimer(exitWait)
		defer t.Stop()
		select {
		case <-p.done:
			return 0, &ExitError{Name: p.name, Status: p.status}
		case <-t.C:
			return 0, io.EOF
		}
	}
	return n, err
}

// Write writes to the program's input. When the program is gone (a
// broken pipe), the error also says how it ended.
func (p *Process) Write(b []byte) (int, error) {
	n, err := p.in.Write(b)
	if err != nil && (errors.Is(err, syscall.EPIPE) || (p.pty && errors.Is(err, syscall.EIO))) && p.wait(exitWait) {
		err = fmt.Errorf("%w (%w)", &ExitError{Name: p.name, Status: p.status}, err)
	}
	return n, err
}

// Close ends the program's input — closes its stdin, or with a pty types
// the end-of-file character (Ctrl-D), as a person would — and waits up to
// the grace period for it to exit. Then a pty is hung up (SIGHUP), and
// the process group gets SIGTERM and, killGrace later, SIGKILL. It
// returns nil once the process is reaped; the status is then in Exit.
func (p *Process) Close() error {
	p.closeOnce.Do(func() {
		if p.pty {
			p.in.SetWriteDeadline(time.Now().Add(killGrace))
			p.in.Write([]byte{4}) // VEOF; ignored by a program in raw mode
		} else {
			p.in.Close()
		}
		if !p.wait(p.grace) {
			if p.pty {
				p.in.Close() // the hangup
			}
			if !p.wait(killGrace) {
				p.signal(syscall.SIGTERM)
				if !p.wait(killGrace) {
					p.signal(syscall.SIGKILL)
					<-p.done
				}
			}
		}
		p.in.Close()
		p.out.Close()
	})
	return nil
}

func (p *Process) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

func (p *Process) signal(sig syscall.Signal) {
	// The whole group (the program leads it); the process itself as a
	// fallback when the group is gone already.
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		p.cmd.Process.Signal(sig)
	}
}

// SetReadDeadline, SetWriteDeadline and SetDeadline work as on a socket:
// pipes and the (non-blocking) pty master are pollable.
func (p *Process) SetReadDeadline(t time.Time) error  { return p.out.SetReadDeadline(t) }
func (p *Process) SetWriteDeadline(t time.Time) error { return p.in.SetWriteDeadline(t) }
func (p *Process) SetDeadline(t time.Time) error {
	if err := p.SetReadDeadline(t); err != nil {
		return err
	}
	return p.SetWriteDeadline(t)
}

// Addr is the net.Addr of a spawned program: network "exec", the name.
type Addr string

func (a Addr) Network() string { return "exec" }
func (a Addr) String() string  { return string(a) }

func (p *Process) LocalAddr() net.Addr  { return Addr("mailexpect") }
func (p *Process) RemoteAddr() net.Addr { return Addr(p.name) }

var _ net.Conn = (*Process)(nil)

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGPIPE:
		return "SIGPIPE"
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGABRT:
		return "SIGABRT"
	}
	return fmt.Sprintf("signal %d", int(s))
}
