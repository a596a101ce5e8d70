package interact

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/mailexpect/mailexpect/internal/termios"
)

// pump reads a file (stdin) in a goroutine of its own, for the life of
// the process, so that a console can stop waiting for input (Interrupt)
// without closing the file, and keystrokes typed between two interacts
// reach the second one.
type pump struct {
	ch   chan []byte
	err  error // after ch is closed: why the input ended
	mu   sync.Mutex
	stop chan struct{} // closed by Interrupt; replaced afterwards
	rest []byte        // the part of a chunk a short Read left
}

var (
	pumpsMu sync.Mutex
	pumps   = map[*os.File]*pump{}
)

func pumpFor(f *os.File) *pump {
	pumpsMu.Lock()
	defer pumpsMu.Unlock()
	if p, ok := pumps[f]; ok {
		return p
	}
	p := &pump{ch: make(chan []byte), stop: make(chan struct{})}
	go func() {
		for {
			buf := make([]byte, 4096)
			n, err := f.Read(buf)
			if n > 0 {
				p.ch <- buf[:n]
			}
			if err != nil {
				p.err = err
				close(p.ch)
				return
			}
		}
	}()
	pumps[f] = p
	return p
}

func (p *pump) Read(b []byte) (int, error) {
	if len(p.rest) > 0 {
		n := copy(b, p.rest)
		p.rest = p.rest[n:]
		return n, nil
	}
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	select {
	case chunk, ok := <-p.ch:
		if !ok {
			if p.err == nil || errors.Is(p.err, os.ErrClosed) {
				return 0, io.EOF
			}
			return 0, p.err
		}
		n := copy(b, chunk)
		p.rest = chunk[n:]
		return n, nil
	case <-stop:
		p.mu.Lock()
		p.stop = make(chan struct{})
		p.mu.Unlock()
		return 0, ErrInterrupted
	}
}

func (p *pump) interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
}

// Terminal is a Console on a terminal: line editing and history
// (golang.org/x/term), output shown above the line being typed, passwords
// read without echo. The terminal is in raw mode until Close, with output
// processing left on, so other writers' "\n" (a -v transcript on stderr)
// still starts a new line.
type Terminal struct {
	fd     int
	state  *term.State
	in     *pump
	t      *term.Terminal
	winch  chan os.Signal
	closed chan struct{}
}

// open is the Terminal open now, if any: AboveLine writes through it.
var open struct {
	sync.Mutex
	t *Terminal
}

// AboveLine returns w, or when w is a terminal, a writer that goes
// through the Terminal open at the time of each write, so that lines
// from elsewhere (a -v transcript, log() lines on stderr) land above the
// line being typed instead of across it.
func AboveLine(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return w
	}
	return aboveLine{w}
}

type aboveLine struct{ w io.Writer }

func (a aboveLine) Write(p []byte) (int, error) {
	open.Lock()
	t := open.t
	open.Unlock()
	if t != nil {
		return t.Write(p)
	}
	return a.w.Write(p)
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// OpenTerminal puts the terminal in into raw mode and returns a Console
// that reads from it and writes to out. Close restores the terminal.
func OpenTerminal(in *os.File, out io.Writer) (*Terminal, error) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return nil, errors.New("standard input is not a terminal")
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, err
	}
	termios.Update(fd, func(tio *unix.Termios) { tio.Oflag |= unix.OPOST | unix.ONLCR })
	p := pumpFor(in)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{p, out}, "")
	c := &Terminal{fd: fd, state: state, in: p, t: t, winch: make(chan os.Signal, 1), closed: make(chan struct{})}
	c.resize()
	open.Lock()
	open.t = c
	open.Unlock()
	// Line editing needs the width: a resized window must not garble the
	// line being typed.
	signal.Notify(c.winch, syscall.SIGWINCH)
	go func() {
		for {
			select {
			case <-c.winch:
				c.resize()
			case <-c.closed:
				return
			}
		}
	}()
	return c, nil
}

func (c *Terminal) resize() {
	if w, h, err := term.GetSize(c.fd); err == nil {
		c.t.SetSize(w, h)
	}
}

func (c *Terminal) ReadLine() (string, error)                  { return c.t.ReadLine() }
func (c *Terminal) ReadPassword(prompt string) (string, error) { return c.t.ReadPassword(prompt) }
func (c *Terminal) Write(p []byte) (int, error)                { return c.t.Write(p) }
func (c *Terminal) Interrupt()                                 { c.in.interrupt() }

// Close gives the terminal its modes back.
func (c *Terminal) Close() error {
	open.Lock()
	if open.t == c {
		open.t = nil
	}
	open.Unlock()
	signal.Stop(c.winch)
	close(c.closed)
	return term.Restore(c.fd, c.state)
}

// Lines is a Console over a pipe or file: no editing, nothing echoed,
// no way to ask for a password.
type Lines struct {
	in  *pump
	r   *bufio.Reader
	out io.Writer
	mu  sync.Mutex
}

// NewLines returns a Console reading lines from in and writing to out.
func NewLines(in *os.File, out io.Writer) *Lines {
	p := pumpFor(in)
	return &Lines{in: p, r: bufio.NewReader(p), out: out}
}

func (c *Lines) ReadLine() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, ErrInterrupted) && line != "" {
			// bufio dropped nothing: line holds what came so far; keep it
			// for the next call.
			c.r = bufio.NewReader(io.MultiReader(strings.NewReader(line), c.in))
		}
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

func (c *Lines) ReadPassword(string) (string, error) {
	return "", errors.New("no terminal to ask for a password on (standard input is not a terminal)")
}

func (c *Lines) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(p)
}

func (c *Lines) Interrupt() { c.in.interrupt() }
