package expect

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Matching a whole string (the Lua regex module) follows the same rules as
// the buffer: a CR before an LF, or a CR ending s, belongs to the line end;
// '^' and '$' are line anchors. Unlike expect, a match may start at the end
// of s (Go's own rule, so `^$` matches "" and x* matches at the end).

// FindString matches p against a whole string, as the regex module does
// (CRLF line ends in s are handled like those in the buffer). It returns
// nil when there is no match.
func (p *Pattern) FindString(s string) *Match { return p.findString(s, 0) }

// FindStringFrom is FindString starting at byte offset start; '^' still
// only matches at a line start of s.
func (p *Pattern) FindStringFrom(s string, start int) *Match { return p.findString(s, start) }

// FindAllString returns the successive non-overlapping matches of p in s,
// at most n of them (all when n < 0), with Go's rule for empty matches
// (an empty match right after the previous match is skipped). It is
// FindStringFrom in a loop, without re-normalising s for every match.
func (p *Pattern) FindAllString(s string, n int) []*Match { return p.findAll(s, n) }

func (p *Pattern) findString(s string, start int) *Match {
	if start < 0 || start > len(s) {
		return nil
	}
	if p.lineLocal {
		return p.findLineLocal(s, start)
	}
	return p.findInNormalized(normalize(s, start), s, start)
}

// FindAllStringIndex is FindAllString giving only where each match is:
// submatch offset pairs in s, the whole match first (-1 for a group that
// did not match). It builds no Match, for callers that need no more
// (regex replace with a plain template).
func (p *Pattern) FindAllStringIndex(s string, n int) [][]int { return p.findAllLocs(s, n) }

func (p *Pattern) findAll(s string, n int) []*Match {
	locs := p.findAllLocs(s, n)
	out := make([]*Match, len(locs))
	prevEnd := 0
	for i, loc := range locs {
		out[i] = stringMatch(p, s, prevEnd, loc)
		prevEnd = loc[1]
	}
	return out
}

func (p *Pattern) findAllLocs(s string, n int) [][]int {
	if n == 0 {
		return nil
	}
	var locs [][]int
	if p.lineLocal {
		locs = p.findAllLineLocal(s, n)
	} else {
		norm := normalize(s, 0)
		if p.lit != nil {
			for from := 0; n < 0 || len(locs) < n; {
				loc := p.findInString(norm.text, from, len(norm.text))
				if loc == nil {
					break
				}
				locs = append(locs, loc)
				from = loc[1]
			}
		} else {
			locs = p.use(p.re.main).FindAllStringSubmatchIndex(norm.text, n)
		}
		for _, loc := range locs {
			norm.toSource(loc)
		}
	}
	return locs
}

// findAllLineLocal is Go's FindAll loop over findLineLocal: an empty match
// right after the previous match is skipped, and the search then steps
// over one character.
func (p *Pattern) findAllLineLocal(s string, n int) [][]int {
	var locs [][]int
	prevEnd := -1
	for pos := 0; (n < 0 || len(locs) < n) && pos <= len(s); {
		loc := p.lineLocalLoc(s, pos)
		if loc == nil {
			break
		}
		accept := true
		if loc[1] == loc[0] {
			accept = loc[0] != prevEnd
			pos = loc[0] + charWidth(s, loc[0])
		} else {
			pos = loc[1]
		}
		prevEnd = loc[1]
		if accept {
			locs = append(locs, loc)
		}
	}
	return locs
}

// charWidth is the width of the character at s[i] as window text sees it:
// a line end's CR LF is one character, and a CR ending s is none (it is not
// there), so stepping over it ends the search.
func charWidth(s string, i int) int {
	if i >= len(s) {
		return 1
	}
	if s[i] == '\r' {
		switch {
		case i+1 == len(s):
			return 2
		case s[i+1] == '\n':
			return 2
		}
	}
	_, w := utf8.DecodeRuneInString(s[i:])
	return max(w, 1)
}

// findLineLocal searches the lines of s from start, one at a time: a
// line-local match lies within one line, so the first line with a match
// holds the leftmost one.
func (p *Pattern) findLineLocal(s string, start int) *Match {
	loc := p.lineLocalLoc(s, start)
	if loc == nil {
		return nil
	}
	return stringMatch(p, s, start, loc)
}

