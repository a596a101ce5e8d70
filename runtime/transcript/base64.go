package transcript

import "unsafe"

// b64Value maps a character of either base64 alphabet (standard "+/" or URL
// "-_") to its 6-bit value, anything else to -1. Both alphabets at once:
// masking must not care which one the encoder used.
var b64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = int8(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// minToken is the shortest base64 token (padding included) that is decoded.
const minToken = 4

// base64Spans appends the span of every base64 token in text whose decoding
// holds a registered value. A token is a maximal run of base64 characters
// and up to two '=' of padding. With cut, text is the first part of a line
// and the token it ends in goes on unseen: only what is seen of it is
// decoded, which is enough, since the caller shows less of it than it
// passes (Log.keep) and a value further on cannot show. The caller holds
// s.mu.
func (s *Secrets) base64Spans(text string, cut bool, spans []span) []span {
	for i := 0; i < len(text); {
		if b64Value[text[i]] < 0 {
			i++
			continue
		}
		start := i
		for i < len(text) && b64Value[text[i]] >= 0 {
			i++
		}
		data := text[start:i]
		for n := 0; n < 2 && i < len(text) && text[i] == '='; n++ {
			i++
		}
		seenWhole := !cut || i < len(text)
		if i-start >= minToken && s.decodesToValue(data, seenWhole) {
			spans = append(spans, span{start, i})
		}
	}
	return spans
}

// decodesToValue reports whether the base64 data (no padding) decodes to
// bytes holding a value. It is decoded from each of its first four
// characters: a token glued to a prefix ("Basic%20dXNl" seen as
// "20dXNl...") decodes correctly from the one offset where its own 4-byte
// groups begin. seenWhole: data is the whole token, not the start of one.
func (s *Secrets) decodesToValue(data string, seenWhole bool) bool {
	for off := 0; off < 4 && off < len(data); off++ {
		if (len(data)-off)*3/4 < s.minValue {
			return false
		}
		if s.decodedHolds(data[off:], seenWhole, seenWhole && off == 0) {
			return true
		}
	}
	return false
}

// decodedHolds decodes data, a piece at a time so that a 10 MB token does
// not cost 7.5 MB, and looks for values in it. atEnd says data ends where
// the token ends; whole, that data is the entire token, so a short value
// may match it exactly (AUTH LOGIN).
func (s *Secrets) decodedHolds(data string, atEnd, whole bool) bool {
	if (len(data)+3)/4*3+3 <= smallDecode {
		// A short token (most are) decodes whole into a small buffer,
		// never in pieces: no kilobyte of stack to clear per call.
		var stack [smallDecode]byte
		return s.decodedHoldsIn(stack[:0], data, atEnd, whole)
	}
	return s.decodedHoldsLong(data, atEnd, whole)
}

// smallDecode is the buffer of a short token's decoding (decodedHolds).
const smallDecode = 96

//go:noinline
func (s *Secrets) decodedHoldsLong(data string, atEnd, whole bool) bool {
	var stack [1024]byte
	buf := stack[:0]
	if need := 4 * s.maxValue; need > cap(buf) {
		buf = make([]byte, 0, need)
	}
	return s.decodedHoldsIn(buf, data, atEnd, whole)
}

// decodedHoldsIn is decodedHolds decoding into buf: a buffer with room
// for the whole decoding plus 3, or for 4 values (it then decodes in
// pieces, each overlapping the last by a value less one byte).
func (s *Secrets) decodedHoldsIn(buf []byte, data string, atEnd, whole bool) bool {
	overlap := s.maxValue - 1 // kept from one piece to the next
	fromStart := true         // buf begins where the decoding begins
	for len(data) >= 2 {      // a single trailing character carries no whole byte
		n := min(len(data), 4)
		var v uint32
		for j := range 4 {
			v <<= 6
			if j < n {
				v |= uint32(b64Value[data[j]])
			}
		}
		data = data[n:]
		buf = append(buf, byte(v>>16))
		if n >= 3 {
			buf = append(buf, byte(v>>8))
		}
		if n == 4 {
			buf = append(buf, byte(v))
		}
		if len(buf)+3 > cap(buf) && len(data) >= 2 {
			if s.holds(buf, fromStart, false, false) {
				return true
			}
			buf = buf[:copy(buf, buf[len(buf)-overlap:])]
			fromStart = false
		}
	}
	return s.holds(buf, fromStart, atEnd, whole)
}

// holds reports whether decoded bytes contain a value. A value of
// shortSecret bytes or more counts anywhere. A shorter one counts as a
// field: after the start (if atStart: buf begins the decoding), NUL, \x01,
// ' ', '=' or ':', and before the end (if atEnd), NUL or \x01 — the shapes
// of SASL PLAIN, XOAUTH2 and HTTP Basic; filling the whole token only if
// whole. With a one-byte value, about one random word in 2 000 decodes to
// such a field and is hidden (a two-byte value: fewer than one in 200 000,
// measured on random words); counting the value anywhere in the decoding
// would hide one word in fifteen.
func (s *Secrets) holds(buf []byte, atStart, atEnd, whole bool) bool {
	// The string shares buf's memory only for this call; nothing keeps it.
	text := unsafe.String(unsafe.SliceData(buf), len(buf))
	found := false
	s.decoded.each(text, func(p *pattern, start, end int) bool {
		if !p.word {
			found = true
			return false
		}
		left := start == 0 && atStart
		right := end == len(text) && atEnd
		if left && right {
			found = whole
		} else {
			found = (left || start > 0 && isFieldStart(text[start-1])) &&
				(right || end < len(text) && isFieldEnd(text[end]))
		}
		return !found
	})
	return found
}

func isFieldStart(c byte) bool { return c == 0 || c == 1 || c == ' ' || c == '=' || c == ':' }
func isFieldEnd(c byte) bool   { return c == 0 || c == 1 }
