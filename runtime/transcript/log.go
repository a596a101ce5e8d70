package transcript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Format is how a Log writes its lines.
type Format int

const (
	Text Format = iota // one human-readable line per protocol line
	JSON               // one JSON object per line (JSON Lines)
)

func (f Format) String() string {
	switch f {
	case Text:
		return "text"
	case JSON:
		return "json"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// ParseFormat parses the value of --log-format: "text" or "json".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "text":
		return Text, nil
	case "json":
		return JSON, nil
	}
	return 0, fmt.Errorf("unknown log format %q (want text or json)", s)
}

// MaxLine is the number of bytes of a line that are printed; the rest is
// counted ("… [N bytes]") and dropped.
const MaxLine = 4 << 10

// Log is the transcript of a run: every session's lines, in the order they
// happened, with secrets masked. It is safe for concurrent use; each line
// is one Write to each output. A nil *Log does nothing.
type Log struct {
	// Now is the clock (tests replace it); set it before the first line.
	Now func() time.Time

	secrets *Secrets

	mu     sync.Mutex
	outs   []output
	buf    bytes.Buffer   // the line being written, reused
	labels map[string]int // how many streams had each label
	err    error          // the first write error
}

type output struct {
	w      io.Writer
	format Format
}

// New returns a Log writing to w in format, masking what secrets holds
// (nil: a private registry, which still collects lines sent as secret).
// New(nil, ...) returns nil, the disabled transcript.
func New(w io.Writer, format Format, secrets *Secrets) *Log {
	if w == nil {
		return nil
	}
	if secrets == nil {
		secrets = NewSecrets()
	}
	return &Log{
		Now:     time.Now,
		secrets: secrets,
		outs:    []output{{w, format}},
		labels:  make(map[string]int),
	}
}

// AddOutput makes l also write every later line to w in format: -v on
// stderr as text together with --log in JSON.
func (l *Log) AddOutput(w io.Writer, format Format) {
	if l == nil || w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outs = append(l.outs, output{w, format})
}

// Secrets returns the registry l masks with.
func (l *Log) Secrets() *Secrets {
	if l == nil {
		return nil
	}
	return l.secrets
}

// Err returns the first error an output returned, so that a run can report
// a full disk instead of silently losing its transcript.
func (l *Log) Err() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Stream returns the writer of one session's lines. A label already used
// in this Log gets "#2", "#3"... appended, so that two sessions to the same
// address stay apart. A nil Log returns a nil Stream.
func (l *Log) Stream(label string) *Stream {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	l.labels[label]++
	if n := l.labels[label]; n > 1 {
		label += "#" + strconv.Itoa(n)
	}
	l.mu.Unlock()
	return &Stream{log: l, label: label}
}

// Logf writes a note that belongs to no stream (a script's log(), a bulk
// runner's progress) under label. It is masked like everything else.
func (l *Log) Logf(label, format string, args ...any) {
	if l == nil {
		return
	}
	line, size := l.render(fmt.Sprintf(format, args...), 0)
	l.write(&entry{label: label, dir: note, line: line, size: size})
}

type direction int

const (
	send direction = iota
	recv
	note
)

// An entry is one transcript line, masked and escaped, not yet formatted.
type entry struct {
	label  string
	dir    direction
	tls    bool
	line   string
	secret bool // sent with secret=true
	size   int  // the full length of a cut line, else 0
}

// keep is how much of a line is kept to be printed: MaxLine bytes, and
// beyond them as much as the longest text that can show a secret, so that
// a secret that begins before the cut is seen whole.
func (l *Log) keep() int { return MaxLine + max(1024, l.secrets.reach()) }

// render masks a line, cuts it at MaxLine and escapes it. data is the line
// without its terminator, or only its first part when size, the line's full
// length, is larger (0: data is all of it). The returned size is the full
// length if the line was cut, else 0.
func (l *Log) render(data string, size int) (string, int) {
	size = max(size, len(data))
	if size <= MaxLine {
		return escape(l.secrets.Mask(data)), 0
	}
	data = data[:min(len(data), l.keep())]
	limit := MaxLine
	for limit > MaxLine-utf8.UTFMax && !utf8.RuneStart(data[limit]) {
		limit-- // cut before a character, not inside it
	}
	shown := l.secrets.mask(data, len(data) < size, limit)
	return escape(shown) + "… [" + strconv.Itoa(size) + " bytes]", size
}

// marker is the three-character column of the text format: direction and
// TLS state.
func (e *entry) marker() string {
	switch {
	case e.dir == note:
		return "---"
	case e.dir == send && e.tls:
		return "~>>"
	case e.dir == send:
		return ">>>"
	case e.tls:
		return "<<~"
	}
	return "<<<"
}

var dirNames = [...]string{send: "send", recv: "recv", note: "note"}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// write formats e for each output and writes it, one Write per output. The
// time is taken under the lock, so times never go backwards in a file.
func (l *Log) write(e *entry) {
	label := l.secrets.Mask(e.label)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now().UTC().Format(timeFormat)
	for _, o := range l.outs {
		l.buf.Reset()
		if o.format == JSON {
			enc := json.NewEncoder(&l.buf)
			enc.SetEscapeHTML(false)
			// Encoding a struct of strings, bools and ints cannot fail.
			_ = enc.Encode(jsonEntry{
				Time: now, Session: label, Dir: dirNames[e.dir], TLS: e.tls,
				Line: e.line, Secret: e.secret, Bytes: e.size,
			})
		} else {
			l.buf.WriteString(now)
			l.buf.WriteByte(' ')
			l.buf.WriteString(textLabel(label))
			l.buf.WriteByte(' ')
			l.buf.WriteString(e.marker())
			if e.line != "" {
				l.buf.WriteByte(' ')
				l.buf.WriteString(e.line)
			}
			l.buf.WriteByte('\n')
		}
		if _, err := o.w.Write(l.buf.Bytes()); err != nil && l.err == nil {
			l.err = err
		}
	}
}

type jsonEntry struct {
	Time    string `json:"time"`
	Session string `json:"session"`
	Dir     string `json:"dir"`
	TLS     bool   `json:"tls"`
	Line    string `json:"line"`
	Secret  bool   `json:"secret,omitempty"`
	Bytes   int    `json:"bytes,omitempty"`
}

// textLabel keeps the label one field of the text line: escaped, spaces
// as \x20, "-" if empty.
func textLabel(label string) string {
	if label == "" {
		return "-"
	}
	label = escape(label)
	for i := 0; i < len(label); i++ {
		if label[i] == ' ' {
			return string(bytes.ReplaceAll([]byte(label), []byte(" "), []byte(`\x20`)))
		}
	}
	return label
}
