package expect

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/third_party/regexp"
)

// parseFlags is Go's default syntax in multi-line mode: ^ and $ are line
// anchors.
const parseFlags = syntax.Perl &^ syntax.OneLine

// reservedGroupNames are the fields of the Lua match object; a group with
// one of these names would be shadowed (or shadow them), so it is refused.
var reservedGroupNames = map[string]bool{"before": true, "line": true, "case": true, "n": true}

// Pattern is a compiled case pattern: a Go RE2 expression in multi-line
// mode with the CR/LF rules of the contract, or an exact literal. It is
// immutable and safe for concurrent use.
//
// A pattern runs in one of two ways (see scan.go):
//   - line-local (it can never match an LF): on the content of one line,
//     without its terminator, where ^ and $ are the text anchors \A and \z;
//   - multi-line: on "window text", the last K lines joined with a single
//     "\n" per line end (a CR LF becomes "\n"), in multi-line mode.
type Pattern struct {
	source    string
	lineLocal bool
	window    int // lines a match can span; 0 = unbounded
	numGroups int
	names     []string

	lit *literal // exact patterns
	re  *compiled

	// filter is a necessary condition for a line-local match, used to
	// skip lines with a byte search over many lines at once instead of
	// trying each line (see candidateLine); nil when there is none.
	filter *lineFilter

	done     <-chan struct{}                   // see WithCancel; nil for the compiled pattern
	stopping map[*regexp.Regexp]*regexp.Regexp // WithCancel: each regexp's copy that stops
}

// WithCancel returns a copy of p whose searches stop, reporting no match,
// once done is closed: the regexps look at done every few thousand
// characters (third_party/regexp) and the line loops before each line. The
// caller tells an abandoned search from "no match" by looking at done. A
// script's search of a huge string stops at its deadline this way instead
// of running on in a goroutine nobody waits for.
func (p *Pattern) WithCancel(done <-chan struct{}) *Pattern {
	q := *p
	q.done = done
	if p.re != nil {
		// The copies are made once here, not per line searched.
		q.stopping = map[*regexp.Regexp]*regexp.Regexp{}
		for _, re := range []*regexp.Regexp{p.re.main, p.re.lineStart} {
			if re != nil {
				q.stopping[re] = re.WithCancel(done)
			}
		}
	}
	return &q
}

// cancelled reports whether p's done channel (WithCancel) is closed.
func (p *Pattern) cancelled() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// use returns re, made to stop when p's done channel closes.
func (p *Pattern) use(re *regexp.Regexp) *regexp.Regexp {
	if p.done == nil {
		return re
	}
	if c, ok := p.stopping[re]; ok {
		return c
	}
	return re.WithCancel(p.done) // the continued variant: rarely needed
}

// lineFilter: every match of a line-local pattern lies within one line's
// content and begins with needle; with anchored, it begins at the content's
// start. needle never holds an LF, so a line's content holds it only where
// the raw bytes do, and a byte search over many lines finds the first line
// that can match.
type lineFilter struct {
	needle   string
	anchored bool
	nlNeedle string // "\n" + needle: an anchored needle at a line start

	// whole says when the needle is the whole pattern, which then needs
	// no regexp: a line's content matches when it starts with (wholePrefix,
	// ^\+OK) or is (wholeLine, ^\.$) the needle, at its start.
	whole wholeKind
}

type wholeKind int

const (
	notWhole    wholeKind = iota
	wholePrefix           // ^lit
	wholeLine             // ^lit$
)

// matchesLine reports whether a line's content matches a whole pattern.
func (f *lineFilter) matchesLine(content string) bool {
	if f.whole == wholeLine {
		return content == f.needle
	}
	return strings.HasPrefix(content, f.needle)
}

