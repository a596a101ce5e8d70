package luabind

import (
	"fmt"
	"strings"
)

// checkEscapes scans src the way the Lua lexer does (comments, long
// brackets, quoted strings) and rejects an escape Lua 5.1 does not define.
// gopher-lua, like Lua 5.1, turns "\d" into "d" without a word; for a tool
// whose scripts are full of regular expressions that is a silent bug.
func checkEscapes(name string, src []byte) error {
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			i += 2
			if level, ok := longBracket(src, i); ok {
				i = skipLong(src, i, level, &line)
				continue
			}
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '[':
			if level, ok := longBracket(src, i); ok {
				i = skipLong(src, i, level, &line)
				continue
			}
			i++
		case c == '"' || c == '\'':
			next, err := scanQuoted(name, src, i, &line)
			if err != nil {
				return err
			}
			i = next
		default:
			i++
		}
	}
	return nil
}

// longBracket reports whether src[i:] opens a long bracket "[", "="*, "["
// and returns its level.
func longBracket(src []byte, i int) (int, bool) {
	if i >= len(src) || src[i] != '[' {
		return 0, false
	}
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j < len(src) && src[j] == '[' {
		return j - i - 1, true
	}
	return 0, false
}

// skipLong skips a long string or comment opened at src[i] and returns the
// index after its closing bracket (or len(src): the parser reports that).
func skipLong(src []byte, i, level int, line *int) int {
	closing := "]" + strings.Repeat("=", level) + "]"
	for i += level + 2; i < len(src); i++ {
		if src[i] == '\n' {
			*line++
		}
		if strings.HasPrefix(string(src[i:min(len(src), i+len(closing))]), closing) {
			return i + len(closing)
		}
	}
	return len(src)
}

// scanQuoted checks the quoted string opened at src[i] and returns the
// index after it. An unterminated string is left to the parser.
func scanQuoted(name string, src []byte, i int, line *int) (int, error) {
	quote := src[i]
	for i++; i < len(src); i++ {
		switch src[i] {
		case quote:
			return i + 1, nil
		case '\n':
			return i, nil // unterminated; the parser says so
		case '\\':
			i++
			if i >= len(src) {
				return i, nil
			}
			e := src[i]
			switch {
			case strings.IndexByte("abfnrtv\\\"'", e) >= 0, e >= '0' && e <= '9':
			case e == '\n':
				*line++
			case e == '\r':
				if i+1 < len(src) && src[i+1] == '\n' {
					i++
				}
				*line++
			default:
				return 0, unknownEscape(name, *line, e)
			}
		}
	}
	return i, nil
}

func unknownEscape(name string, line int, e byte) error {
	esc := fmt.Sprintf(`\%c`, e)
	if e < ' ' || e > '~' {
		esc = fmt.Sprintf(`\x%02x`, e)
	}
	hint := `write regular expressions in long brackets, e.g. [[^\d{3} ]], or double the backslash ("\\d")`
	if e == 'x' || e == 'z' || e == 'u' {
		hint = fmt.Sprintf(`Lua 5.1 has no "\%c" escape: write a byte as a decimal escape such as "\65", or use long brackets [[...]]`, e)
	}
	return &SyntaxError{
		File:    name,
		Line:    line,
		Message: fmt.Sprintf(`unknown escape "%s" in a string literal (Lua would silently read it as %q)`, esc, string(e)),
		Hint:    hint,
	}
}
