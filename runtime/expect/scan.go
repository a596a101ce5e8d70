package expect

import (
	"bytes"
	"slices"
	"strings"
)

// Case is one alternative of an expect call.
type Case struct {
	Pattern *Pattern
	// Partial cases are also tried against an incomplete last line
	// (prompts); a partial match consumes only through its end.
	Partial bool
	// Lines is the window (in lines) for a multi-line pattern whose number
	// of line feeds is unbounded; it overrides Pattern.Window when > 0.
	Lines int
	// Tag is the caller's own, handed back in Match.Tag when the case
	// wins (the Lua bridge tags each case, and each session guard, with
	// its handler), so nothing is paired up by position.
	Tag any
}

// Match is the outcome of a successful expect, or of Pattern.FindString.
type Match struct {
	Case    int      // index of the winning case in the cases given to Scan
	Tag     any      // the winning case's Tag
	Groups  []string // Groups[0] is the whole match; unmatched groups are ""
	Matched []bool   // Matched[i] is false for an unmatched optional group
	Names   []string // group names, "" for unnamed (index 0 is always "")
	Start   int      // byte offset of the match start (FindString: in s)
	End     int      // byte offset just past the match end
	Before  string   // unconsumed data before the match start
	Line    string   // the line in which the match ends, without its terminator
}

// Scanner is one expect call over a Buffer (Buffer.Scan): Next tries
// every complete line not yet tried in this call, in order; then partial
// cases against the incomplete tail; at eof the tail counts as a complete
// line. It returns (nil, nil) when more data is needed; on a match the
// buffer is consumed as the contract says.
//
// The call starts at the buffer's start and tries the lines in order, each
// exactly once, whether they were buffered before the call or arrive
// during it (replay). At each line every case is tried; the earliest match
// start wins, a tie goes to the case listed first.
//
// A line-local case runs on the new line alone. A multi-line case with a
// window of K lines runs on window text: the last K lines (never before the
// call's start), each line end written as a single "\n", followed by a
// sentinel CR. Because line K-1's window already failed, any match found
// now involves the new line, so no match is ever reported twice or late.
// The sentinel stands for the next line, which has not arrived: '$' and
// '\b' after the final "\n" are then false instead of pretending the text
// ends there ('^' is true, as it is in the stream). Nothing can match the
// sentinel except an optional CR or (?s), and matches are cut back to the
// real text.
type Scanner struct {
	buf   *Buffer
	cases []Case
	err   error // a Usage error found by Scan, returned by Next

	windows   []int // lines each case sees: 1 for line-local patterns
	maxWindow int   // largest window of a multi-line case; 0 when none
	partial   bool  // some case is partial

	origin   int64 // stream offset of the buffer start when the call began
	firstMid bool  // the call's first line starts mid-line
	ctx      byte  // context stand-in for the byte before that start

	next      int64  // stream offset of the first line not yet tried
	noLF      int64  // no LF in [next, noLF): the search for the next line resumes there
	lines     []span // lines tried, the last max(maxWindow, 1) kept
	partialAt int64  // buffer end when partial cases last saw the incomplete line
	eofTried  bool
	done      bool

	text     []byte   // window text: context byte, lines, sentinel
	textEnd  int      // end of the real text in text (the sentinel's index)
	layout   []placed // where each window line sits in text
	starts   []int    // line starts in a case's window text
	lineText []byte   // context byte + first line, for a mid-line start

	// filters holds, when every case is line-local with a lineFilter,
	// each case's filter and search state: the lines no case can match
	// are then skipped with byte searches (skipLines) instead of being
	// tried one by one. Empty otherwise.
	filters []filterState

	// loc and best hold the offsets of the match being tried and of the
	// best so far (try), reused from line to line.
	loc, best []int64

	// lean: see WithoutText; bare is the Match it returns.
	lean bool
	bare Match
}