// wholeShape returns the shape of a line-local tree (after lineAnchors)
// that is only an anchored literal: \A lit or \A lit \z, no groups, no
// case folding.
func wholeShape(tree *syntax.Regexp, needle string) wholeKind {
	if tree.Op != syntax.OpConcat || len(tree.Sub) < 2 || len(tree.Sub) > 3 ||
		tree.Sub[0].Op != syntax.OpBeginText || tree.Sub[1].Op != syntax.OpLiteral ||
		tree.Sub[1].Flags&syntax.FoldCase != 0 || string(tree.Sub[1].Rune) != needle {
		return notWhole
	}
	if len(tree.Sub) == 2 {
		return wholePrefix
	}
	if tree.Sub[2].Op == syntax.OpEndText {
		return wholeLine
	}
	return notWhole
}

func newLineFilter(needle string, anchored bool) *lineFilter {
	if needle == "" || strings.ContainsAny(needle, "\n") {
		return nil
	}
	return &lineFilter{needle: needle, anchored: anchored, nlNeedle: "\n" + needle}
}

// candidateLine returns the offset of the start of the first line of
// text, at or after ls (a line start, or a mid-line start that is then
// treated as one), that may hold a match; ok is false when no line can,
// searching from search on (bytes before search were searched before: the
// caller passes ls when it does not know).
func (f *lineFilter) candidateLine(text string, ls, search int) (int, bool) {
	search = max(search, ls)
	if f.anchored {
		if search == ls && strings.HasPrefix(text[ls:], f.needle) {
			return ls, true
		}
		from := max(search-1, ls)
		i := strings.Index(text[from:], f.nlNeedle)
		if i < 0 {
			return 0, false
		}
		return from + i + 1, true
	}
	i := strings.Index(text[search:], f.needle)
	if i < 0 {
		return 0, false
	}
	return ls + strings.LastIndexByte(text[ls:search+i], '\n') + 1, true
}

// literal is an exact pattern: matched with strings.Index, so any bytes
// (including invalid UTF-8, which a regexp cannot match literally) work.
type literal struct {
	line   string // searched in one line's content (line-local patterns)
	window string // the text with CR LF turned into "\n", searched in window text
}

// needle returns the text to search for in the texts this pattern runs on.
func (l *literal) needle(lineLocal bool) string {
	if lineLocal {
		return l.line
	}
	return l.window
}

// compiled holds the regexps of a regular-expression pattern. The
// "continued" variants serve a text that starts mid-line (after a partial
// match, or FindStringFrom); few patterns ever need one, so they are built
// on first use.
type compiled struct {
	tree *syntax.Regexp // the tree behind main
	main *regexp.Regexp // line-local: one line, \A/\z anchors; else window text, (?m)

	// prefix is a literal every match begins with (or ""): a text
	// without it is rejected without running the regexp.
	prefix string

	// lineStart is main anchored at the start of the text, for a
	// multi-line pattern whose matches all begin with '^': trying it at
	// each line start of a window is much cheaper than an unanchored
	// search through the window.
	lineStart *regexp.Regexp

	once sync.Once
	cont *regexp.Regexp // continued(tree), see rewrite.go
	err  error
}

func usageError(format string, args ...any) error {
	return failure.New(failure.Usage, format, args...)
}

