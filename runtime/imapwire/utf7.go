package imapwire

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Mailbox names travel in modified UTF-7 (RFC 3501 5.1.3) unless the
// session enabled UTF8=ACCEPT (RFC 6855): printable US-ASCII stands for
// itself, "&" is "&-", and any other run of characters is "&", its UTF-16
// in base64 with "," for "/" and no padding, then "-". go-imap v2 has the
// codec only in an internal package, so it is written here (about 80
// lines, fuzzed for the round trip).

const utf7Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

var utf7Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(utf7Alphabet); i++ {
		t[utf7Alphabet[i]] = int8(i)
	}
	return t
}()

// ErrNotUTF8 is EncodeMailbox's error for a name that is not valid UTF-8.
var ErrNotUTF8 = errors.New("mailbox name is not valid UTF-8")

func printable(r rune) bool { return r >= 0x20 && r <= 0x7e }

// EncodeMailbox returns name (UTF-8) in modified UTF-7.
func EncodeMailbox(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", ErrNotUTF8
	}
	var b strings.Builder
	var run []uint16
	flush := func() {
		if len(run) == 0 {
			return
		}
		b.WriteByte('&')
		var bits uint32
		n := 0
		for _, u := range run {
			bits = bits<<16 | uint32(u)
			n += 16
			for n >= 6 {
				n -= 6
				b.WriteByte(utf7Alphabet[(bits>>uint(n))&0x3f])
			}
		}
		if n > 0 {
			b.WriteByte(utf7Alphabet[(bits<<uint(6-n))&0x3f])
		}
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range name {
		if printable(r) {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		run = utf16.AppendRune(run, r)
	}
	flush()
	return b.String(), nil
}

// DecodeMailbox returns a modified UTF-7 name in UTF-8. It is strict, as
// RFC 3501 asks: a byte outside printable US-ASCII, a shift that encodes
// printable ASCII, two shifts in a row, bad base64, non-zero padding bits
// or a broken surrogate pair is an error naming the offset.
func DecodeMailbox(name string) (string, error) {
	var b strings.Builder
	prevShift := false
	for i := 0; i < len(name); {
		c := name[i]
		if c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("modified UTF-7: byte %#x at %d is not printable ASCII", c, i)
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			prevShift = false
			continue
		}
		end := strings.IndexByte(name[i+1:], '-')
		if end < 0 {
			return "", fmt.Errorf("modified UTF-7: \"&\" at %d has no closing \"-\"", i)
		}
		enc := name[i+1 : i+1+end]
		if enc == "" {
			b.WriteByte('&')
			i += 2
			prevShift = false
			continue
		}
		if prevShift {
			return "", fmt.Errorf("modified UTF-7: two encoded runs in a row at %d", i)
		}
		s, err := decodeRun(enc)
		if err != nil {
			return "", fmt.Errorf("modified UTF-7: run at %d: %w", i, err)
		}
		b.WriteString(s)
		i += end + 2
		prevShift = true
	}
	return b.String(), nil
}

func decodeRun(enc string) (string, error) {
	var units []uint16
	var bits uint32
	n := 0
	for i := 0; i < len(enc); i++ {
		v := utf7Index[enc[i]]
		if v < 0 {
			return "", fmt.Errorf("%q is not modified base64", enc[i])
		}
		bits = bits<<6 | uint32(v)
		n += 6
		if n >= 16 {
			n -= 16
			units = append(units, uint16(bits>>uint(n)))
			bits &= 1<<uint(n) - 1
		}
	}
	if n >= 6 || bits != 0 {
		return "", errors.New("bad padding")
	}
	var b strings.Builder
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		switch {
		case utf16.IsSurrogate(u):
			if u >= 0xdc00 || i+1 == len(units) {
				return "", errors.New("broken surrogate pair")
			}
			r := utf16.DecodeRune(u, rune(units[i+1]))
			if r == utf8.RuneError {
				return "", errors.New("broken surrogate pair")
			}
			i++
			b.WriteRune(r)
		case printable(u):
			return "", fmt.Errorf("printable ASCII %q encoded", u)
		default:
			b.WriteRune(u)
		}
	}
	return b.String(), nil
}