// WithoutText makes the call's match carry only Case, Tag, Start and End,
// in a Match the scanner reuses (valid until its next use): for a caller
// that needs to know which case matched, not what — s:expect("^250 ") as
// a statement. The buffer is consumed exactly as with the full match;
// Before, Line and Groups are not built, so the call allocates nothing.
func (sc *Scanner) WithoutText() *Scanner {
	sc.lean = true
	return sc
}

// filterState is a case's lineFilter and how far the buffer was searched
// for it: the first candidate line start at, or none before searched.
type filterState struct {
	f        *lineFilter
	at       int64 // stream offset of the candidate line found, or -1
	searched int64 // with at < 0: no candidate line starts before this, nearly (see skipLines)
}

// shareBeforeMin is the size from which Match.Before shares the buffer's
// memory instead of being copied (see accept).
const shareBeforeMin = 64 << 10

// span is a line in stream offsets: content [start, contentEnd), then its
// terminator up to end.
type span struct{ start, contentEnd, end int64 }

// placed is a window line and the offset of its content in the window text.
type placed struct {
	off  int
	line span
}

// lineKind says how a line is tried.
type lineKind int

const (
	completeLine lineKind = iota // ends with an LF
	eofLine                      // the incomplete last line at eof: counts as complete
	partialLine                  // the incomplete last line: partial cases only
)

func newScanner(b *Buffer, cases []Case) *Scanner {
	return b.ScanInto(&Scanner{}, cases)
}

// ScanInto is Scan reusing sc, a Scanner the caller no longer needs (a
// session keeps one for all its expect calls): its slices are kept, so a
// call allocates nothing but its Match.
func (b *Buffer) ScanInto(sc *Scanner, cases []Case) *Scanner {
	*sc = Scanner{
		buf: b, cases: cases,
		windows: slices.Grow(sc.windows[:0], len(cases))[:len(cases)],
		lines:   sc.lines[:0], text: sc.text[:0], layout: sc.layout[:0],
		starts: sc.starts[:0], lineText: sc.lineText[:0], filters: sc.filters[:0],
		loc: sc.loc[:0], best: sc.best[:0],
	}
	clear(sc.windows)
	for i, c := range cases {
		if c.Pattern == nil {
			sc.err = usageError("expect: case %d has no pattern", i+1)
			break
		}
		p := c.Pattern
		switch {
		case p.lineLocal:
			sc.windows[i] = 1
		case c.Lines > 0:
			sc.windows[i] = c.Lines
		case p.window > 0:
			sc.windows[i] = p.window
		default:
			sc.err = usageError("expect: pattern %s can match any number of line ends: "+
				"give its case a window of lines (lines = K)", quotePattern(p.source))
		}
		if !p.lineLocal {
			sc.maxWindow = max(sc.maxWindow, sc.windows[i])
		}
		sc.partial = sc.partial || c.Partial
	}
	if sc.err == nil && sc.maxWindow == 0 {
		for _, c := range cases {
			if c.Pattern.filter == nil {
				sc.filters = sc.filters[:0]
				break
			}
			sc.filters = append(sc.filters, filterState{f: c.Pattern.filter})
		}
	}
	sc.reset()
	return sc
}

// reset starts the call over at the buffer's start.
func (sc *Scanner) reset() {
	b := sc.buf
	sc.origin, sc.next, sc.noLF = b.start(), b.start(), b.start()
	sc.firstMid, sc.ctx = b.midLine, contextByte(b.last)
	sc.lines = sc.lines[:0]
	sc.partialAt = -1
	sc.eofTried = false
	for i := range sc.filters {
		sc.filters[i].at, sc.filters[i].searched = -1, 0
	}
}