// quotePattern shows a pattern in an error message: as written between
// backquotes when that is readable and one line, else Go-quoted.
func quotePattern(s string) string {
	if strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// Compile compiles a RE2 expression with the contract's rules: '^'/'$' are
// line anchors, '$' matches before a line's CR LF, '.', '\s' and character
// classes never match CR or LF unless the pattern uses (?s). A bad
// expression returns a *failure.Error of kind Usage naming the pattern.
//
// Compiled patterns are kept by source for the whole process: a loop expecting `^\+OK` 20,000 times, or a bulk run whose
// rows each load the same modules, compiles each pattern once.
func Compile(expr string) (*Pattern, error) {
	if p := cache.get(expr); p != nil {
		return p, nil
	}
	p, err := compile(expr)
	if err != nil {
		return nil, err
	}
	cache.put(expr, p)
	return p, nil
}

// MustCompile is Compile for patterns known to be good (constants in Go
// code); it panics on a bad one.
func MustCompile(expr string) *Pattern {
	p, err := Compile(expr)
	if err != nil {
		panic("expect.MustCompile: " + err.Error())
	}
	return p
}

// Exact returns a pattern that matches text literally.
func Exact(text string) *Pattern {
	nl := strings.Count(text, "\n")
	p := &Pattern{
		source:    "exact" + strconv.Quote(text),
		lineLocal: nl == 0,
		window:    nl + 1,
		names:     []string{""},
	}
	window := strings.ReplaceAll(text, "\r\n", "\n")
	p.lit = &literal{line: text, window: window}
	if p.lineLocal {
		p.filter = newLineFilter(text, false)
	}
	return p
}

// String returns the pattern as the user wrote it (exact"..." for literals).
func (p *Pattern) String() string { return p.source }

// LineLocal reports whether the pattern can never match a line feed, so it
// is run on each line alone, without its terminator.
func (p *Pattern) LineLocal() bool { return p.lineLocal }

// Window is the number of lines a match can span (1 for line-local
// patterns), or 0 when the tree allows unboundedly many line feeds and the
// case must give Lines.
func (p *Pattern) Window() int { return p.window }

// NumGroups returns the number of capture groups.
func (p *Pattern) NumGroups() int { return p.numGroups }

// GroupNames returns the group names indexed like Match.Groups ("" for
// unnamed groups and for index 0).
func (p *Pattern) GroupNames() []string { return p.names }

// patternCacheMax bounds the process-wide cache of compiled patterns:
// when full it starts over, so scripts that build patterns from data
// cannot grow it without limit.
const patternCacheMax = 1024

var cache = &patternCache{m: map[string]*Pattern{}}

// patternCache is the cache behind Compile.
type patternCache struct {
	mu sync.Mutex
	m  map[string]*Pattern
}

func (c *patternCache) get(expr string) *Pattern {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[expr]
}

func (c *patternCache) put(expr string, p *Pattern) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= patternCacheMax {
		clear(c.m)
	}
	c.m[expr] = p
}

func compile(expr string) (*Pattern, error) {
	tree, err := parse(expr)
	if err != nil {
		return nil, usageError("bad pattern %s: %v", quotePattern(expr), err)
	}
	p := &Pattern{source: expr}
	nl, bounded := maxNewlines(tree)
	p.lineLocal = bounded && nl == 0
	if bounded {
		p.window = nl + 1
	}
	if p.re, err = compileTree(tree, p.lineLocal); err != nil {
		return nil, usageError("bad pattern %s: %v (after applying the line rules)", quotePattern(expr), parseErrorText(err, expr))
	}
	p.numGroups = p.re.main.NumSubexp()
	p.names = p.re.main.SubexpNames()
	if p.lineLocal {
		p.filter = newLineFilter(p.re.prefix, beginsAtTextStart(p.re.tree))
		if p.filter != nil && p.numGroups == 0 {
			p.filter.whole = wholeShape(p.re.tree, p.filter.needle)
		}
	}
	return p, nil
}

// parse parses expr and applies the contract's line rules to the tree.
func parse(expr string) (*syntax.Regexp, error) {
	if _, err := syntax.Parse(expr, parseFlags); err != nil {
		return nil, errors.New(parseErrorText(err, expr))
	}
	tree, err := syntax.Parse(markExplicitLineEnds(expr), parseFlags)
	if err != nil {
		// The marking step must never break a valid pattern (FuzzFind);
		// should it, explicit line ends in classes are merely dropped.
		tree, _ = syntax.Parse(expr, parseFlags)
	}
	if err := checkGroupNames(tree); err != nil {
		return nil, err
	}
	if err := applyLineRules(tree); err != nil {
		return nil, err
	}
	return tree, nil
}