// lineLocalLoc returns the submatch offsets in s of the leftmost match at
// or after start, or nil.
func (p *Pattern) lineLocalLoc(s string, start int) []int {
	midLine := start > 0 && s[start-1] != '\n'
	for ls := start; ; {
		if p.cancelled() {
			return nil
		}
		if p.filter != nil {
			// Lines without the needle cannot match: skip to the first
			// that has it with one byte search.
			c, ok := p.filter.candidateLine(s, ls, ls)
			if !ok {
				return nil
			}
			if c > ls {
				ls, midLine = c, false
			}
		}
		nl := strings.IndexByte(s[ls:], '\n')
		le := len(s)
		if nl >= 0 {
			le = ls + nl
		}
		ce := le
		if ce > ls && s[ce-1] == '\r' {
			ce--
		}
		var loc []int
		base := ls
		if f := p.filter; f != nil && f.whole != notWhole {
			// ^literal or ^literal$: no regexp ('^' never matches mid-line).
			if !midLine && f.matchesLine(s[ls:ce]) {
				return []int{ls, ls + len(f.needle)}
			}
		} else if midLine {
			loc = p.findInString(string(contextByte(s[start-1]))+s[ls:ce], 1, 1+ce-ls)
			base--
		} else {
			loc = p.findInString(s[ls:ce], 0, ce-ls)
		}
		if loc != nil {
			for i := range loc {
				if loc[i] >= 0 {
					loc[i] += base
				}
			}
			return loc
		}
		if nl < 0 {
			return nil
		}
		ls, midLine = le+1, false
	}
}

func (p *Pattern) findInNormalized(n *normalized, s string, start int) *Match {
	loc := p.findInString(n.text, n.ctx, len(n.text))
	if loc == nil {
		return nil
	}
	n.toSource(loc)
	return stringMatch(p, s, start, loc)
}

// stringMatch builds the Match of loc (offsets in s).
func stringMatch(p *Pattern, s string, start int, loc []int) *Match {
	m := &Match{
		Groups:  make([]string, p.numGroups+1),
		Matched: make([]bool, p.numGroups+1),
		Names:   p.names,
		Start:   loc[0],
		End:     loc[1],
		Before:  s[start:loc[0]],
	}
	for g := range m.Groups {
		if g*2+1 < len(loc) && loc[2*g] >= 0 {
			m.Groups[g], m.Matched[g] = s[loc[2*g]:loc[2*g+1]], true
		}
	}
	// The line in which the match ends: the one holding its last byte (an
	// LF included), or its position when it is empty.
	at := m.Start
	if m.End > m.Start {
		at = m.End - 1
	}
	ls := strings.LastIndexByte(s[:at], '\n') + 1
	le := len(s)
	if i := strings.IndexByte(s[at:], '\n'); i >= 0 {
		le = at + i
	}
	if le > ls && s[le-1] == '\r' {
		le--
	}
	m.Line = s[ls:le]
	return m
}

// normalized is s (from some offset on) with each CR LF turned into "\n"
// and a CR ending s dropped: window text, on which multi-line regexps run.
type normalized struct {
	text string
	ctx  int   // 1 when text[0] is a context byte (the search starts mid-line)
	base int   // offset in s of text[ctx]
	crs  []int // offsets in text of the line ends that lost their CR
}

func normalize(s string, start int) *normalized {
	n := &normalized{base: start}
	var b strings.Builder
	b.Grow(len(s) - start + 1)
	if start > 0 && s[start-1] != '\n' {
		n.ctx = 1
		b.WriteByte(contextByte(s[start-1]))
	}
	rest := s[start:]
	for {
		i := strings.IndexByte(rest, '\r')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		if i+1 == len(rest) || rest[i+1] == '\n' {
			n.crs = append(n.crs, b.Len()) // the CR of a line end: dropped
		} else {
			b.WriteByte('\r')
		}
		rest = rest[i+1:]
	}
	n.text = b.String()
	return n
}

// toSource maps offsets in text to offsets in s, in place. An offset at a
// "\n" that replaced CR LF maps to the CR, so a line end is never split.
func (n *normalized) toSource(loc []int) {
	for i, off := range loc {
		if off >= 0 {
			loc[i] = n.base + off - n.ctx + sort.SearchInts(n.crs, off)
		}
	}
}