// skipLines moves sc.next past the complete lines that no case can match:
// to the first line start where some case's needle is (the earliest over
// all cases), or else past the last line feed. The lines skipped would
// have been tried and failed, so the outcome is the same as trying each;
// each case searches the bytes once, however the data arrives.
func (sc *Scanner) skipLines() {
	b := sc.buf
	text := view(b.data[b.index(sc.next):])
	best := int64(-1)
	for i := range sc.filters {
		fs := &sc.filters[i]
		if fs.at < sc.next {
			// Search again, from where the last search that found
			// nothing stopped (less a needle's length: it may have been
			// cut by the end of the data).
			search := max(0, int(fs.searched-sc.next)-len(fs.f.nlNeedle))
			if c, ok := fs.f.candidateLine(text, 0, search); ok {
				fs.at = sc.next + int64(c)
			} else {
				fs.at, fs.searched = -1, b.end()
			}
		}
		if fs.at >= 0 && (best < 0 || fs.at < best) {
			best = fs.at
		}
	}
	if best < 0 {
		best = sc.next + int64(strings.LastIndexByte(text, '\n')+1)
	}
	sc.next = best
}

// Next tries every complete line not yet tried in this call, in order;
// then the partial cases against the incomplete last line, or at eof every
// case against it as a complete line. It returns (nil, nil) when more data
// is needed. On a match the buffer is consumed through the end of the line
// in which the match ends (a match on the incomplete line: through its end).
// After a match, Next returns (nil, nil): the call is over.
func (sc *Scanner) Next(eof bool) (*Match, error) {
	if sc.err != nil {
		return nil, sc.err
	}
	if sc.done {
		return nil, nil
	}
	b := sc.buf
	if b.start() != sc.origin {
		sc.reset() // consumed behind the call's back (ReadLine, Drain): replay
	}
	for {
		if len(sc.filters) > 0 {
			sc.skipLines()
		}
		from := max(sc.next, sc.noLF)
		i := bytes.IndexByte(b.data[b.index(from):], '\n')
		if i < 0 {
			sc.noLF = b.end()
			break
		}
		lf := from + int64(i)
		ln := span{sc.next, b.trimCR(sc.next, lf), lf + 1}
		sc.next = ln.end
		sc.push(ln)
		if m := sc.try(ln, completeLine); m != nil {
			return m, nil
		}
	}
	if sc.next == b.end() {
		return nil, nil
	}
	ln := span{sc.next, b.trimCR(sc.next, b.end()), b.end()}
	switch {
	case eof && !sc.eofTried:
		sc.eofTried = true
		sc.next = ln.end
		sc.push(ln)
		return sc.try(ln, eofLine), nil
	case !eof && sc.partial && sc.partialAt != b.end():
		sc.partialAt = b.end()
		sc.push(ln)
		m := sc.try(ln, partialLine)
		sc.lines = sc.lines[:len(sc.lines)-1]
		return m, nil
	}
	return nil, nil
}

// push records a tried line, keeping only as many as a window needs.
func (sc *Scanner) push(ln span) {
	keep := max(sc.maxWindow, 1)
	if len(sc.lines) >= 2*keep+32 {
		n := copy(sc.lines, sc.lines[len(sc.lines)-(keep-1):])
		sc.lines = sc.lines[:n]
	}
	sc.lines = append(sc.lines, ln)
}

// try tries the cases at line ln (the last line pushed) and, when one
// matches, consumes the buffer and returns the match.
func (sc *Scanner) try(ln span, kind lineKind) *Match {
	best, bestLoc := -1, sc.best[:0]
	windowBuilt := false
	for i, c := range sc.cases {
		if kind == partialLine && !c.Partial {
			continue
		}
		p := c.Pattern
		var loc []int64
		if p.lineLocal {
			loc = sc.tryLine(p, ln, kind)
		} else {
			if !windowBuilt {
				sc.buildWindow(kind)
				windowBuilt = true
			}
			loc = sc.tryWindow(p, sc.windows[i], kind)
		}
		if loc != nil && (best < 0 || loc[0] < bestLoc[0]) {
			// Keep it; the other scratch slice takes the next try.
			best, bestLoc, sc.loc = i, loc, bestLoc[:0]
		}
	}
	sc.best = bestLoc
	if best < 0 {
		return nil
	}
	return sc.accept(best, bestLoc, kind)
}

