package bulk

import (
	"bytes"
	"io"
	"sync"
)

// PrintPrefix is what starts every print line of the row with this key:
// "[key] ". Callers that prefix lines themselves (the Lua runner's
// PrintPrefix) use it so that all outputs look alike.
func PrintPrefix(key string) string { return "[" + key + "] " }

// outputMu serialises the lines of every PrefixedWriter: rows running in
// parallel share stdout, and a writer that is not safe for concurrent
// use (a bytes.Buffer, a bufio.Writer) must still see whole lines, one at
// a time. One lock for all is enough for print traffic.
var outputMu sync.Mutex

// PrefixedWriter writes whole lines to a shared writer, each starting
// with a row's prefix. It is safe for concurrent use.
type PrefixedWriter struct {
	w      io.Writer
	prefix string
	mu     sync.Mutex
	buf    []byte // the incomplete last line
}

// PrefixWriter returns a writer that starts every line written to it
// with PrintPrefix(key) and passes it to w in one Write, under a lock
// that all PrefixedWriters share. An incomplete last line waits for its
// newline or for Flush.
func PrefixWriter(w io.Writer, key string) *PrefixedWriter {
	return &PrefixedWriter{w: w, prefix: PrintPrefix(key)}
}

// Write implements io.Writer. Its error is the shared writer's.
func (p *PrefixedWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.buf = append(p.buf, b...)
			break
		}
		line := append(p.buf, b[:i+1]...)
		p.buf = p.buf[:0]
		if err := p.emit(line); err != nil {
			return n - len(b) + i + 1, err
		}
		b = b[i+1:]
	}
	return n, nil
}

// Flush writes an incomplete last line, ending it with a newline.
func (p *PrefixedWriter) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		return nil
	}
	line := append(p.buf, '\n')
	p.buf = p.buf[:0]
	return p.emit(line)
}

func (p *PrefixedWriter) emit(line []byte) error {
	out := make([]byte, 0, len(p.prefix)+len(line))
	out = append(append(out, p.prefix...), line...)
	outputMu.Lock()
	defer outputMu.Unlock()
	_, err := p.w.Write(out)
	return err
}

// Stdout returns the writer for the row's print output: lines go to
// Config.Stdout (or above the live progress bar when both share the
// terminal), each starting with the row's key. On a nil Attempt it
// returns io.Discard; the Lua runner of a bulk row uses it as its
// Stdout, with no PrintPrefix of its own.
func (a *Attempt) Stdout() io.Writer {
	if a == nil || a.out == nil {
		return io.Discard
	}
	return a.out
}
