package loadserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Message is a generated mail message: Raw is what a client must hand its
// user (CRLF line ends, unstuffed), Wire is what the server sends after
// "+OK" for RETR (dot-stuffed, terminated by ".\r\n").
type Message struct {
	Raw    []byte
	Wire   []byte
	SHA256 string // hex of Raw
}

// NewMessage returns a deterministic message of exactly size raw bytes
// (size >= 128). It has headers, lines of varying length, lines starting
// with "." and "..", lone "." lines, and lines that look like POP3 and
// SMTP replies ("+OK", "-ERR", "250 OK"), so a client that does not unstuff
// or frames the body wrongly produces different bytes.
func NewMessage(size int) *Message {
	if size < 128 {
		size = 128
	}
	raw := make([]byte, 0, size)
	raw = append(raw, "From: bench@example.com\r\nTo: user@example.com\r\nSubject: load\r\n\r\n"...)
	seed := uint32(2463534242)
	for i := 0; ; i++ {
		var line []byte
		switch {
		case i%1000 == 999:
			line = []byte(".")
		case i%777 == 500:
			line = []byte("..")
		case i%97 == 13:
			line = []byte(".starts with a dot " + strconv.Itoa(i))
		case i%501 == 7:
			line = []byte("+OK this is body text")
		case i%503 == 9:
			line = []byte("250 OK not a reply")
		case i%211 == 100:
			line = nil // an empty line
		default:
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			n := 20 + int(seed%60)
			line = make([]byte, n)
			for k := range line {
				seed ^= seed << 13
				seed ^= seed >> 17
				seed ^= seed << 5
				line[k] = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,;:-"[seed%67]
			}
		}
		if len(raw)+len(line)+2 > size-100 {
			break
		}
		raw = append(append(raw, line...), '\r', '\n')
	}
	// A filler line brings the size to exactly size bytes.
	fill := size - len(raw) - 2
	for k := 0; k < fill; k++ {
		raw = append(raw, "filler"[k%6])
	}
	raw = append(raw, '\r', '\n')
	sum := sha256.Sum256(raw)
	return &Message{Raw: raw, Wire: Stuff(raw), SHA256: hex.EncodeToString(sum[:])}
}

// Stuff returns raw (CRLF lines) dot-stuffed and terminated by ".\r\n".
func Stuff(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/64+3)
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			i = len(raw) - 1
		}
		if raw[0] == '.' {
			out = append(out, '.')
		}
		out = append(out, raw[:i+1]...)
		raw = raw[i+1:]
	}
	return append(out, ".\r\n"...)
}

// Lines returns exactly size bytes of EHLO-like "250-" lines (size >= 16),
// the data the lines listener sends before its final "250 END" line.
func Lines(size int) []byte {
	if size < 16 {
		size = 16
	}
	out := make([]byte, 0, size)
	for i := 0; ; i++ {
		if size-len(out) <= 100 {
			break
		}
		out = append(out, "250-mx.example.com keyword-"...)
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, " parameter text\r\n"...)
	}
	fill := size - len(out) - 6
	out = append(out, "250-"...)
	for k := 0; k < fill; k++ {
		out = append(out, 'x')
	}
	return append(out, '\r', '\n')
}

// LinesEnd is the line the lines listener sends after the data.
const LinesEnd = "250 END\r\n"