// tryLine runs a line-local pattern on the content of ln and returns the
// submatch offsets in stream offsets (-1 for unmatched groups), or nil.
func (sc *Scanner) tryLine(p *Pattern, ln span, kind lineKind) []int64 {
	b := sc.buf
	text, from := b.slice(ln.start, ln.contentEnd), 0
	if sc.firstMid && ln.start == sc.origin && p.lit == nil {
		sc.lineText = append(append(sc.lineText[:0], sc.ctx), text...)
		text, from = sc.lineText, 1
	}
	if p.filter != nil && p.filter.whole != notWhole {
		// The whole pattern is its anchored needle (^\+OK, ^\.$): no
		// regexp to run, nothing to allocate.
		if from == 1 || !p.filter.matchesLine(view(text)) {
			return nil // '^' never matches a mid-line start
		}
		sc.loc = append(sc.loc[:0], ln.start, ln.start+int64(len(p.filter.needle)))
		return sc.loc
	}
	loc := p.find(text, from, len(text))
	if loc == nil || kind == partialLine && loc[0] == loc[1] {
		// An empty match on a line still arriving would consume nothing
		// and match again at once: partial matches are never empty.
		return nil
	}
	out := sc.loc[:0]
	for _, off := range loc {
		o := int64(-1)
		if off >= 0 {
			o = ln.start + int64(off-from)
		}
		out = append(out, o)
	}
	sc.loc = out
	return out
}

// buildWindow writes the window text of the last maxWindow lines.
func (sc *Scanner) buildWindow(kind lineKind) {
	b := sc.buf
	lines := sc.lines[len(sc.lines)-min(sc.maxWindow, len(sc.lines)):]
	sc.text = append(sc.text[:0], sc.ctx)
	sc.layout = sc.layout[:0]
	for j, l := range lines {
		sc.layout = append(sc.layout, placed{len(sc.text), l})
		sc.text = append(sc.text, b.slice(l.start, l.contentEnd)...)
		if j < len(lines)-1 || kind == completeLine {
			sc.text = append(sc.text, '\n')
		}
	}
	sc.textEnd = len(sc.text)
	if kind == completeLine {
		sc.text = append(sc.text, '\r') // the sentinel
	}
}

// tryWindow runs a multi-line pattern on the last k lines of the window
// text and returns the submatch offsets in stream offsets, or nil.
func (sc *Scanner) tryWindow(p *Pattern, k int, kind lineKind) []int64 {
	f := max(0, len(sc.layout)-k)
	off, from := sc.layout[f].off, 0
	if f == 0 && sc.firstMid && sc.layout[0].line.start == sc.origin && p.lit == nil {
		off, from = off-1, 1 // keep the context byte
	}
	text, end := sc.text[off:], sc.textEnd-off
	var loc []int
	if p.re != nil && p.re.lineStart != nil {
		// Every match begins at a line start: try only those.
		sc.starts = sc.starts[:0]
		for j := f; j < len(sc.layout); j++ {
			if j > f || from == 0 { // a mid-line start is no line start
				sc.starts = append(sc.starts, sc.layout[j].off-off)
			}
		}
		if len(sc.starts) > 0 {
			loc = p.findAtLineStarts(text, sc.starts)
		}
	} else {
		loc = p.find(text, from, end)
	}
	if loc == nil {
		return nil
	}
	// A match may not start at the end of the text being tried (after the
	// final line end), except at eof, where the text really ends there.
	if loc[0] >= end && kind != eofLine || kind == partialLine && loc[0] == loc[1] {
		return nil
	}
	out := sc.loc[:0]
	for _, o := range loc {
		q := int64(-1)
		if o >= 0 {
			q = sc.position(off + min(o, end))
		}
		out = append(out, q)
	}
	sc.loc = out
	return out
}

