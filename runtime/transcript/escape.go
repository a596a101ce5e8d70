package transcript

import (
	"strconv"
	"unicode/utf8"
)

// Escape returns s as one printable line, as the transcript shows what a
// server sent: for every other line that carries a server's bytes (error
// messages, summaries).
func Escape(s string) string { return escape(s) }

// escape returns s as one printable line: printable ASCII and printable
// UTF-8 as they are; \t \r \n; other control bytes, DEL and each byte of
// invalid UTF-8 as \xHH; non-printing runes (bidi overrides, zero-width
// characters, U+2028) as \uHHHH. Backslashes are left alone (see the
// package documentation).
func escape(s string) string {
	i := 0
	for i < len(s) && ' ' <= s[i] && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+16)
	copy(b, s)
	for i < len(s) {
		c := s[i]
		if ' ' <= c && c < 0x7f {
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c < utf8.RuneSelf || r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		case strconv.IsPrint(r):
			b = append(b, s[i:i+size]...)
		case r < 0x10000:
			b = append(b, '\\', 'u')
			b = appendHex(b, uint32(r), 4)
		default:
			b = append(b, '\\', 'U')
			b = appendHex(b, uint32(r), 8)
		}
		i += size
	}
	return string(b)
}

const hexDigits = "0123456789abcdef"

func appendHex(b []byte, v uint32, digits int) []byte {
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b = append(b, hexDigits[v>>shift&15])
	}
	return b
}
