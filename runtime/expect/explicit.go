package expect

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The contract lets a pattern cross a line end only through an explicit
// \n (or \r\n): '.', \s and classes such as [^ ] never match CR or LF. The
// parse tree cannot tell the two apart: Go's parser folds `a|\n` into the
// class [\na] and `.|\n` into "any character". So before parsing, the
// source is rewritten so that explicit line-end characters survive parsing
// recognisably:
//
//   - outside brackets, \n and \r become (?:\n{1}) and (?:\r{1}): a
//     repetition is not a single character, so alternations are not folded
//     into classes (the rewrite step unwraps the {1} again);
//   - inside brackets, a lone \n or \r item becomes a marker rune from the
//     surrogate range, which no decoded input ever contains. A marker that
//     is isolated in a class (its neighbour runes absent) was written by
//     the user; a marker merely covered by a wide range such as [^a] was not.
//
// Range endpoints ([\x00-\n]) are left alone: they are not explicit line ends.
const (
	markLF = 0xDA00
	markCR = 0xDC00
)

// markExplicitLineEnds returns expr with its explicit CR and LF rewritten as
// described above. expr must already be known to parse.
func markExplicitLineEnds(expr string) string {
	var out strings.Builder
	s := expr
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == 'Q':
			// \Q...\E: everything up to \E is literal text.
			lit, _, _ := strings.Cut(s[i+2:], `\E`)
			end := i + 2 + len(lit)
			if end+2 <= len(s) && s[end:end+2] == `\E` {
				end += 2
			}
			for _, r := range lit {
				out.WriteString(markedAtom(r, regexp.QuoteMeta(string(r))))
			}
			i = end
		case c == '\\':
			n, r, single := escapeAt(s, i)
			text := s[i : i+n]
			if single {
				text = markedAtom(r, text)
			}
			out.WriteString(text)
			i += n
		case c == '[':
			i = markClass(&out, s, i)
		case c == '\n' || c == '\r':
			out.WriteString(markedAtom(rune(c), ""))
			i++
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			out.WriteString(s[i : i+n])
			i += n
		}
	}
	return out.String()
}

// markedAtom returns the replacement of a single-rune atom outside brackets.
func markedAtom(r rune, text string) string {
	switch r {
	case '\n':
		return `(?:\n{1})`
	case '\r':
		return `(?:\r{1})`
	}
	return text
}

// markClass copies the bracket expression starting at s[i] == '[' to out,
// replacing lone CR and LF items by markers, and returns the index after it.
// It follows regexp/syntax parseClass.
func markClass(out *strings.Builder, s string, i int) int {
	out.WriteByte('[')
	i++
	if i < len(s) && s[i] == '^' {
		out.WriteByte('^')
		i++
	}
	for first := true; i < len(s) && (s[i] != ']' || first); first = false {
		// POSIX [:alpha:]; like the parser, look for the next ":]" anywhere.
		if strings.HasPrefix(s[i:], "[:") {
			if j := strings.Index(s[i+2:], ":]"); j >= 0 {
				end := i + 2 + j + 2
				out.WriteString(s[i:end])
				i = end
				continue
			}
		}
		// \d \pL \p{Greek}: whole classes, never range endpoints.
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`dDsSwWpP`, s[i+1]) >= 0 {
			n, _, _ := escapeAt(s, i)
			out.WriteString(s[i : i+n])
			i += n
			continue
		}
		lo, loRune, loSingle := classChar(s, i)
		j := i + lo
		if j+1 < len(s) && s[j] == '-' && s[j+1] != ']' {
			hi, _, _ := classChar(s, j+1)
			out.WriteString(s[i : j+1+hi]) // a range: endpoints as written
			i = j + 1 + hi
			continue
		}
		text := s[i:j]
		if loSingle {
			switch loRune {
			case '\n':
				text = `\x{` + strconv.FormatInt(markLF, 16) + `}`
			case '\r':
				text = `\x{` + strconv.FormatInt(markCR, 16) + `}`
			}
		}
		out.WriteString(text)
		i = j
	}
	if i < len(s) {
		out.WriteByte(']')
		i++
	}
	return i
}

// classChar returns the length of the class character at s[i] (an escape
// or one rune) and its value.
func classChar(s string, i int) (n int, r rune, single bool) {
	if i >= len(s) {
		return 0, 0, false
	}
	if s[i] == '\\' {
		return escapeAt(s, i)
	}
	r, n = utf8.DecodeRuneInString(s[i:])
	return n, r, true
}

// escapeAt returns the length of the escape starting at s[i] == '\\' and,
// when it denotes one character, that character. It follows
// regexp/syntax parseEscape.
func escapeAt(s string, i int) (n int, r rune, single bool) {
	if i+1 >= len(s) {
		return len(s) - i, 0, false
	}
	c := s[i+1]
	switch {
	case c >= '1' && c <= '7' && (i+2 >= len(s) || s[i+2] < '0' || s[i+2] > '7'):
		return 2, 0, false // a backreference: the parser rejects it
	case c >= '0' && c <= '7':
		v, j := rune(c-'0'), i+2
		for k := 1; k < 3 && j < len(s) && s[j] >= '0' && s[j] <= '7'; k++ {
			v = v*8 + rune(s[j]-'0')
			j++
		}
		return j - i, v, true
	case c == 'x':
		if i+2 < len(s) && s[i+2] == '{' {
			end := strings.IndexByte(s[i+3:], '}')
			if end < 0 {
				return len(s) - i, 0, false
			}
			v, err := strconv.ParseUint(s[i+3:i+3+end], 16, 32)
			return 3 + end + 1, rune(v), err == nil
		}
		if i+4 <= len(s) {
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			return 4, rune(v), err == nil
		}
		return len(s) - i, 0, false
	case c == 'p' || c == 'P':
		if i+2 < len(s) && s[i+2] == '{' {
			if end := strings.IndexByte(s[i+3:], '}'); end >= 0 {
				return 3 + end + 1, 0, false
			}
			return len(s) - i, 0, false
		}
		_, w := utf8.DecodeRuneInString(s[i+2:])
		return 2 + w, 0, false
	}
	if v, ok := simpleEscapes[c]; ok {
		return 2, v, true
	}
	r, w := utf8.DecodeRuneInString(s[i+1:])
	// Punctuation escapes stand for themselves; letters are classes or
	// assertions (\d, \b, \A ...).
	return 1 + w, r, r < utf8.RuneSelf && !isAlnum(byte(r))
}

var simpleEscapes = map[byte]rune{'a': '\a', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
