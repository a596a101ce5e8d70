package transcript

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Redacted is what a secret is replaced with.
const Redacted = "***"

// shortSecret is the length, in bytes, below which a value is masked only
// where it stands as a word or field (see the package documentation).
const shortSecret = 3

// Secrets is the registry of values that must never be shown: passwords,
// tokens, whatever the script passed to secret(). It is safe for concurrent
// use; a bulk run shares one among all its goroutines. The zero value is
// an empty registry; a nil *Secrets masks nothing.
type Secrets struct {
	mu      sync.RWMutex
	values  map[string]int      // value -> adds less removes
	encoded map[string][]string // formsOf a registered value that has more than itself, for remove
	forms   matcher             // every form of every value, searched in text
	decoded matcher             // the values themselves, searched in decoded base64 tokens

	minValue int          // bytes of the shortest value: shorter decodings are skipped
	maxValue int          // bytes of the longest value
	maxReach atomic.Int64 // see Secrets.reach
	count    atomic.Int64 // len(values), so that Empty and Mask need no lock
}

// NewSecrets returns an empty registry.
func NewSecrets() *Secrets {
	return &Secrets{values: make(map[string]int)}
}

// Add registers value. The empty string is ignored. A value containing CR
// or LF is also registered line by line, because masking sees one line at
// a time.
func (s *Secrets) Add(value string) {
	s.eachForm(value, (*Secrets).add)
}

// Remove undoes one Add of value: once every Add of it is undone, it is no
// longer masked. A bulk run registers a row's secrets while the row runs
// and removes them after, so that the registry (and the cost of masking)
// does not grow with the number of rows.
func (s *Secrets) Remove(value string) {
	s.eachForm(value, (*Secrets).remove)
}

// eachForm calls f, under the lock, with value and, for a value of
// several lines, with each line: a multi-line secret is also masked where
// a line of it shows alone. A nil registry or an empty value does nothing.
func (s *Secrets) eachForm(value string, f func(*Secrets, string)) {
	if s == nil || value == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s, value)
	if strings.ContainsAny(value, "\r\n") {
		for _, line := range strings.FieldsFunc(value, func(r rune) bool { return r == '\r' || r == '\n' }) {
			f(s, line)
		}
	}
}

func (s *Secrets) remove(value string) {
	n, ok := s.values[value]
	if !ok {
		return
	}
	if n > 1 {
		s.values[value] = n - 1
		return
	}
	delete(s.values, value)
	forms, ok := s.encoded[value] // as add registered them
	if !ok {
		forms = []string{value}
	}
	delete(s.encoded, value)
	for _, f := range forms {
		s.forms.remove(f)
	}
	s.decoded.remove(value)
	// minValue, maxValue and maxReach stay as they were: bounds that are
	// looser than need be cost a little time, never a missed secret.
	s.count.Store(int64(len(s.values)))
}

func (s *Secrets) add(value string) {
	if n, ok := s.values[value]; ok {
		s.values[value] = n + 1
		return
	}
	if s.values == nil {
		s.values = make(map[string]int)
	}
	s.values[value] = 1
	word := len(value) < shortSecret
	// In base64, value takes at most this many characters wherever it
	// starts in the decoded bytes, with room for a glued prefix.
	reach := (len(value)/3+2)*4 + 4
	forms := formsOf(value)
	if len(forms) > 1 {
		if s.encoded == nil {
			s.encoded = make(map[string][]string)
		}
		s.encoded[value] = forms
	}
	for _, f := range forms {
		s.forms.add(f, word)
		reach = max(reach, len(f))
	}
	if int64(reach) > s.maxReach.Load() {
		s.maxReach.Store(int64(reach))
	}
	s.decoded.add(value, word)
	if s.minValue == 0 || len(value) < s.minValue {
		s.minValue = len(value)
	}
	s.maxValue = max(s.maxValue, len(value))
	s.count.Store(int64(len(s.values)))
}

// Empty reports whether no value is registered.
func (s *Secrets) Empty() bool { return s == nil || s.count.Load() == 0 }

// reach is the length of the longest text that can show a value: its
// longest form, or its base64 encoding. A line cut at n bytes is masked
// over its first n+reach bytes, so that no value straddling the cut is
// missed.
func (s *Secrets) reach() int {
	if s == nil {
		return 0
	}
	return int(s.maxReach.Load())
}

// Mask returns text with every registered value, its quoted and encoded
// forms and the base64 tokens that decode to them replaced by "***". With
// nothing registered, or nothing found, it returns text itself.
func (s *Secrets) Mask(text string) string { return s.mask(text, false, len(text)) }

// MaskBytes is Mask for a byte slice; it returns p itself when nothing is
// masked.
func (s *Secrets) MaskBytes(p []byte) []byte {
	if s.Empty() {
		return p
	}
	str := string(p)
	if m := s.mask(str, false, len(str)); m != str {
		return []byte(m)
	}
	return p
}

// A span is the byte range [start, end) of a text to be replaced.
type span struct{ start, end int }

// mask is Mask for the first limit bytes of text: the rest of text is only
// looked at, so that a value that begins before limit and ends after it is
// found, and replaced whole. cut says that text is itself the first part of
// a longer line, so the base64 token it ends in may go on past what is
// seen (see base64Spans).
func (s *Secrets) mask(text string, cut bool, limit int) string {
	if s.Empty() {
		return text[:limit]
	}
	s.mu.RLock()
	defer s.mu.RUnlock()

	var stack [8]span
	spans := stack[:0]
	s.forms.each(text, func(p *pattern, start, end int) bool {
		if !p.word || isWord(text, start, end) {
			spans = append(spans, span{start, end})
		}
		return true
	})
	spans = s.base64Spans(text, cut, spans)
	if len(spans) == 0 {
		return text[:limit]
	}
	return redact(text, spans, limit)
}

// isWord reports whether text[start:end] stands as a word: it is not
// glued to a word byte on a side where it begins or ends with one. A
// short value without any word byte (" ", ":", "!!") stands as a word
// only where a protocol puts a credential: between separators (spaces,
// line ends, quotes, brackets, ':' '=' '@' ',' ';', NUL); masking every
// colon or space of a line would eat the words around them
// ("***AUTH***PLAIN***refused").
func isWord(text string, start, end int) bool {
	if !strings.ContainsFunc(text[start:end], func(r rune) bool { return r >= 0x80 || isWordByte(byte(r)) }) {
		return (start == 0 || isSeparator(text[start-1])) && (end == len(text) || isSeparator(text[end]))
	}
	if start > 0 && isWordByte(text[start]) && isWordByte(text[start-1]) {
		return false
	}
	if end < len(text) && isWordByte(text[end-1]) && isWordByte(text[end]) {
		return false
	}
	return true
}

// isSeparator: what stands around a credential in a protocol line or a
// quoted argument.
func isSeparator(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', 0, 1, '"', '\'', '(', ')', '<', '>', '[', ']', ':', '=', '@', ',', ';':
		return true
	}
	return false
}

// isWordByte: letters, digits, '_' and any byte of a non-ASCII character.
func isWordByte(c byte) bool {
	return c >= 0x80 || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// redact returns text[:limit] with each span replaced, overlapping or
// touching spans merged, by one Redacted. A span that begins before limit
// is replaced whole, wherever it ends.
func redact(text string, spans []span, limit int) string {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(limit)
	done := 0 // text[:done] is written or masked
	for i := 0; i < len(spans) && spans[i].start < limit; {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		b.WriteString(text[done:start])
		b.WriteString(Redacted)
		done = end
	}
	if done < limit {
		b.WriteString(text[done:limit])
	}
	return b.String()
}
