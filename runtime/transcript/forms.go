package transcript

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// formsOf returns value and the ways it is written when it is quoted or
// encoded on its way into a protocol line, a log message or an error: each
// must be masked as the value itself. For a plain alphanumeric password
// they are all the same string and only one is returned.
func formsOf(value string) []string {
	if plainValue(value) {
		return []string{value}
	}
	return encodedForms(value)
}

// encodedForms is formsOf without plainValue's shortcut.
func encodedForms(value string) []string {
	forms := []string{value}
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	add(unquote(strconv.Quote(value)))        // Go %q, and Lua's %q (gopher-lua uses Go's)
	add(unquote(strconv.QuoteToASCII(value))) // Go %+q
	add(jsonString(value, true))              // encoding/json's default
	add(jsonString(value, false))             // Encoder.SetEscapeHTML(false)
	add(imapQuoted(value))
	for _, e := range []string{
		url.QueryEscape(value),
		url.PathEscape(value),
		strings.TrimPrefix(url.UserPassword("", value).String(), ":"),
	} {
		add(e)
		add(lowerHex(e))
	}
	return forms
}

// plainValue reports whether every encoder formsOf knows writes value as it
// is: letters, digits and "-._~" (URL-unreserved, and nothing any quoting
// escapes). A bulk run registers a password per row; most need no
// encoding at all.
func plainValue(value string) bool {
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// unquote strips the quotes around a quoted string: the value shows
// between the quotes of whatever quoted it.
func unquote(q string) string { return q[1 : len(q)-1] }

func jsonString(value string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if enc.Encode(value) != nil {
		return ""
	}
	return unquote(strings.TrimSuffix(b.String(), "\n"))
}

// imapQuoted is the inside of an RFC 9051 quoted string: `"` and `\` are
// preceded by a backslash (`a001 LOGIN user "pa\"ss"`).
func imapQuoted(value string) string {
	return imapQuoter.Replace(value)
}

// imapQuoter is built once: a bulk run registers a secret per row.
var imapQuoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// lowerHex rewrites %XX escapes with lower-case hex digits, as some
// encoders write them.
func lowerHex(escaped string) string {
	b := []byte(escaped)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = toLower(b[i+1])
			b[i+2] = toLower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