// position maps an offset in the window text to a stream offset. An offset
// at a line's "\n" maps to the start of its terminator (a CR LF stays
// whole); one past it maps past the terminator.
func (sc *Scanner) position(q int) int64 {
	j := len(sc.layout) - 1
	for j > 0 && sc.layout[j].off > q {
		j--
	}
	pl := sc.layout[j]
	d := int64(max(q-pl.off, 0))
	if d > pl.line.contentEnd-pl.line.start {
		return pl.line.end
	}
	return pl.line.start + d
}

// accept builds the match of case i at loc and consumes the buffer.
func (sc *Scanner) accept(i int, loc []int64, kind lineKind) *Match {
	b := sc.buf
	p := sc.cases[i].Pattern
	origin := b.start()
	// A large Before (a whole message expected up to its terminator) is
	// handed over without a copy when little is buffered after the match:
	// the buffer then moves that rest to a new array (detach), so the
	// string's bytes are never written again. Without text (lean) the
	// buffer detaches all the same: its large array is not kept resident
	// for the rest of the session.
	before := b.slice(origin, loc[0])
	shared := len(before) >= shareBeforeMin && b.index(b.end())-b.index(loc[1]) <= len(before)/4
	m := &sc.bare
	if !sc.lean {
		m = newMatch(p.numGroups + 1)
	}
	m.Case, m.Tag, m.Names = i, sc.cases[i].Tag, p.names
	m.Start, m.End = int(loc[0]-origin), int(loc[1]-origin)
	if !sc.lean {
		sc.fillText(m, loc, before, shared)
	}
	sc.consumeMatch(loc, kind)
	if shared {
		b.detach()
	}
	sc.done = true
	return m
}

// fillText fills in what the match says (Before, Line, Groups) from the
// buffer, before it is consumed.
func (sc *Scanner) fillText(m *Match, loc []int64, before []byte, shared bool) {
	b := sc.buf
	if shared {
		m.Before = view(before)
	} else {
		m.Before = string(before)
	}
	end := sc.lineOf(loc)
	ls := max(end.start, b.start())
	m.Line = string(b.slice(ls, end.contentEnd))
	for g := range m.Groups {
		if 2*g+1 < len(loc) && loc[2*g] >= 0 {
			from, to := loc[2*g], loc[2*g+1]
			if from >= ls && to <= end.contentEnd {
				m.Groups[g] = m.Line[from-ls : to-ls] // within the line: no copy
			} else {
				m.Groups[g] = string(b.slice(from, to))
			}
			m.Matched[g] = true
		}
	}
}

// consumeMatch consumes the buffer through the line in which the match at
// loc ends (a match on the incomplete line: through its end).
func (sc *Scanner) consumeMatch(loc []int64, kind lineKind) {
	if kind == partialLine {
		sc.buf.consume(loc[1])
	} else {
		sc.buf.consume(sc.lineOf(loc).end)
	}
}

// newMatch returns a Match with n groups; up to four come in the same
// allocation as the Match.
func newMatch(n int) *Match {
	if n <= 4 {
		x := &struct {
			m       Match
			groups  [4]string
			matched [4]bool
		}{}
		x.m.Groups, x.m.Matched = x.groups[:n:n], x.matched[:n:n]
		return &x.m
	}
	return &Match{Groups: make([]string, n), Matched: make([]bool, n)}
}

// lineOf returns the line in which a match ends: the line holding its last
// byte (a terminator included), or its position when it is empty.
func (sc *Scanner) lineOf(loc []int64) span {
	at := loc[0]
	if loc[1] > loc[0] {
		at = loc[1] - 1
	}
	j := len(sc.lines) - 1
	for j > 0 && sc.lines[j].start > at {
		j--
	}
	return sc.lines[j]
}
