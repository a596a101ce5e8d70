package interact

import (
	"io"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// display shows the server's bytes to the person: one screen line per
// protocol line, its CR LF or LF as the line end, every other control
// character and invalid UTF-8 escaped as in transcripts. An incomplete
// line is held until its end arrives or the server goes quiet (idle), so
// a prompt such as "Password: " shows too.
type display struct {
	w        io.Writer
	mask     func(string) string
	partial  strings.Builder // the incomplete last line
	shown    bool            // part of the partial line is on the screen already
	received int             // bytes shown so far (settle watches it)
}

func (d *display) show(p []byte) {
	if len(p) == 0 {
		return
	}
	d.received += len(p)
	var out strings.Builder
	text := string(p)
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			d.partial.WriteString(text)
			break
		}
		d.partial.WriteString(text[:i])
		line := strings.TrimSuffix(d.partial.String(), "\r")
		d.partial.Reset()
		out.WriteString(d.render(line))
		out.WriteByte('\n')
		d.shown = false
		text = text[i+1:]
	}
	d.write(out.String())
}

// idle shows a held incomplete line: the server has gone quiet after it.
// A CR at its end may be the first half of a line end and stays held.
func (d *display) idle() {
	held := d.partial.String()
	if held == "" || held == "\r" {
		return
	}
	cr := strings.HasSuffix(held, "\r")
	held = strings.TrimSuffix(held, "\r")
	d.write(d.render(held) + "\n")
	d.partial.Reset()
	if cr {
		d.partial.WriteByte('\r')
	}
	d.shown = true
}

// flush shows whatever is held, at the end of Run or before a command.
func (d *display) flush() {
	d.idle()
	d.partial.Reset()
}

func (d *display) render(line string) string {
	if d.shown {
		line = "… " + line // the rest of a line shown in part before
	}
	line = transcript.Escape(line)
	if d.mask != nil {
		line = d.mask(line)
	}
	return line
}

func (d *display) write(s string) {
	if s != "" {
		io.WriteString(d.w, s)
	}
}