// compileTree compiles the regexps that run tree: on one line for a
// line-local pattern, else on window text.
func compileTree(tree *syntax.Regexp, lineLocal bool) (*compiled, error) {
	if lineLocal {
		lineAnchors(tree)
	} else {
		windowCR(tree, false)
	}
	main, err := regexp.Compile(toSource(tree))
	if err != nil {
		return nil, err
	}
	c := &compiled{tree: tree, main: main}
	if prefix := leadingLiteral(tree); prefix != "" {
		c.prefix = prefix
	}
	if !lineLocal && beginsAtLineStart(tree) {
		if c.lineStart, err = regexp.Compile(toSource(atTextStart(tree))); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// parseErrorText describes a syntax error for a message that already
// names the pattern: the part of the pattern at fault is only repeated when
// it is not the whole pattern, and kept on one line.
func parseErrorText(err error, expr string) string {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	if se.Expr == "" || se.Expr == expr {
		return se.Code.String()
	}
	return se.Code.String() + " " + quotePattern(se.Expr)
}

func checkGroupNames(re *syntax.Regexp) error {
	if re.Op == syntax.OpCapture && reservedGroupNames[re.Name] {
		return fmt.Errorf("group name %q is reserved for a field of the match object (before, line, case, n)", re.Name)
	}
	for _, sub := range re.Sub {
		if err := checkGroupNames(sub); err != nil {
			return err
		}
	}
	return nil
}

// continued returns the variant of the main regexp for texts whose first
// byte is context (see continued in rewrite.go).
func (c *compiled) continued() (*regexp.Regexp, error) {
	c.once.Do(func() {
		c.cont, c.err = regexp.Compile(toSource(continued(c.tree)))
	})
	return c.cont, c.err
}

// find returns the leftmost match in text[from:end] as submatch index
// pairs relative to text, or nil; see findInString. The scanner's bytes
// are searched as a string view of the same memory, not a copy: text is
// not written to while find runs.
func (p *Pattern) find(text []byte, from, end int) []int {
	return p.findInString(view(text), from, end)
}

// view returns the bytes of b as a string without copying them; b must not
// change while the string is in use.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// findAtLineStarts is find for a pattern with a lineStart regexp: it tries
// the match at each offset of starts in turn (line starts in text, in
// order), so the first match found is the leftmost.
func (p *Pattern) findAtLineStarts(text []byte, starts []int) []int {
	if p.re.prefix != "" && !strings.Contains(view(text[starts[0]:]), p.re.prefix) {
		return nil
	}
	lineStart := p.use(p.re.lineStart)
	for _, at := range starts {
		if !lineStart.Match(text[at:]) {
			continue
		}
		loc := lineStart.FindSubmatchIndex(text[at:])
		for i := range loc {
			if loc[i] >= 0 {
				loc[i] += at
			}
		}
		return loc
	}
	return nil
}

// findInString returns the leftmost match in text[from:end] as submatch
// index pairs relative to text, or nil. from is 0, or 1 when text[0] is a
// context byte standing for consumed data. Bytes after end (the scanner's
// sentinel) are seen by regexps as context but never by literals.
func (p *Pattern) findInString(text string, from, end int) []int {
	if p.lit != nil {
		needle := p.lit.needle(p.lineLocal)
		i := strings.Index(text[from:end], needle)
		if i < 0 {
			return nil
		}
		return []int{from + i, from + i + len(needle)}
	}
	if p.re.prefix != "" && !strings.Contains(text[from:], p.re.prefix) {
		return nil
	}
	re := p.re.main
	if from == 1 {
		var err error
		if re, err = p.re.continued(); err != nil {
			return nil
		}
	}
	re = p.use(re)
	// Most texts do not match: MatchString, which tracks no submatches, is
	// the cheaper test; the submatch search runs only for a match.
	if !re.MatchString(text) {
		return nil
	}
	loc := re.FindStringSubmatchIndex(text)
	if from == 1 {
		loc = loc[2:]
	}
	return loc
}

// contextByte returns a stand-in for the byte before a mid-line start. Only
// two properties of it matter to a pattern: it is not an LF (so ^ does not
// match after it) and whether it is a word character (for \b). A stand-in
// also keeps a multi-byte character from being decoded across the join.
func contextByte(c byte) byte {
	if c < 0x80 && (isAlnum(c) || c == '_') {
		return 'a'
	}
	return ' '
}
